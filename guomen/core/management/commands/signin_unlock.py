from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from guomen.core.signin import unlock


class Command(BaseCommand):
    help = "Lift a sign-in lock (too many wrong passwords) of an account and/or an address."

    def add_arguments(self, parser):
        parser.add_argument("--username", help="The account's user name.")
        parser.add_argument("--ip", dest="ip_address", help="The address (as the sign-in page saw it).")

    def handle(self, *args, username: str | None = None, ip_address: str | None = None, **options):
        if not username and not ip_address:
            raise CommandError("Name an account (--username) or an address (--ip), or both.")
        n = unlock(username=username, ip_address=ip_address)
        self.stdout.write(f"Cleared {n} record(s) of failed sign-ins.")
