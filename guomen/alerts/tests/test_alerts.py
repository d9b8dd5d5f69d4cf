"""Alerts: every level an alert has passed through keeps seeing it, escalation counts from the
missed deadline, missing reports close when the report arrives, and the inbox, page and API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from guomen.alerts import queries, services
from guomen.alerts.models import Alert, AlertLevel
from guomen.alerts.services import alert_raise, escalate, level_code
from guomen.loop import services as s
from guomen.loop.models import Disposition
from guomen.loop.tests.factories import person, u, who
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

pytestmark = pytest.mark.django_db


def _overdue_handover():
    j = s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person("port-ruili"), origin_country="MMR")
    s.journey_dispose(
        actor=who("ruili_port"),
        journey=j,
        disposition=Disposition.QUARANTINE,
        to_unit=u("c533102-hotel1"),
        expected_at=timezone.now() + timedelta(hours=1),
    )
    j.refresh_from_db()
    return j


@pytest.mark.parametrize("hours", [2.5, 6.5, 25])
def test_every_level_an_alert_has_passed_through_keeps_seeing_it(world, client_as, hours):
    j = _overdue_handover()
    s.sweep(now=j.due_at + timedelta(minutes=1))
    escalate(now=j.due_at + timedelta(hours=hours))
    a = Alert.objects.get(ref=j.pk)
    assert a.level == {2.5: AlertLevel.COUNTY, 6.5: AlertLevel.PREFECTURE, 25: AlertLevel.PROVINCE}[hours]
    for username, code in [("ruili", "533102"), ("dehong", "533100"), ("province", "530000")]:
        node = Jurisdiction.objects.get(code=code)
        assert queries.within(Scope.of(who(username)), node.path).filter(pk=a.pk).exists(), username
        c = client_as(username)
        assert f'id="alert-{a.public_id}"' in c.get(reverse("alerts:inbox")).content.decode(), username
        page = c.get(f"/command/list/alerts/?j={code}&level={a.level}").content.decode()
        assert str(a.public_id) in page, username
        dash = c.get(f"/command/?j={code}").content.decode()
        assert f'id="fig-alerts-level-{a.level}" data-n="1"' in dash, username


def test_escalation_counts_from_the_missed_deadline_not_from_a_late_sweep(world):
    j = _overdue_handover()
    s.sweep(now=j.due_at + timedelta(hours=5))  # the worker was down for five hours
    a = Alert.objects.get(ref=j.pk)
    assert a.next_escalation_at == j.due_at + timedelta(hours=2)
    escalate(now=j.due_at + timedelta(hours=5))
    a.refresh_from_db()
    assert a.level == AlertLevel.COUNTY and a.next_escalation_at == j.due_at + timedelta(hours=6)
    escalate(now=j.due_at + timedelta(hours=24, minutes=1))  # a worker that catches up climbs every missed step
    a.refresh_from_db()
    assert a.level == AlertLevel.PROVINCE and level_code(a.unit, a.level) == "530000"
    # each step is recorded at the time it was due, but never before the alert was opened (five hours late)
    steps = [(j.due_at + timedelta(hours=h)).isoformat() for h in (5, 6, 24)]
    assert a.opened_at == j.due_at + timedelta(hours=5)
    assert [e["at"] for e in a.history if e["what"] == "escalated"] == steps


def test_escalation_is_never_dated_before_the_alert_was_opened(world):
    from guomen.lib import clock

    opened = timezone.now() - timedelta(days=3)
    with clock.at(lambda: opened):  # the alert's clock is the one every app reads
        a = alert_raise(kind="other", unit=u("c533102-hotel1"), subject="旧期限", due_at=datetime(2019, 1, 1, tzinfo=UTC))
    assert a.opened_at == opened
    escalate(now=opened + timedelta(minutes=1))
    a.refresh_from_db()
    steps = [datetime.fromisoformat(e["at"]) for e in a.history if e["what"] == "escalated"]
    assert steps and a.level > AlertLevel.UNIT
    assert all(at >= a.opened_at for at in steps), steps


def test_missing_reports_close_when_the_report_arrives_and_a_prefecture_gets_one_summary(world):
    from guomen.command import services as cs
    from guomen.command.queries import tz

    day = timezone.localdate() - timedelta(days=1)
    evening = timezone.make_aware(datetime.combine(day, datetime.min.time()), tz()) + timedelta(hours=21)
    n = cs.reports_flag_missing(now=evening)
    assert n > 0 and cs.reports_flag_missing(now=evening + timedelta(minutes=15)) == 0
    mine = Alert.objects.get(kind="report_missing", unit=u("port-ruili"), closed_at=None)
    summaries = Alert.objects.filter(kind="reports_missing", closed_at=None)
    assert summaries.count() == Jurisdiction.objects.filter(level="prefecture").count()
    dehong = summaries.get(unit__jurisdiction__code="533100")
    assert dehong.level == AlertLevel.PREFECTURE and "port-ruili" in dehong.details["missing"]
    # per-unit alerts stay with the county: the prefecture and the province see summaries instead
    escalate(now=evening + timedelta(days=3))
    assert not Alert.objects.filter(kind="report_missing", level__gt=AlertLevel.COUNTY).exists()
    assert not Alert.objects.filter(kind="reports_missing", level__gt=AlertLevel.PREFECTURE).exists()
    # the prefecture's and the province's views count the summaries, the county's each unit's alert
    dehong_path = Jurisdiction.objects.get(code="533100").path
    kinds = set(queries.within(Scope.of(who("dehong")), dehong_path).values_list("kind", flat=True))
    assert "reports_missing" in kinds and "report_missing" not in kinds
    assert "report_missing" not in set(queries.within(Scope.of(who("province"))).values_list("kind", flat=True))
    ruili_path = Jurisdiction.objects.get(code="533102").path
    assert queries.within(Scope.of(who("ruili")), ruili_path).filter(pk=mine.pk).exists()
    assert queries.inbox(Scope.of(who("dehong")), queries.Filters(kind="report_missing")).filter(pk=mine.pk).exists()
    cs.report_save(actor=who("ruili_port"), unit=u("port-ruili"), day=day, text="ok", submit=True)
    mine.refresh_from_db()
    assert mine.closed_at is not None


def test_an_alert_has_its_page_and_api_object_within_reach_only(world, client_as, api_as):
    a = alert_raise(kind="watchlist_hit", unit=u("c533102-command"), subject="护照 ••••4567")
    c = client_as("ruili")
    page = c.get(reverse("alerts:detail", args=[a.public_id]))
    assert page.status_code == 200 and "护照 ••••4567" in page.content.decode()
    assert client_as("mengla").get(reverse("alerts:detail", args=[a.public_id])).status_code == 404
    r = api_as("ruili").get(f"/api/alerts/{a.public_id}")
    assert r.status_code == 200 and r.json()["id"] == str(a.public_id) and r.json()["raised_to"] == "533102"
    assert api_as("mengla").get(f"/api/alerts/{a.public_id}").status_code == 404


def test_the_inbox_pages_filters_and_acts(world, client_as):
    for i in range(30):
        alert_raise(kind="other", unit=u("c533102-hotel1"), subject=f"房间 {i}")
    a = alert_raise(kind="watchlist_hit", unit=u("c533102-command"), subject="护照 ••••4567")
    c = client_as("ruili")
    page = c.get(reverse("alerts:inbox")).content.decode()
    assert page.count('<li id="alert-') == 25 and 'data-n="31"' in page and "page=2" in page
    assert c.get(reverse("alerts:inbox"), {"page": 2}).content.decode().count('<li id="alert-') == 6
    only = c.get(reverse("alerts:inbox"), {"kind": "watchlist_hit"}).content.decode()
    assert only.count('<li id="alert-') == 1 and f'id="alert-{a.public_id}"' in only
    assert c.get(reverse("alerts:inbox"), {"unit": "c533102-command"}).content.decode().count('<li id="alert-') == 1
    assert c.get(reverse("alerts:inbox"), {"level": "2"}).content.decode().count('<li id="alert-') == 0
    # old address still works
    assert c.get("/loop/alerts/?kind=watchlist_hit").url == reverse("alerts:inbox") + "?kind=watchlist_hit"
    c.post(reverse("alerts:act", args=[a.public_id, "assign"]), {"to": "ruili"})
    c.post(reverse("alerts:act", args=[a.public_id, "close"]), {"note": ""})
    a.refresh_from_db()
    assert a.assigned_to.username == "ruili" and a.closed_at is None
    c.post(reverse("alerts:act", args=[a.public_id, "close"]), {"note": "证件已扣留"})
    a.refresh_from_db()
    assert a.closed_at and a.close_note == "证件已扣留"


def test_an_overdue_alert_cannot_be_closed_by_hand(world, client_as):
    j = _overdue_handover()
    s.sweep(now=j.due_at + timedelta(minutes=1))
    a = Alert.objects.get(ref=j.pk)
    c = client_as("ruili_port")
    c.post(reverse("alerts:act", args=[a.public_id, "close"]), {"note": "done"})
    a.refresh_from_db()
    assert a.closed_at is None and a.ref_code == j.code


def test_the_alerts_app_imports_nothing_above_it():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    above = ("guomen.places", "guomen.people", "guomen.loop", "guomen.duty", "guomen.command")
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n.startswith(above) for n in names), (path, names)


def test_the_inbox_is_for_the_units_and_the_command_only(world, client_as):
    assert client_as("ruili_port").get(reverse("alerts:inbox")).status_code == 200
    for username in ("info", "liaison"):
        assert client_as(username).get(reverse("alerts:inbox")).status_code == 403, username


def test_the_api_inbox_filters_and_pages(world, api_as):
    for i in range(7):
        alert_raise(kind="other", unit=u("c533102-hotel1"), subject=f"房间 {i}")
    alert_raise(kind="watchlist_hit", unit=u("c533102-command"), subject="护照")
    api = api_as("ruili")
    r = api.get("/api/alerts/", {"page_size": 5, "page": 2})
    assert r.status_code == 200 and r.json()["count"] == 8 and r.json()["pages"] == 2 and len(r.json()["results"]) == 3
    today = timezone.localdate().isoformat()
    r = api.get("/api/alerts/", {"kind": "watchlist_hit", "from": today, "to": today, "unit": "c533102-command"})
    assert [a["kind"] for a in r.json()["results"]] == ["watchlist_hit"]
    assert api.get("/api/alerts/", {"state": "nonsense"}).status_code == 422
    assert api_as("mengla").get("/api/alerts/").json()["count"] == 0
    old = api.get("/api/loop/alerts")
    assert old.status_code == 200 and len(old.json()) == 8


def test_a_partners_service_account_is_never_an_assignee(world, client_as, api_as):
    from guomen.exchange.tests.helpers import partner
    from guomen.lib.errors import DomainError

    muse, _key = partner()  # declares manifests at the Ruili port: a member of port-ruili
    a = alert_raise(kind="other", unit=u("port-ruili"), subject="入境人员未到")
    page = client_as("ruili_port").get(reverse("alerts:detail", args=[a.public_id])).content.decode()
    assert 'value="ruili_port"' in page and muse.manifest_user.username not in page
    with pytest.raises(DomainError):
        services.alert_assign(actor=who("ruili_port"), alert=a, username=muse.manifest_user.username)
    r = api_as("ruili_port").post(f"/api/alerts/{a.public_id}/assign", {"to": muse.manifest_user.username}, content_type="application/json")
    assert r.status_code == 422
    a.refresh_from_db()
    assert a.assigned_to is None
