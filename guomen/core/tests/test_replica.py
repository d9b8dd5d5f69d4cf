"""Reads from a real streaming replica: a primary and its hot standby (pg_basebackup) started on
loopback for this test, holding a copy of the test database. Dashboards read on the replica, a
user's own write and the page after it on the primary, and a replica held back falls out of use."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _why_not() -> str | None:
    if connection.vendor != "postgresql":
        return "a streaming replica needs PostgreSQL (this run is on SQLite; the PostgreSQL run has it)"
    if _pg_bin() is None:
        return "PostgreSQL's server programs (initdb, pg_basebackup) are not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: cannot start PostgreSQL as its own user"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, root: Path, name: str) -> None:
        self.dir = root / name
        self.port = _free_port()
        self.bin = _pg_bin()
        self.sockets = root

    def run(self, *cmd: str, **kw) -> subprocess.CompletedProcess:
        argv = [str(self.bin / cmd[0]), *cmd[1:]]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)
        assert r.returncode == 0, (cmd, r.stdout[-2000:], r.stderr[-2000:])
        return r

    def configure(self) -> None:
        with open(self.dir / "postgresql.conf", "a") as f:
            f.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.sockets}'\n"
                "fsync = off\nfull_page_writes = off\nmax_wal_senders = 4\nhot_standby = on\nshared_buffers = 32MB\n"
            )

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.dir), "-l", str(self.dir.parent / f"{self.dir.name}.log"), "-w", "-t", "120", "start")

    def stop(self) -> None:
        if (self.dir / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.dir), "-m", "immediate", "-w", "stop")

    def url(self, db: str = "guomen") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"


@pytest.fixture
def primary_and_replica(flushable_events, world):
    reason = _why_not()
    if reason:
        if os.environ.get("CI") == "true" and connection.vendor == "postgresql":
            pytest.fail(f"CI must run the replica test: {reason}")
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="guomen-replica-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary, standby = Cluster(root, "primary"), Cluster(root, "replica")
    try:
        primary.run("initdb", "-D", str(primary.dir), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        primary.configure()
        primary.start()
        primary.run("createdb", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "guomen")
        # The test database as migrations and the demo world leave it, copied to the new primary.
        dump = subprocess.run(
            [str(primary.bin / "pg_dump"), "--no-owner", "--no-privileges", "-h", "127.0.0.1", "-p", str(connection.settings_dict.get("PORT") or 5432),
             "-U", connection.settings_dict.get("USER") or "postgres", connection.settings_dict["NAME"]],
            capture_output=True, check=True, timeout=300,
        )  # fmt: skip
        subprocess.run(
            [str(primary.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "guomen"],
            input=dump.stdout, capture_output=True, check=True, timeout=300,
        )  # fmt: skip
        standby.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D", str(standby.dir),
            "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        standby.configure()
        standby.start()
        yield primary, standby
    finally:
        standby.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_dashboards_read_on_the_replica_own_writes_on_the_primary_and_a_lagging_replica_is_left(primary_and_replica):
    primary, standby = primary_and_replica
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "guomen.settings_test",
        "DATABASE_URL": primary.url(),
        "DATABASE_REPLICA_URL": standby.url(),
        "GUOMEN_REPLICA_MAX_LAG": "1",
        "GUOMEN_REPLICA_PIN_SECONDS": "30",
    }
    r = subprocess.run(
        [sys.executable, "-m", "guomen.core.tests.replica_probe"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])

    assert out["caught_up"] and out["caught_up_again"]
    # The dashboard's figures come from the replica; the primary is asked nothing about the loop.
    assert out["before"]["status"] == 200
    assert out["before"]["replica_queries"] > 0
    assert out["before"]["primary_app_reads"] == 0
    # A dispatched task: the page that follows, and the dashboard after it, read on the primary
    # and show the new task at once, whatever the replica has replayed.
    assert out["write_status"] == 302 and out["pinned"]
    assert out["after_write"]["replica_queries"] == 0
    assert out["after_write"]["primary_app_reads"] > 0
    assert out["after_write"]["dispatch"]["open"] == out["before"]["dispatch"]["open"] + 1
    # Another browser reads on the replica again, and it has the task too.
    assert out["other_browser"]["replica_queries"] > 0 and out["other_browser"]["primary_app_reads"] == 0
    assert out["other_browser"]["dispatch"] == out["after_write"]["dispatch"]
    # Replay held back past the bound: the same reads go to the primary.
    assert out["lag_when_paused"] is not None and out["lag_when_paused"] > 1
    assert out["while_behind"]["status"] == 200
    assert out["while_behind"]["primary_app_reads"] > 0
