from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from guomen.core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup written by `manage.py backup` into the configured database (or the one "
        "--into names). The target must be empty unless --replace; stop the server first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file.")
        parser.add_argument("--into", help="A database URL to restore into instead of DATABASE_URL.")
        parser.add_argument("--replace", action="store_true", help="Overwrite a database that is not empty.")

    def handle(self, *args, path: str, into: str | None = None, replace: bool = False, **options):
        db = dj_database_url.parse(into) if into else connections["default"].settings_dict
        connections.close_all()
        try:
            backup.restore(Path(path), db, replace=replace)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {path} into {db['NAME']}.")
