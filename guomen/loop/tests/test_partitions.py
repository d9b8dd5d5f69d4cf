"""Custody events partitioned by the month of their journey's opening (PostgreSQL; SQLite keeps one
table): where events land, the append-only rule on every partition, partitions made ahead of the
clock, and a month of closed journeys archived to a file and detached."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import DatabaseError, connection, transaction

from guomen.core import append_only, registry
from guomen.lib import clock
from guomen.loop import partitions
from guomen.loop import services as s
from guomen.loop.models import CustodyEvent, Disposition, Journey
from guomen.loop.tests.factories import person, u, who

pytestmark = pytest.mark.django_db
pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: SQLite keeps custody events in one table")


def closed_journey() -> Journey:
    j = s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person(), origin_country="MMR")
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)  # no one is released unscreened
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.RELEASE)
    j.refresh_from_db()
    assert j.closed_at is not None
    return j


def open_journey() -> Journey:
    return s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person(), origin_country="MMR")


def refused(sql: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)


def test_every_event_carries_its_journeys_opening_time(world):
    j = closed_journey()
    assert set(CustodyEvent.objects.filter(journey=j).values_list("journey_opened_at", flat=True)) == {j.opened_at}


@pg
def test_a_journeys_events_land_in_the_partition_of_its_opening_month(world):
    j = closed_journey()
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT tableoid::regclass::text FROM loop_custodyevent WHERE journey_id = %s", [j.pk])
        assert [r[0] for r in cur.fetchall()] == [f"loop_custodyevent_p{j.opened_at.astimezone(dt.UTC):%Y_%m}"]
    names = [p.name for p in partitions.listing()]
    assert names[-1] == partitions.DEFAULT  # takes whatever no month does: an insert never fails
    assert f"loop_custodyevent_p{partitions.add_months(partitions.month_of(clock.now()), partitions.AHEAD):%Y_%m}" in names


@pg
def test_update_delete_and_truncate_are_refused_on_every_partition(world):
    for name in [p.name for p in partitions.listing()]:  # first: TRUNCATE waits for no pending foreign-key check
        refused(f"TRUNCATE {name}")
    j = closed_journey()
    n = CustodyEvent.objects.filter(journey=j).count()
    part = f"loop_custodyevent_p{j.opened_at.astimezone(dt.UTC):%Y_%m}"
    refused(f"UPDATE {part} SET seq = seq")  # noqa: S608 - a partition's name
    refused(f"DELETE FROM {part}")  # noqa: S608
    assert CustodyEvent.objects.filter(journey=j).count() == n > 0


@pg
def test_a_partition_made_ahead_has_the_rule_and_the_check_fails_on_a_partition_without_it(db):
    later = clock.now() + dt.timedelta(days=3 * 366)
    with transaction.atomic():
        made = partitions.create_ahead(later, ahead=0, behind=0)
        assert made == [f"loop_custodyevent_p{later.astimezone(dt.UTC):%Y_%m}"]
        assert partitions.create_ahead(later, ahead=0, behind=0) == []  # already there
        assert append_only.missing(connection, "loop_custodyevent") == []
        refused(f"TRUNCATE {made[0]}")
        call_command("check")
        for sql in (
            f"DROP TRIGGER loop_custodyevent_no_truncate ON {made[0]}",
            f"ALTER TABLE {made[0]} DISABLE TRIGGER loop_custodyevent_no_change",
        ):
            with connection.cursor() as cur:
                cur.execute(sql)
            with pytest.raises(SystemCheckError) as caught:
                call_command("check")
            assert "core.E001" in str(caught.value) and made[0] in str(caught.value)
            assert append_only.install(connection, "loop_custodyevent")
            assert append_only.missing(connection, "loop_custodyevent") == []
        refused(f"TRUNCATE {made[0]}")
        # A row of that month (pointing nowhere: foreign keys are checked at commit, and this rolls back).
        CustodyEvent.objects.create(journey_id=10**9, seq=1, kind="arrived", occurred_at=later, unit_id=10**9, journey_opened_at=later)
        refused(f"UPDATE {made[0]} SET seq = seq")  # noqa: S608
        refused(f"DELETE FROM {made[0]}")  # noqa: S608
        transaction.set_rollback(True)


def test_the_clock_makes_partitions_ahead():
    assert any(p.name == "loop.event_partitions" for p in registry.PERIODIC)


@pg
def test_a_month_of_closed_journeys_is_archived_to_a_file_and_detached(world, tmp_path, settings):
    settings.GUOMEN_RETENTION_DAYS = 30
    then = clock.now() - dt.timedelta(days=2 * 366)
    other = then + dt.timedelta(days=62)
    with transaction.atomic():
        assert len(partitions.create_ahead(then, ahead=2, behind=0)) == 3
        with clock.at(lambda: then):
            old = [closed_journey(), closed_journey()]
        with clock.at(lambda: other):
            still_open = open_journey()
        archived_part = f"loop_custodyevent_p{then.astimezone(dt.UTC):%Y_%m}"
        open_part = f"loop_custodyevent_p{other.astimezone(dt.UTC):%Y_%m}"
        events = list(CustodyEvent.objects.filter(journey__in=old).order_by("journey_id", "seq").values_list("id", "seq", "kind"))
        assert len(events) > 2

        out = StringIO()
        call_command("event_partitions", "--archive", str(tmp_path), "--dry-run", stdout=out)
        assert f"{archived_part}: would be archived (2 journey(s), all closed)" in out.getvalue()
        assert f"{open_part}: kept (1 journey(s) open" in out.getvalue()
        assert list(tmp_path.iterdir()) == [] and archived_part in [p.name for p in partitions.listing()]

        call_command("event_partitions", "--archive", str(tmp_path), stdout=out)
        manifest = json.loads((tmp_path / f"{archived_part}.manifest.json").read_text())
        data = (tmp_path / f"{archived_part}.jsonl").read_bytes()
        assert manifest["events"] == len(events) and manifest["journeys"] == 2 and manifest["sha256"] == hashlib.sha256(data).hexdigest()
        lines = [json.loads(line) for line in data.decode().splitlines()]
        assert [(e["id"], e["seq"], e["kind"]) for e in lines] == events
        attached = [p.name for p in partitions.listing()]
        assert archived_part not in attached and open_part in attached
        assert not CustodyEvent.objects.filter(journey__in=old).exists()
        assert Journey.objects.filter(pk__in=[j.pk for j in old]).count() == 2  # journeys and counts stay
        assert CustodyEvent.objects.filter(journey=still_open).count() == 1
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM loop_custodyevent_archived_{then.astimezone(dt.UTC):%Y_%m}")  # noqa: S608
            assert cur.fetchone()[0] == len(events)  # kept until the owner drops it (or --drop)
        transaction.set_rollback(True)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only: PostgreSQL partitions the events")
def test_on_sqlite_the_command_says_events_stay_in_one_table(db):
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("event_partitions")


@pg
def test_an_existing_table_with_rows_is_converted_and_keeps_every_row(tmp_path, django_db_blocker):
    from django.db import IntegrityError, connections

    from guomen.core.tests.test_append_only import assert_refused, scratch_database

    with scratch_database(tmp_path, django_db_blocker) as alias:
        call_command("migrate", "loop", "0011", database=alias, verbosity=0)
        db = connections[alias]
        with db.cursor() as cur:
            cur.execute(
                "INSERT INTO places_jurisdiction (name_zh, name_en, code, level, path, borders, coord_approximate, is_demo) "
                "VALUES ('县', 'County', 'c1', 'county', 'c1', '{}', false, false) RETURNING id"
            )
            jur = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO org_unit (name_zh, name_en, code, kind, phone, address, active, is_demo, jurisdiction_id) "
                "VALUES ('口岸', 'Port', 'p1', 'port_health_station', '', '', true, false, %s) RETURNING id",
                [jur],
            )
            unit = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO loop_policy (code, version, name_zh, name_en, effective_from, rules, created_at) "
                "VALUES ('p', 1, 'p', 'p', now(), '{}', now()) RETURNING id"
            )
            policy = cur.fetchone()[0]
            opened = {}
            for n, at in enumerate(("2025-03-10T08:00:00+00:00", "2026-01-31T23:30:00+00:00")):
                cur.execute(
                    "INSERT INTO people_person (public_id, name_native, name_latin, name_search, sex, nationality, phone, category, "
                    "created_at, registered_by_id) VALUES (gen_random_uuid(), '甲', '', '', 'X', 'MMR', '', 'traveller', now(), %s) RETURNING id",
                    [unit],
                )
                person = cur.fetchone()[0]
                cur.execute(
                    """INSERT INTO loop_journey (public_id, code, person_id, origin, origin_country, origin_place, risk, policy_id,
                         opened_at, state, custodian_id, jurisdiction_id, awaiting, last_seq, room, facts, alert_open, updated_at)
                       VALUES (gen_random_uuid(), %s, %s, 'port_arrival', 'MMR', '', 'medium', %s, %s, 'at_gate', %s, %s, '', 3, '',
                         '{}', false, now()) RETURNING id""",
                    [f"J{n}", person, policy, at, unit, jur],
                )
                opened[cur.fetchone()[0]] = dt.datetime.fromisoformat(at)
            for journey in opened:
                for seq in (1, 2, 3):
                    cur.execute(
                        "INSERT INTO loop_custodyevent (journey_id, seq, kind, occurred_at, recorded_at, unit_id, data) "
                        "VALUES (%s, %s, 'screened', now(), now(), %s, '{\"n\": 1}')",
                        [journey, seq, unit],
                    )
            cur.execute("SELECT id, journey_id, seq, kind, data::text FROM loop_custodyevent ORDER BY id")
            before = cur.fetchall()

        call_command("migrate", database=alias, verbosity=0)
        with db.cursor() as cur:
            cur.execute("SELECT id, journey_id, seq, kind, data::text FROM loop_custodyevent ORDER BY id")
            assert cur.fetchall() == before
            cur.execute("SELECT journey_id, journey_opened_at, tableoid::regclass::text FROM loop_custodyevent")
            for journey, at, part in cur.fetchall():
                assert at == opened[journey] and part == f"loop_custodyevent_p{at:%Y_%m}"
            cur.execute("SELECT relkind FROM pg_class WHERE oid = 'loop_custodyevent'::regclass")
            assert cur.fetchone()[0] == "p"
        assert append_only.missing(db, "loop_custodyevent") == []
        journey = next(iter(opened))
        with pytest.raises(IntegrityError), transaction.atomic(using=alias):  # the sequence stays unique
            CustodyEvent.objects.using(alias).create(
                journey_id=journey, seq=2, kind="screened", occurred_at=opened[journey], unit_id=unit, journey_opened_at=opened[journey]
            )
        with transaction.atomic(using=alias):
            e = CustodyEvent.objects.using(alias).create(
                journey_id=journey, seq=4, kind="screened", occurred_at=opened[journey], unit_id=unit, journey_opened_at=opened[journey]
            )
            assert e.pk > before[-1][0]  # the id sequence carried on
            transaction.set_rollback(True, using=alias)
        assert_refused(alias)


@pg
def test_the_application_role_makes_partitions_ahead_but_cannot_unguard_one(db):
    """The README's grants for a role made in this transaction (rolled back with it): the clock's task,
    connected as that role, creates partitions through the owner's function and nothing else."""
    import re

    from guomen.core.tests.test_append_only import README

    grants = next(b for b in re.findall(r"```sql\n(.*?)```", README.read_text(), re.S) if "ALTER DEFAULT PRIVILEGES" in b)
    grants = re.sub(r"--[^\n]*", "", grants).replace("guomen_app", "guomen_app_test_parts").replace("guomen_owner", "CURRENT_USER")
    later = clock.now() + dt.timedelta(days=4 * 366)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("CREATE ROLE guomen_app_test_parts NOLOGIN")
        for statement in filter(str.strip, grants.split(";")):
            cur.execute(statement)
        cur.execute("SET LOCAL ROLE guomen_app_test_parts")
        made = partitions.create_ahead(later, ahead=0, behind=0)
        assert made == [f"loop_custodyevent_p{later.astimezone(dt.UTC):%Y_%m}"]
        for sql in (
            "CREATE TABLE loop_custodyevent_p2099_01 PARTITION OF loop_custodyevent FOR VALUES FROM ('2099-01-01') TO ('2099-02-01')",
            f"TRUNCATE {made[0]}",
            f"ALTER TABLE {made[0]} DISABLE TRIGGER loop_custodyevent_no_change",
            f"DROP TRIGGER loop_custodyevent_no_truncate ON {made[0]}",
            f"ALTER TABLE loop_custodyevent DETACH PARTITION {made[0]}",
        ):
            with pytest.raises(DatabaseError, match=r"permission denied|must be owner|append-only"), transaction.atomic():
                cur.execute(sql)
        transaction.set_rollback(True)
