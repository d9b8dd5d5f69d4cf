"""`manage.py backup` then `manage.py restore` into an empty database gives back every row of
every table, and every journey replays from its restored events to its restored state."""

from __future__ import annotations

import copy
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.utils import load_backend

from guomen.loop import projection as proj
from guomen.loop import services as s
from guomen.loop.models import CustodyEvent, Journey
from guomen.loop.tests.test_flows import arrive, to_facility


def _counts(alias: str) -> dict[str, int]:
    conn = connections[alias]
    with conn.cursor() as cur:
        out = {}
        for table in conn.introspection.table_names(cur):
            cur.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the catalogue
            out[table] = cur.fetchone()[0]
        return out


def _replayed(j: Journey, alias: str) -> tuple:
    events = CustodyEvent.objects.using(alias).filter(journey=j).order_by("seq")
    p = proj.replay([proj.Ev(e.seq, e.kind, e.occurred_at, e.unit_id, e.data) for e in events], s.rules_of(j), j.risk)
    return (p.state, p.custodian_id, p.due_at, p.awaiting, p.room, p.facts)


@pytest.fixture
def empty_database(tmp_path):
    """A new, empty database of the same kind as the test database, and its URL."""
    settings_dict = copy.deepcopy(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "restored.sqlite3")
        url = f"sqlite:///{settings_dict['NAME']}"
        yield settings_dict, url
        return
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    settings_dict["NAME"] = name
    d = settings_dict
    url = f"postgres://{d['USER']}:{d.get('PASSWORD') or ''}@{d['HOST']}:{d['PORT'] or 5432}/{name}"
    yield settings_dict, url
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_an_empty_database_keeps_every_row_and_every_journey(world, flushable_events, tmp_path, empty_database):
    settings_dict, url = empty_database
    to_facility(arrive())
    to_facility(arrive(), room="102")
    arrive()
    path = tmp_path / "guomen.backup"
    call_command("backup", str(path), stdout=StringIO())
    call_command("restore", str(path), into=url, stdout=StringIO())
    connections["restored"] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "restored")
    try:
        assert _counts("restored") == _counts("default")
        restored = list(Journey.objects.using("restored").order_by("code"))
        assert [j.code for j in restored] == list(Journey.objects.order_by("code").values_list("code", flat=True))
        assert len(restored) >= 3
        for j in restored:
            assert _replayed(j, "restored") == (j.state, j.custodian_id, j.due_at, j.awaiting, j.room, j.facts)
        # Restoring again into a database that is no longer empty is refused, not mixed.
        with pytest.raises(Exception, match="not empty"):
            call_command("restore", str(path), into=url, stdout=StringIO())
    finally:
        connections["restored"].close()
        del connections["restored"]
