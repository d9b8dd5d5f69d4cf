from __future__ import annotations

from django.core.management.base import BaseCommand

from guomen.loop.services import retention_apply, retention_days


class Command(BaseCommand):
    help = (
        "Anonymise the people whose journeys all closed more than GUOMEN_RETENTION_DAYS ago "
        "(names, document numbers, phone, exact birth date); journeys, events and counts stay. "
        "--dry-run lists them and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List who would be anonymised; change nothing.")
        parser.add_argument("--limit", type=int, default=1000, help="At most this many people in one run.")

    def handle(self, *args, dry_run: bool = False, limit: int = 1000, **options):
        due = retention_apply(dry_run=dry_run, limit=max(1, limit))
        for d in due:
            self.stdout.write(f"{d.person}  last closed {d.last_closed:%Y-%m-%d}  journeys {' '.join(d.journeys)}")
        verb = "would be anonymised" if dry_run else "anonymised"
        self.stdout.write(f"{len(due)} person(s) {verb} (retention {retention_days()} days after the last closure).")
