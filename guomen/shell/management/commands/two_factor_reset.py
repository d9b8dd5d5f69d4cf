from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from guomen.shell.twofactor import reset


class Command(BaseCommand):
    help = "Remove an account's second factor (lost phone and recovery codes): it enrols again at its next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The account's user name.")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account is named {username!r}.")
        n = reset(user)
        self.stdout.write(f"Removed {n} two-factor record(s) of {username}; it enrols again at its next sign-in.")
