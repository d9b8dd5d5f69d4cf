from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guomen.lib import clock
from guomen.loop import partitions
from guomen.loop.services import retention_days


class Command(BaseCommand):
    help = (
        "PostgreSQL: list the month partitions of custody events and create those missing ahead of the clock. "
        "With --archive DIR, each month whose journeys are all closed longer ago than GUOMEN_RETENTION_DAYS is "
        "written to DIR (JSON lines and a manifest of counts) and detached. Run as the tables' owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("--archive", metavar="DIR", help="Archive and detach the months past retention into this folder.")
        parser.add_argument("--dry-run", action="store_true", help="With --archive: say what would be archived; change nothing.")
        parser.add_argument("--drop", action="store_true", help="With --archive: drop each detached partition instead of keeping it.")

    def handle(self, *args, archive: str | None = None, dry_run: bool = False, drop: bool = False, **options):
        if not partitions.partitioned():
            raise CommandError("Custody events are partitioned on PostgreSQL only; this database keeps them in one table.")
        now = clock.now()
        if not archive:
            for name in partitions.create_ahead(now):
                self.stdout.write(f"created {name}")
            for p in partitions.listing():
                span = f"{p.start:%Y-%m-%d} – {p.end:%Y-%m-%d}" if p.start else "default (anything else)"
                self.stdout.write(f"{p.name}  {span}")
            return
        cutoff = now - dt.timedelta(days=retention_days())
        archived = 0
        for a in partitions.survey(cutoff):
            if not a.due(cutoff):
                why = f"{a.open_journeys} journey(s) open" if a.open_journeys else f"last closed {a.last_closed:%Y-%m-%d}"
                self.stdout.write(f"{a.partition.name}: kept ({why}; retention {retention_days()} days)")
                continue
            if dry_run:
                self.stdout.write(f"{a.partition.name}: would be archived ({a.journeys} journey(s), all closed)")
                continue
            m = partitions.archive_month(a.partition, Path(archive), drop=drop)
            archived += 1
            self.stdout.write(
                f"{a.partition.name}: {m['events']} event(s) of {m['journeys']} journey(s) → {Path(archive) / m['file']}; {m['detached']}"
            )
        self.stdout.write(f"{archived} month(s) archived.")
