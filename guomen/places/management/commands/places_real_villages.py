"""Move a database from the generated demo townships and villages of earlier versions to the real
ones (data/border_villages.json), keeping every journey, grid, unit, status and declaration."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from guomen.places.villages import load_real_places


class Command(BaseCommand):
    help = "Load the real townships and village committees of the border counties and move what referred to generated ones onto them."

    def handle(self, *args, **options) -> None:
        from auditlog.context import disable_auditlog

        with disable_auditlog():
            result = load_real_places()
        self.stdout.write(
            f"{result['townships']} townships, {result['villages']} villages; {result['moved']} references moved from generated places"
        )
