"""Reads from a real streaming replica: a primary and its hot standby (pg_basebackup) started on
loopback for this test, holding a copy of the test database. Dashboards read on the replica, a
user's own write and the page after it on the primary, and a replica held back falls out of use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from . import pgcluster

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def primary_and_replica(flushable_events, world):
    pgcluster.require()
    with pgcluster.clusters("primary", "replica") as made:
        primary, standby = made["primary"], made["replica"]
        primary.init()
        primary.start()
        primary.load_test_database()
        standby.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D", str(standby.dir),
            "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        standby.configure()
        standby.start()
        yield primary, standby


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
