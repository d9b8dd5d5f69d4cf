"""Read border segments or passages from a GeoJSON FeatureCollection; one bad feature refuses the file."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guomen.lib.errors import DomainError
from guomen.places import services


class Command(BaseCommand):
    help = "Import border segments or passages from a GeoJSON FeatureCollection (matched by code). Nothing changes if any feature is bad."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("layer", choices=["segments", "passages"])
        parser.add_argument("file")

    def handle(self, *args: Any, layer: str, file: str, **options: Any) -> None:
        try:
            with open(file, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        run = services.segments_import if layer == "segments" else services.passages_import
        try:
            result = run(actor=None, collection=data)
        except DomainError as exc:
            lines = [exc.message] + [f"  feature {p['feature']} ({p['code']}): {p['message']}" for p in exc.details or []]
            raise CommandError("\n".join(lines)) from exc
        self.stdout.write(f"{layer}: {result['created']} created, {result['updated']} updated")
