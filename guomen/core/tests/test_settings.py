"""Configuration from the environment: typed, with clear errors on bad values."""

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from guomen.lib.env import Env


def test_booleans_integers_lists_and_zones_are_typed():
    env = Env({"A": "yes", "B": "0", "N": "12", "L": "a, b,,c", "TZ": "Asia/Shanghai"})
    assert env.bool("A", False) is True and env.bool("B", True) is False and env.bool("MISSING", True) is True
    assert env.int("N", 1) == 12
    assert env.list("L", []) == ["a", "b", "c"]
    assert env.timezone("TZ", "UTC") == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("environ", "call", "words"),
    [
        ({"X": "maybe"}, lambda e: e.bool("X", False), "not a boolean"),
        ({"X": "ten"}, lambda e: e.int("X", 1), "not a whole number"),
        ({"X": "0"}, lambda e: e.int("X", 1, minimum=1), "below the minimum"),
        ({"X": "Mars/Base"}, lambda e: e.timezone("X", "UTC"), "time zone"),
        ({"X": "prod"}, lambda e: e.choice("X", "a", ("a", "b")), "must be one of"),
    ],
)
def test_bad_values_name_the_variable(environ, call, words):
    with pytest.raises(ImproperlyConfigured) as err:
        call(Env(environ))
    assert "X" in str(err.value) and words in str(err.value)


def test_secrets_can_come_from_a_file(tmp_path):
    f = tmp_path / "secret"
    f.write_text("s3cret\n")
    assert Env({"K_FILE": str(f)}).str("K") == "s3cret"


def _settings_in(env: dict[str, str]) -> subprocess.CompletedProcess:
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("GUOMEN_") and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-c", "import guomen.settings"], env={**base, **env}, capture_output=True, text=True, check=False
    )


def test_production_refuses_to_start_without_its_secrets():
    r = _settings_in({"GUOMEN_ENV": "production", "GUOMEN_ALLOWED_HOSTS": "x.org"})
    assert r.returncode != 0 and "GUOMEN_SECRET_KEY" in r.stderr


def test_a_bad_database_url_is_a_clear_error():
    r = _settings_in({"DATABASE_URL": "nosuchdb://x"})
    assert r.returncode != 0 and "DATABASE_URL" in r.stderr


def test_sqlite_default_uses_wal(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cur:
        cur.execute("PRAGMA journal_mode")
        mode = cur.fetchone()[0]
    # The test database lives in memory, where SQLite keeps "memory"; on disk it is WAL.
    assert mode in ("wal", "memory")
