"""Open alerts counted by the database (``AlertCount``): after any mix of writes — through the
services, the sweep's bulk insert, a batch of checks, or a bare queryset — the counters equal the
open alerts, and the dashboard's figure summed from them equals the list's count for every reach."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.models import Count
from django.utils import timezone

from guomen.alerts import counting, queries, services
from guomen.alerts.models import Alert, AlertCount, AlertLevel
from guomen.command.queries import figures
from guomen.lib import clock as lib_clock
from guomen.loop import services as s
from guomen.loop.alerting import AlertKind
from guomen.loop.tests.factories import u, who
from guomen.loop.tests.test_flows import arrive, to_facility
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

pytestmark = pytest.mark.django_db

# (user, the jurisdictions they look at): the province command, a prefecture, a county, a unit's staff
VIEWS = [
    ("province", ["530000", "533100", "533102", "532800", "532823"]),
    ("dehong", ["533100", "533102"]),
    ("ruili", ["533102"]),
    ("mengla", ["532823"]),
    ("ruili_hotel", []),
    ("ruili_port", []),
]


def open_alerts() -> dict[tuple[int, str, int], int]:
    rows = Alert.objects.filter(closed_at__isnull=True).values("unit_id", "kind", "level").annotate(n=Count("id"))
    return {(r["unit_id"], r["kind"], r["level"]): r["n"] for r in rows}


def counters() -> dict[tuple[int, str, int], int]:
    return {(c.unit_id, c.kind, c.level): c.n for c in AlertCount.objects.all() if c.n}


def assert_counted() -> None:
    assert counters() == open_alerts()
    for username, codes in VIEWS:
        scope = Scope.of(who(username))
        assert queries.open_by_level(scope) == queries.by_level(queries.within(scope)), username
        for code in codes:
            node = Jurisdiction.objects.get(code=code)
            expected = queries.by_level(queries.within(scope, node.path))
            assert figures.alerts_by_level(scope, node) == expected, (username, code)


def test_the_counters_follow_every_service_that_writes_alerts(world):
    from guomen.command import services as cs
    from guomen.command.queries import tz

    watch = services.alert_raise(kind="watchlist_hit", unit=u("c533102-command"), subject="护照 ••••4567")
    other = services.alert_raise(kind="other", unit=u("c533102-hotel1"), subject="门禁", key="door:1")
    assert services.alert_raise(kind="other", unit=u("c533102-hotel1"), subject="门禁", key="door:1") == other  # no twin
    services.alert_raise(kind="other", unit=u("c532823-hotel1"), subject="勐腊")
    assert_counted()
    services.alert_acknowledge(actor=who("ruili"), alert=watch)
    services.alert_assign(actor=who("ruili"), alert=watch, username="ruili")
    services.alert_close(actor=who("ruili"), alert=other, note="修好了")
    assert_counted()

    # the sweep opens overdue alerts in bulk (COPY on PostgreSQL)
    journeys = [to_facility(arrive(), room=f"40{n}") for n in range(4)]
    later = max(j.due_at for j in journeys) + timedelta(minutes=5)
    assert s.sweep(now=later) == 4
    assert Alert.objects.filter(kind=AlertKind.OVERDUE, closed_at__isnull=True).count() == 4
    assert_counted()

    # escalation changes the level of the unanswered ones, then a batch and a single check answer them
    assert services.escalate(now=later + timedelta(hours=7)) > 0
    assert Alert.objects.filter(kind=AlertKind.OVERDUE, level=AlertLevel.PREFECTURE).count() == 4
    assert_counted()
    items = [{"journey": j.code, "temperature": 36.5} for j in journeys[:3]]
    with lib_clock.at(lambda: later + timedelta(hours=7)):
        assert all(r["ok"] for r in s.health_checks_batch(actor=who("ruili_hotel"), unit=u("c533102-hotel1"), items=items))
    assert Alert.objects.filter(kind=AlertKind.OVERDUE, closed_at__isnull=True).count() == 1
    assert_counted()
    services.alerts_answered(ref_type="journey", ref=journeys[3].pk, kind=AlertKind.OVERDUE, seq=journeys[3].last_seq)
    assert not Alert.objects.filter(kind=AlertKind.OVERDUE, closed_at__isnull=True).exists()
    assert_counted()

    # missing reports: one per unit and one summary per prefecture; the figures above a county hide the per-unit ones
    day = timezone.localdate() - timedelta(days=1)
    evening = timezone.make_aware(datetime.combine(day, datetime.min.time()), tz()) + timedelta(hours=21)
    assert cs.reports_flag_missing(now=evening) > 0
    services.escalate(now=evening + timedelta(days=3))
    assert_counted()
    province, ruili = Jurisdiction.objects.get(code="530000"), Jurisdiction.objects.get(code="533102")
    per_unit = Alert.objects.filter(kind="report_missing", closed_at__isnull=True)
    assert per_unit.exists()  # counted, but the province's own view sees the summaries instead
    everything = Alert.objects.filter(closed_at__isnull=True).count()
    assert sum(queries.open_by_level(Scope.of(who("province")), province.path).values()) == everything - per_unit.count()
    in_ruili = Alert.objects.filter(closed_at__isnull=True, unit__jurisdiction__path__startswith=ruili.path).count()
    assert sum(queries.open_by_level(Scope.of(who("ruili")), ruili.path).values()) == in_ruili
    cs.report_save(actor=who("ruili_port"), unit=u("port-ruili"), day=day, text="ok", submit=True)  # closes by key
    assert not Alert.objects.filter(kind="report_missing", unit=u("port-ruili"), closed_at__isnull=True).exists()
    assert_counted()
    assert AlertCount.objects.filter(n__lt=0).count() == 0
    assert Alert.objects.count() > 10


def test_a_write_that_goes_around_the_services_is_counted_too(world):
    """The counters are kept by the database: a bare queryset, a bulk insert and a delete count."""
    Alert.objects.bulk_create(
        [services.alert_new(kind="other", unit=u(code), subject=str(n)) for n, code in enumerate(["port-ruili", "c533102-hotel1"] * 3)]
    )
    assert_counted()
    now = timezone.now()
    assert Alert.objects.filter(unit=u("port-ruili")).update(closed_at=now) == 3
    assert_counted()
    Alert.objects.filter(unit=u("c533102-hotel1")).update(level=AlertLevel.PROVINCE)
    assert_counted()
    Alert.objects.filter(unit=u("c533102-hotel1")).update(unit=u("c532823-hotel1"), kind="watchlist_hit")
    assert_counted()
    Alert.objects.filter(unit=u("port-ruili")).update(closed_at=None)  # reopened
    assert_counted()
    Alert.objects.filter(unit=u("c532823-hotel1"))[:1].get().delete()
    Alert.objects.filter(unit=u("port-ruili"), closed_at__isnull=True).delete()
    assert_counted()
    assert sum(counters().values()) == 2


def test_the_migration_counts_the_alerts_already_there_and_a_rebuilt_table_gets_its_triggers_back(tmp_path, django_db_blocker):
    from guomen.core.tests.test_append_only import scratch_database

    with scratch_database(tmp_path, django_db_blocker) as alias:
        call_command("migrate", database=alias, verbosity=0)
        call_command("migrate", "alerts", "0001", database=alias, verbosity=0)
        db = connections[alias]
        with db.cursor() as cur:
            cur.execute(
                "INSERT INTO places_jurisdiction (name_zh, name_en, code, level, path, borders, coord_approximate, is_demo) "
                "VALUES ('县', 'County', 'c1', 'county', '/c1/', '{}', false, false)"
            )
            cur.execute("SELECT id FROM places_jurisdiction WHERE code = 'c1'")
            jur = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO org_unit (name_zh, name_en, code, kind, phone, address, active, is_demo, jurisdiction_id) "
                "VALUES ('口岸', 'Port', 'p1', 'port_health_station', '', '', true, false, %s)",
                [jur],
            )
            cur.execute("SELECT id FROM org_unit WHERE code = 'p1'")
            unit = cur.fetchone()[0]
        now = timezone.now()
        for n, (kind, level, closed) in enumerate([("other", 0, None), ("other", 0, None), ("other", 1, None), ("overdue", 0, now)]):
            Alert.objects.using(alias).create(kind=kind, unit_id=unit, level=level, closed_at=closed, opened_at=now, subject=str(n))
        call_command("migrate", "alerts", database=alias, verbosity=0)
        rows = dict(((k, lv), n) for k, lv, n in AlertCount.objects.using(alias).filter(n__gt=0).values_list("kind", "level", "n"))
        assert rows == {("other", 0): 2, ("other", 1): 1}
        assert counting.missing(db) == []

        # A later migration that alters the table: on SQLite Django rebuilds it, without its triggers.
        field = Alert._meta.get_field("subject")
        wider = copy.deepcopy(field)
        wider.max_length = 250
        with db.schema_editor() as editor:
            editor.alter_field(Alert, field, wider)
        if db.vendor == "sqlite":
            assert counting.missing(db)  # what the rebuild leaves
        Alert.objects.using(alias).filter(level=1).update(closed_at=now)  # uncounted on SQLite until the triggers are back
        call_command("migrate", database=alias, verbosity=0)  # every migrate ends with post_migrate
        assert counting.missing(db) == []
        rows = dict(((k, lv), n) for k, lv, n in AlertCount.objects.using(alias).filter(n__gt=0).values_list("kind", "level", "n"))
        assert rows == {("other", 0): 2}
        Alert.objects.using(alias).filter(level=0, closed_at__isnull=True)[:1].get().delete()
        assert AlertCount.objects.using(alias).get(kind="other", level=0).n == 1
        if db.vendor == "postgresql":  # TRUNCATE fires no row trigger: the counters are emptied with the table
            with db.cursor() as cur:
                cur.execute("TRUNCATE alerts_alert CASCADE")
            assert not AlertCount.objects.using(alias).exists()
