import json

from django.core.management.base import BaseCommand

from guomen.exchange.models import Message, Thread


class Command(BaseCommand):
    help = "Print the messages (in and out) and threads as JSON: what the liaison desk shows."

    def handle(self, *args, **o):
        out = {
            "messages": [
                {
                    "id": str(m.msg_id),
                    "direction": m.direction,
                    "type": m.type,
                    "status": m.status,
                    "outcome": m.outcome,
                    "subject": m.subject,
                    "seq": m.seq,
                }
                for m in Message.objects.order_by("id")
            ],
            "threads": [
                {"ref": str(t.ref), "kind": t.kind, "ours": t.ours, "status": t.status, "data": t.data}
                for t in Thread.objects.order_by("id")
            ],
        }
        self.stdout.write(json.dumps(out, ensure_ascii=False))
