import json

from django.core.management.base import BaseCommand, CommandError

from guomen.exchange import services
from guomen.exchange.models import Partner
from guomen.lib.errors import DomainError


class Command(BaseCommand):
    help = "Queue one message to a partner: --type case_notice --body '{...}' (JSON, checked against its schema)."

    def add_arguments(self, parser):
        parser.add_argument("partner")
        parser.add_argument("--type", required=True)
        parser.add_argument("--body", required=True)

    def handle(self, *args, partner, type, body, **o):
        p = Partner.objects.filter(authority=partner).first()
        if p is None:
            raise CommandError(f"unknown partner {partner}")
        try:
            m = services.message_send(actor=None, partner=p, type=type, body=json.loads(body))
        except (DomainError, ValueError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        self.stdout.write(str(m.msg_id))
