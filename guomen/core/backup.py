"""Backup and restore of the database: SQLite through its online backup API (a consistent copy
while the system runs), PostgreSQL through pg_dump / pg_restore in the custom format."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections


class BackupError(Exception):
    pass


def _pg_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])  # not on the command line, where `ps` shows it
    return args, env


def backup(path: Path, *, using: str = "default") -> Path:
    """Write a consistent copy of the database ``using`` to ``path``."""
    conn = connections[using]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if conn.vendor == "sqlite":
        conn.ensure_connection()
        dest = sqlite3.connect(path)
        try:
            with dest:
                conn.connection.backup(dest)
        finally:
            dest.close()
        return path
    if conn.vendor == "postgresql":
        args, env = _pg_env(conn.settings_dict)
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(path), *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return path
    raise BackupError(f"backups of {conn.vendor} databases are not supported")


def _is_empty_sqlite(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    with sqlite3.connect(path) as c:
        return not c.execute("SELECT 1 FROM sqlite_master WHERE type='table' LIMIT 1").fetchone()


def restore(path: Path, db: dict[str, Any], *, replace: bool = False) -> None:
    """Restore the backup at ``path`` into the database described by ``db`` (a DATABASES entry).
    It must be empty unless ``replace``: a restore never mixes two databases."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"{path} does not exist")
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        target = Path(db["NAME"])
        if not replace and not _is_empty_sqlite(target):
            raise BackupError(f"{target} is not empty; stop the server and use --replace to overwrite it")
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dest = sqlite3.connect(target)
        try:
            src.backup(dest)  # page by page, replacing everything in dest
        finally:
            dest.close()
            src.close()
        return
    if engine.endswith("postgresql"):
        args, env = _pg_env(db)
        if not replace:
            check = subprocess.run(
                ["psql", "-tA", "-c", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", *args],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if check.returncode != 0:
                raise BackupError(f"cannot reach the target database: {check.stderr.strip()}")
            if check.stdout.strip() not in ("", "0"):
                raise BackupError(f"{db['NAME']} is not empty; use --replace to overwrite it")
        extra = ["--clean", "--if-exists"] if replace else []
        result = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", *extra, *args, str(path)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        return
    raise BackupError(f"restores into {engine} are not supported")
