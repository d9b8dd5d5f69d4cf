"""PostgreSQL clusters of a test's own, on loopback: a primary and its streaming replica, provinces
publishing to a national database. Started with Debian's server programs (initdb, pg_ctl,
pg_basebackup) as the postgres user when run as root, in a temporary directory."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from django.db import connection


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def why_not() -> str | None:
    """Why clusters of our own cannot be started here, or None."""
    if connection.vendor != "postgresql":
        return "needs PostgreSQL (this run is on SQLite; the PostgreSQL run has it)"
    if pg_bin() is None:
        return "PostgreSQL's server programs (initdb, pg_basebackup) are not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: cannot start PostgreSQL as its own user"
    return None


def require() -> None:
    reason = why_not()
    if reason:
        if os.environ.get("CI") == "true" and connection.vendor == "postgresql":
            pytest.fail(f"CI must run this test: {reason}")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, root: Path, name: str) -> None:
        self.dir = root / name
        self.port = _free_port()
        self.bin = pg_bin()
        self.sockets = root

    def run(self, *cmd: str, **kw) -> subprocess.CompletedProcess:
        argv = [str(self.bin / cmd[0]), *cmd[1:]]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        r = subprocess.run(argv, capture_output=True, timeout=300, **kw)
        assert r.returncode == 0, (cmd, r.stdout[-2000:], r.stderr[-2000:])
        return r

    def init(self, *, wal_level: str = "replica") -> None:
        self.run("initdb", "-D", str(self.dir), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        self.configure(wal_level=wal_level)

    def configure(self, *, wal_level: str = "replica") -> None:
        with open(self.dir / "postgresql.conf", "a") as f:
            f.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.sockets}'\n"
                f"wal_level = {wal_level}\nfsync = off\nfull_page_writes = off\nmax_wal_senders = 8\n"
                "max_replication_slots = 8\nhot_standby = on\nshared_buffers = 32MB\n"
            )

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.dir), "-l", str(self.dir.parent / f"{self.dir.name}.log"), "-w", "-t", "120", "start")

    def stop(self) -> None:
        if (self.dir / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.dir), "-m", "immediate", "-w", "stop")

    def url(self, db: str = "guomen") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def conninfo(self, db: str = "guomen") -> str:
        return f"host=127.0.0.1 port={self.port} dbname={db} user=postgres"

    def psql(self, sql: str, db: str = "guomen") -> str:
        r = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", db, "-c", sql],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert r.returncode == 0, (sql, r.stderr[-2000:])
        return r.stdout.strip()

    def load_test_database(self, *, schema_only: bool = False) -> None:
        """A copy of the test database as it is now (migrations, the demo world, what the test committed)."""
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "guomen")
        s = connection.settings_dict
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", *(["--schema-only"] if schema_only else []),
             "-h", s.get("HOST") or "127.0.0.1", "-p", str(s.get("PORT") or 5432), "-U", s.get("USER") or "postgres", s["NAME"]],
            capture_output=True, check=True, timeout=300,
        )  # fmt: skip
        subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "guomen"],
            input=dump.stdout, capture_output=True, check=True, timeout=300,
        )  # fmt: skip


@contextmanager
def clusters(*names: str) -> Iterator[dict[str, Cluster]]:
    root = Path(tempfile.mkdtemp(prefix="guomen-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    made = {name: Cluster(root, name) for name in names}
    try:
        yield made
    finally:
        for c in made.values():
            with suppress(AssertionError):
                c.stop()
        shutil.rmtree(root, ignore_errors=True)
