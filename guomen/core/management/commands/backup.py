from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from guomen.core import backup
from guomen.lib import clock


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database while the system runs: a SQLite file (online "
        "backup API) or a pg_dump custom-format archive. Restore it with `manage.py restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="Where to write it (default: var/backups/guomen-<time>.<ext>).")

    def handle(self, *args, path: str | None = None, **options):
        from django.conf import settings

        ext = "sqlite3" if connections["default"].vendor == "sqlite" else "dump"
        target = Path(path) if path else Path(settings.VAR_DIR) / "backups" / f"guomen-{clock.now():%Y%m%d-%H%M%S}.{ext}"
        try:
            written = backup.backup(target)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup written to {written} ({written.stat().st_size} bytes).")
