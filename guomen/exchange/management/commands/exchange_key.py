import json

from django.conf import settings
from django.core.management.base import BaseCommand

from guomen.exchange import services, signing


class Command(BaseCommand):
    help = "Print this instance's authority, public signing key and fingerprint (making the key on first use); --rotate makes a new one."

    def add_arguments(self, parser):
        parser.add_argument("--rotate", action="store_true")

    def handle(self, *args, rotate=False, **options):
        key = services.key_rotate(actor=None) if rotate else services.current_key()
        out = {"authority": settings.EXCHANGE_AUTHORITY, "public_key": key.public_key, "fingerprint": signing.fingerprint(key.public_key)}
        self.stdout.write(json.dumps(out))
