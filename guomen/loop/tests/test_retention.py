"""Retention and the subject's rights: people whose journeys all closed longer ago than the
retention period are anonymised (dry run first), figures and replays stay the same; a person's
data is exported in full and corrected with a record of who, what and why."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404

from guomen.core.models import AccessLog
from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.loop import projection as proj
from guomen.loop import services as s
from guomen.loop.models import CustodyEvent, Disposition, Journey, JourneyCount
from guomen.loop.tests.factories import u, who
from guomen.org.scoping import Scope
from guomen.people import privacy
from guomen.people import services as people
from guomen.people.models import IdentityDocument, Person
from guomen.people.queries import people_search

pytestmark = pytest.mark.django_db


def registered(name: str = "岩温") -> Person:
    return people.person_register(
        actor=who("ruili_port"),
        unit=u("port-ruili"),
        name_native=name,
        name_latin="AI WEN",
        birth_date="1985-06-17",
        nationality="MMR",
        phone="+95 9 123 4567",
        documents=[{"kind": "passport", "number": "MA1234567", "issuing_country": "MMR"}],
    )


def closed_journey(person: Person) -> Journey:
    j = s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person, origin_country="MMR")
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)  # no one is released unscreened
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.RELEASE)
    j.refresh_from_db()
    assert j.closed_at is not None
    return j


def replayed(j: Journey) -> tuple:
    events = CustodyEvent.objects.filter(journey=j).order_by("seq")
    p = proj.replay([proj.Ev(e.seq, e.kind, e.occurred_at, e.unit_id, e.data) for e in events], s.rules_of(j), j.risk)
    return (p.state, p.custodian_id, p.due_at, p.awaiting, p.room, p.facts)


def later(days: int) -> dt.datetime:
    return clock.now() + dt.timedelta(days=days)


def test_dry_run_lists_without_a_name_and_changes_nothing(world, settings):
    settings.GUOMEN_RETENTION_DAYS = 30
    person = registered()
    closed_journey(person)
    assert s.retention_apply(dry_run=True, now=later(29)) == []
    due = s.retention_apply(dry_run=True, now=later(31))
    assert [d.person for d in due] == [str(person.public_id)]
    person.refresh_from_db()
    assert person.name_native == "岩温" and person.anonymised_at is None
    out = StringIO()
    call_command("anonymise_closed", "--dry-run", stdout=out)  # today: nothing is past 30 days
    assert "0 person(s) would be anonymised" in out.getvalue() and "岩温" not in out.getvalue()


def test_anonymisation_removes_identifiers_and_keeps_figures_and_replays(world, settings):
    settings.GUOMEN_RETENTION_DAYS = 30
    person = registered()
    j = closed_journey(person)
    before = (replayed(j), list(JourneyCount.objects.order_by("pk").values_list("jurisdiction_id", "state", "n")))
    events = CustodyEvent.objects.filter(journey=j).count()
    assert LogEntry.objects.filter(object_repr__contains="岩温").exists()

    due = s.retention_apply(now=later(31))
    assert len(due) == 1
    person.refresh_from_db()
    doc = IdentityDocument.objects.get(person=person)
    assert person.anonymised_at is not None and person.name_native == privacy.ANONYMISED_NAME
    assert (person.name_latin, person.phone, person.birth_date) == ("", "", dt.date(1985, 1, 1))
    assert (doc.last4, doc.number_lookup) == ("", "") and "MA1234567" not in doc.lookup
    # The change history keeps no copy of the old values, and the anonymisation wrote none.
    assert not LogEntry.objects.filter(object_repr__contains="岩温").exists()
    assert not any("岩温" in json.dumps(e.changes or {}, ensure_ascii=False) for e in LogEntry.objects.all())
    # Searching by the old document number finds nobody.
    assert not people_search(scope=Scope.of(who("ruili")), q="MA1234567").exists()
    j.refresh_from_db()
    assert CustodyEvent.objects.filter(journey=j).count() == events
    after = (replayed(j), list(JourneyCount.objects.order_by("pk").values_list("jurisdiction_id", "state", "n")))
    assert after == before
    assert (j.state, j.closed_at is not None) == ("closed", True)
    assert s.retention_apply(now=later(400)) == []  # once only


def test_a_person_with_an_open_journey_is_never_anonymised(world, settings):
    settings.GUOMEN_RETENTION_DAYS = 1
    person = registered()
    closed_journey(person)
    s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person, origin_country="MMR")
    assert s.retention_apply(now=later(100)) == []


def test_subject_access_export_holds_everything_and_is_audited(world):
    person = registered()
    j = closed_journey(person)
    data = privacy.person_export(actor=who("ruili"), person=person, reason="本人申请 subject request")
    json.dumps(data)  # plain JSON
    assert data["person"]["name_native"] == "岩温" and data["person"]["phone"] == "+95 9 123 4567"
    assert data["documents"][0]["number"] == "MA1234567"
    assert data["journeys"][0]["code"] == j.code and len(data["journeys"][0]["events"]) == CustodyEvent.objects.filter(journey=j).count()
    record = AccessLog.objects.get(action=AccessLog.Action.SUBJECT_EXPORT)
    assert record.subject == str(person.public_id) and record.user.username == "ruili"
    with pytest.raises(DomainError):
        privacy.person_export(actor=who("ruili"), person=person, reason="  ")
    with pytest.raises(PermissionDenied):
        privacy.person_export(actor=who("auditor"), person=person, reason="x")  # reads all, sees no identifiers


def test_correction_is_checked_recorded_and_audited(world):
    person = registered()
    closed_journey(person)
    fixed = privacy.person_correct(
        actor=who("ruili"), person=person, changes={"name_latin": "AI WENG", "birth_date": "1985-06-18"}, reason="护照核对"
    )
    assert (fixed.name_latin, fixed.birth_date) == ("AI WENG", dt.date(1985, 6, 18))
    record = AccessLog.objects.get(action=AccessLog.Action.CORRECTION)
    assert "name_latin" in record.reason and "护照核对" in record.reason
    assert LogEntry.objects.filter(object_pk=str(person.pk), changes__has_key="name_latin").exists()
    with pytest.raises(DomainError):
        privacy.person_correct(actor=who("ruili"), person=person, changes={"birth_date": "2999-01-01"}, reason="x")
    with pytest.raises(DomainError):
        privacy.person_correct(actor=who("ruili"), person=person, changes={"category": "resident"}, reason="x")
    with pytest.raises((PermissionDenied, Http404)):  # not a command role (or not within reach)
        privacy.person_correct(actor=who("ruili_port"), person=person, changes={"phone": ""}, reason="x")
    person.refresh_from_db()
    assert person.birth_date == dt.date(1985, 6, 18)


def test_export_and_correction_pages(world, client_as):
    from django.urls import reverse

    person = registered()
    closed_journey(person)
    client = client_as("ruili")
    page = client.get(reverse("people_person_detail", args=[person.public_id])).content.decode()
    assert 'id="data-rights"' in page
    r = client.post(reverse("people_person_export", args=[person.public_id]), {"reason": "本人申请"})
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    assert json.loads(r.content)["documents"][0]["number"] == "MA1234567"
    r = client.post(reverse("people_person_export", args=[person.public_id]), {"reason": ""})
    assert r.status_code == 302
    r = client.post(
        reverse("people_person_correct", args=[person.public_id]), {"field": "phone", "value": "+95 9 000", "reason": "号码有误"}
    )
    assert r.status_code == 302
    person.refresh_from_db()
    assert person.phone == "+95 9 000"
    r = client.post(reverse("people_person_correct", args=[person.public_id]), {"field": "sex", "value": "Q", "reason": "x"}, follow=True)
    person.refresh_from_db()
    assert person.sex == "X" and r.status_code == 200
