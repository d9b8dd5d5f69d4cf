"""Reviewed access: the audit page's filters and CSV, alerts on unusual patterns of full views,
and break-the-glass with a reason, recorded and alerted to the auditor."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from guomen.alerts import queries as alert_queries
from guomen.alerts.models import Alert
from guomen.core.models import AccessLog
from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.scoping import Scope
from guomen.people import audit
from guomen.people import services as people
from guomen.people.models import Person
from guomen.people.queries import people_search

pytestmark = pytest.mark.django_db


def registered(number: str = "MB7654321") -> Person:
    from guomen.loop.tests.factories import u, who

    return people.person_register(
        actor=who("ruili_port"),
        unit=u("port-ruili"),
        name_native="玉香",
        nationality="MMR",
        documents=[{"kind": "passport", "number": number, "issuing_country": "MMR"}],
    )


def views(username: str, n: int, *, at: dt.datetime | None = None) -> None:
    """``n`` full views of identity documents by ``username`` (through the service)."""
    from guomen.loop.tests.factories import who

    person = Person.objects.filter(documents__isnull=False).first() or registered()
    doc = person.documents.first()
    for _ in range(n):
        people.identity_reveal(actor=who(username), document=doc, reason="核验 check")


def work_hours(settings) -> None:
    settings.GUOMEN_AUDIT_WORK_HOURS = "0-24"


def test_a_burst_of_full_views_raises_one_alert_the_auditor_sees(world, settings, user):
    work_hours(settings)
    settings.GUOMEN_AUDIT_BURST = 5
    views("ruili_port", 4)
    assert not Alert.objects.filter(kind=audit.KIND_ANOMALY).exists()
    views("ruili_port", 3)
    alerts = Alert.objects.filter(kind=audit.KIND_ANOMALY)
    assert alerts.count() == 1 and "ruili_port" in alerts.get().subject
    assert alert_queries.within(Scope.of(user("auditor"))).filter(kind=audit.KIND_ANOMALY).exists()


def test_a_view_outside_working_hours_is_flagged(world, settings, user):
    settings.GUOMEN_AUDIT_WORK_HOURS = "7-21"
    late = clock.now().astimezone(audit.zone()).replace(hour=23, minute=30)
    assert audit.check_view(user("ruili"), at=late) == ["off_hours"]
    assert Alert.objects.filter(kind=audit.KIND_ANOMALY, subject__contains="23:30").count() == 1


def test_a_user_far_above_peers_in_a_day_is_flagged_once(world, settings):
    work_hours(settings)
    settings.GUOMEN_AUDIT_DAILY_FLOOR = 5
    views("ruili", 2)
    views("ruili_port", 12)
    assert audit.check_day() == 1
    assert audit.check_day() == 0
    assert "ruili_port" in Alert.objects.get(kind=audit.KIND_ANOMALY).subject


def test_break_the_glass_needs_a_reason_records_and_alerts(world, settings, user):
    work_hours(settings)
    registered("MC1112223")
    mengla = user("mengla")  # another county: the person is outside its reach
    assert not people_search(scope=Scope.of(mengla), q="MC1112223").exists()
    with pytest.raises(DomainError):
        audit.break_glass(actor=mengla, number="MC1112223", reason=" ")
    assert not AccessLog.objects.filter(action=AccessLog.Action.BREAK_GLASS).exists()
    found = audit.break_glass(actor=mengla, number="MC1112223", reason="急救 emergency transfer")
    assert [p.name_native for p in found] == ["玉香"]
    rec = AccessLog.objects.get(action=AccessLog.Action.BREAK_GLASS)
    assert rec.user == mengla and "急救" in rec.reason
    assert Alert.objects.filter(kind=audit.KIND_BREAK_GLASS).count() == 1
    with pytest.raises(PermissionDenied):
        audit.break_glass(actor=user("auditor"), number="MC1112223", reason="x")


def test_break_glass_page(world, settings, client_as):
    work_hours(settings)
    registered("MD2223334")
    client = client_as("mengla")
    assert client.get(reverse("people_break_glass")).status_code == 200
    r = client.post(reverse("people_break_glass"), {"number": "MD2223334", "reason": ""})
    assert r.status_code == 422
    r = client.post(reverse("people_break_glass"), {"number": "MD2223334", "reason": "急救"})
    assert r.status_code == 200 and "玉香" in r.content.decode()
    assert client_as("auditor").get(reverse("people_break_glass")).status_code == 403


def test_audit_page_filters_and_csv(world, settings, client_as):
    work_hours(settings)
    views("ruili_port", 2)
    views("ruili", 1)
    client = client_as("auditor")
    page = client.get(reverse("access_log"), {"user": "ruili_port", "action": "view_identity"}).content.decode()
    assert page.count("<tr><td>") == 2
    r = client.get(reverse("access_log"), {"user": "ruili", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert rows[0][:3] == ["at", "user", "action"] and len(rows) == 4
    bad = client.get(reverse("access_log"), {"since": "not-a-day", "action": "nothing"})
    assert bad.status_code == 200
    assert client_as("ruili").get(reverse("access_log")).status_code == 404
