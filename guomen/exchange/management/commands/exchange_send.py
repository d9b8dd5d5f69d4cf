import json

from django.core.management.base import BaseCommand

from guomen.exchange import outbox


class Command(BaseCommand):
    help = "Send the queued messages now (what the worker's periodic task does)."

    def handle(self, *args, **o):
        self.stdout.write(json.dumps(outbox.send_due()))
