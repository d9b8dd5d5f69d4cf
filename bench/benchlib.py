"""What the benchmarks share: a throwaway database, a clean stop on SIGTERM, the machine's name."""

from __future__ import annotations

import contextlib
import os
import platform
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@contextlib.contextmanager
def throwaway_database() -> Iterator[tuple[str, Path]]:
    """(DATABASE_URL of a new empty database, temporary folder); both removed on exit."""
    tmp = Path(tempfile.mkdtemp(prefix="guomen-bench-"))
    base = os.environ.get("DATABASE_URL", "").strip()
    dropped: tuple[str, str] | None = None
    try:
        if base.startswith(("postgres://", "postgresql://", "pgsql://")):
            import psycopg
            from psycopg import sql

            parts = urlsplit(base)
            name = f"guomen_bench_{secrets.token_hex(4)}"
            admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            dropped = (admin, name)
            url = urlunsplit(parts._replace(path="/" + name))
        elif not base or base.startswith("sqlite:"):
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"  # an absolute path: sqlite:////tmp/...
        else:
            raise SystemExit(f"unsupported DATABASE_URL for this benchmark: {base.split(':')[0]}")
        yield url, tmp
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        if dropped:
            import psycopg
            from psycopg import sql

            with psycopg.connect(dropped[0], autocommit=True) as c:
                c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dropped[1])))
            print(f"dropped database {dropped[1]}")
        shutil.rmtree(tmp, ignore_errors=True)


def _on_term(*_a) -> None:
    raise SystemExit(143)  # let the finally blocks drop the database and stop the server


def machine() -> str:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}"
