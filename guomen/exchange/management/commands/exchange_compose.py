import json

from django.core.management.base import BaseCommand, CommandError

from guomen.exchange import outbox, services
from guomen.exchange.models import Partner
from guomen.lib.errors import DomainError


class Command(BaseCommand):
    help = (
        "Queue messages to a partner: --type case_notice --body '{...}' (JSON, checked against its schema), "
        'or --batch \'[{"type": ..., "body": ...}, ...]\'; --send sends the outbox afterwards.'
    )

    def add_arguments(self, parser):
        parser.add_argument("partner")
        parser.add_argument("--type", default="")
        parser.add_argument("--body", default="")
        parser.add_argument("--batch", default="")
        parser.add_argument("--send", action="store_true")

    def handle(self, *args, partner, type, body, batch, send, **o):
        p = Partner.objects.filter(authority=partner).first()
        if p is None:
            raise CommandError(f"unknown partner {partner}")
        try:
            items = json.loads(batch) if batch else [{"type": type, "body": json.loads(body)}]
            ids = [str(services.message_send(actor=None, partner=p, type=i["type"], body=i["body"]).msg_id) for i in items]
        except (DomainError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        out = {"queued": ids}
        if send:
            out["sent"] = outbox.send_due()
        self.stdout.write(json.dumps(out))
