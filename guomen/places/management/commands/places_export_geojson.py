"""Write border segments or passages as a GeoJSON FeatureCollection (WGS-84 lon/lat)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from guomen.places import queries
from guomen.places.models import BorderSegment, Passage


class Command(BaseCommand):
    help = "Export border segments or passages as a GeoJSON FeatureCollection."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("layer", choices=["segments", "passages"])
        parser.add_argument("--out", help="file to write (default: standard output)")

    def handle(self, *args: Any, layer: str, out: str | None = None, **options: Any) -> None:
        if layer == "segments":
            data = queries.segments_geojson(BorderSegment.objects.select_related("county", "responsible_person", "responsible_unit"))
        else:
            data = queries.passages_geojson(Passage.objects.all())
        text = json.dumps(data, ensure_ascii=False, indent=1)
        if out:
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(text)
            self.stderr.write(f"{len(data['features'])} features written to {out}")
        else:
            sys.stdout.write(text + "\n")
