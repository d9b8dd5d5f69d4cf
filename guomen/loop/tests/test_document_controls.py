"""The documents control at the gate: what the check finds becomes an alert to the county command."""

import pytest

from guomen.alerts.models import Alert
from guomen.loop import services as s
from guomen.loop.alerting import AlertKind
from guomen.loop.models import CustodyEvent
from guomen.loop.tests.factories import u, who
from guomen.people.services import person_register, watch_add

pytestmark = pytest.mark.django_db


def register(number, *, kind="passport", country="MMR", name="测试", **doc):
    return person_register(
        actor=who("ruili_port"),
        unit=u("port-ruili"),
        name_native=name,
        nationality=country,
        documents=[{"kind": kind, "number": number, "issuing_country": country, **doc}],
    )


def check(person):
    j = s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person)
    return j, s.document_check(actor=who("ruili_port"), journey=j, document=person.documents.get())


def test_a_watch_listed_document_raises_an_alert_to_the_ports_county_command(world):
    watch_add(actor=who("ruili"), kind="passport", issuing_country="MMR", number="MA1234567", reason="stolen")
    j, event = check(register("MA1234567"))
    assert [f["kind"] for f in event.data["findings"]] == ["watchlist_hit"]
    alert = Alert.objects.get(ref=j.pk, kind=AlertKind.WATCHLIST_HIT)
    assert alert.unit.code == "c533102-command" and alert.closed_at is None
    assert "MA1234567" not in str(alert.details) and "MA1234567" not in str(event.data)


def test_a_clean_document_raises_nothing(world):
    j, event = check(register("MB7654321"))
    assert event.data["findings"] == [] and not Alert.objects.filter(ref=j.pk).exists()


def test_a_border_pass_of_another_county_used_here_is_flagged(world):
    j, event = check(register("BP0001", kind="border_pass", country="CHN", border_county="532823"))
    assert "border_pass_outside" in [f["kind"] for f in event.data["findings"]]
    assert Alert.objects.filter(ref=j.pk, kind=AlertKind.BORDER_PASS_OUTSIDE, unit__code="c533102-command").exists()


def test_a_border_pass_in_its_own_county_is_not_flagged(world):
    _j, event = check(register("BP0002", kind="border_pass", country="CHN", border_county="533102"))
    assert "border_pass_outside" not in [f["kind"] for f in event.data["findings"]]


def test_the_same_number_used_by_two_open_journeys_is_flagged(world):
    check(register("MC5555555", name="甲"))
    other = register("MC5555555", kind="border_pass", name="乙")  # the same number on another kind of document: another person
    assert other.documents.get().number_lookup
    j2, event = check(other)
    kinds = [f["kind"] for f in event.data["findings"]]
    assert "duplicate_document" in kinds
    assert Alert.objects.filter(ref=j2.pk, kind=AlertKind.DUPLICATE_DOCUMENT).count() == 1


def test_an_expired_document_is_flagged_on_the_event_without_an_alert(world):
    j, event = check(register("MD1111111", valid_until="2020-01-01"))
    assert event.data["expired"] is True
    assert not Alert.objects.filter(ref=j.pk).exists()
    assert CustodyEvent.objects.filter(journey=j, kind="document_checked").count() == 1
