import json
from pathlib import Path

from django.core.management.base import BaseCommand

from guomen.exchange.schemas import json_schema

PATH = Path(__file__).resolve().parents[2] / "messages-v1.schema.json"


class Command(BaseCommand):
    help = "Write the JSON Schema of every message type (version 1) to guomen/exchange/messages-v1.schema.json."

    def handle(self, *args, **o):
        PATH.write_text(json.dumps(json_schema(), indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        self.stdout.write(str(PATH))
