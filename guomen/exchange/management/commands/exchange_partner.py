from django.core.management.base import BaseCommand, CommandError

from guomen.exchange import services
from guomen.lib.errors import DomainError
from guomen.org.models import Unit


class Command(BaseCommand):
    help = "Register (or update) a partner authority with its base URL and Ed25519 public keys (exchanged out of band)."

    def add_arguments(self, parser):
        parser.add_argument("authority")
        parser.add_argument("--url", required=True)
        parser.add_argument("--key", required=True)
        parser.add_argument("--next-key", default="")
        parser.add_argument("--name-zh", required=True)
        parser.add_argument("--name-en", required=True)
        parser.add_argument("--name-local", default="")
        parser.add_argument("--country", required=True)
        parser.add_argument("--languages", default="")
        parser.add_argument("--liaison-units", default="", help="unit codes, comma separated")
        parser.add_argument("--ports", default="", help="port unit codes whose manifests the partner sends")

    def handle(self, *args, **o):
        def units(codes: str) -> list[Unit]:
            wanted = [c for c in codes.split(",") if c]
            found = list(Unit.objects.filter(code__in=wanted))
            if len(found) != len(wanted):
                raise CommandError(f"unknown units: {sorted(set(wanted) - {u.code for u in found})}")
            return found

        try:
            p = services.partner_register(
                actor=None,
                authority=o["authority"],
                name_zh=o["name_zh"],
                name_en=o["name_en"],
                name_local=o["name_local"],
                country=o["country"],
                base_url=o["url"],
                public_key=o["key"],
                public_key_next=o["next_key"],
                languages=[x for x in o["languages"].split(",") if x],
                liaison_units=units(o["liaison_units"]),
                port_units=units(o["ports"]),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(p.authority)
