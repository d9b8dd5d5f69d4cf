"""The closed loop, flow by flow, through the services the pages and the API share."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from guomen.alerts.models import Alert, AlertLevel
from guomen.alerts.services import level_code
from guomen.lib.errors import DomainError
from guomen.loop import services as s
from guomen.loop.models import CustodyEvent, Disposition, Journey, JourneyCount, State
from guomen.loop.tests.factories import person, soon, u, who

pytestmark = pytest.mark.django_db


def arrive(port="port-ruili", officer="ruili_port", **kw):
    return s.journey_arrive(actor=who(officer), unit=u(port), person=person(port), origin_country="MMR", **kw)


def to_facility(j, hotel="c533102-hotel1", room="101"):
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)
    s.journey_dispose(
        actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u(hotel), via_unit=u("c533102-transfer")
    )
    s.handover_accept(actor=who("ruili_transfer"), journey=j, unit=u("c533102-transfer"), card_code=j.code)
    s.handover_offer(actor=who("ruili_transfer"), journey=j, to_unit=u(hotel))
    s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=u(hotel), room=room, card_code=j.code)
    j.refresh_from_db()
    return j


def test_arrival_puts_the_person_at_the_gate_in_the_ports_custody_due_in_4_hours(world):
    j = arrive()
    assert j.state == State.AT_GATE and j.custodian.code == "port-ruili"
    assert abs((j.due_at - j.opened_at) - timedelta(hours=4)) < timedelta(seconds=1)
    assert j.awaiting == "disposition"


def test_custody_changes_only_when_the_receiver_accepts(world):
    j = arrive()
    s.journey_dispose(
        actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"), via_unit=u("c533102-transfer")
    )
    j.refresh_from_db()
    assert j.state == State.HANDOVER_OFFERED and j.custodian.code == "port-ruili" and j.pending_unit.code == "c533102-transfer"
    s.handover_accept(actor=who("ruili_transfer"), journey=j, unit=u("c533102-transfer"), card_code=j.code)
    j.refresh_from_db()
    assert j.state == State.IN_TRANSIT and j.custodian.code == "c533102-transfer"


def test_only_the_named_receiver_can_accept(world):
    j = arrive()
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"))
    with pytest.raises(PermissionDenied):
        s.handover_accept(actor=who("mengla_hotel"), journey=j, unit=u("c533102-hotel1"), room="1", card_code=j.code)
    with pytest.raises(DomainError) as err:
        s.handover_accept(actor=who("mengla_hotel"), journey=j, unit=u("c532823-hotel1"), room="1", card_code=j.code)
    assert err.value.code == "not_offered_to_you"


def test_a_refused_handover_returns_the_journey_to_the_sender(world):
    j = arrive()
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"))
    s.handover_refuse(actor=who("ruili_hotel"), journey=j, unit=u("c533102-hotel1"), reason="停电 no power")
    j.refresh_from_db()
    assert j.state == State.AT_GATE and j.custodian.code == "port-ruili" and j.pending_unit is None and j.awaiting == "disposition"
    with pytest.raises(DomainError):
        s.handover_refuse(actor=who("ruili_hotel"), journey=j, unit=u("c533102-hotel1"), reason="again")


def test_check_in_needs_a_room_and_never_exceeds_capacity(world):
    from guomen.org.models import Membership

    hotel = u("c533102-hotel2")
    hotel.capacity = 1
    hotel.save()
    Membership.objects.create(user=who("ruili_hotel"), unit=hotel, role="facility_staff")
    to_facility(arrive(), hotel="c533102-hotel2", room="1")
    j2 = arrive()
    s.journey_dispose(actor=who("ruili_port"), journey=j2, disposition=Disposition.QUARANTINE, to_unit=hotel)
    with pytest.raises(DomainError) as err:
        s.handover_accept(actor=who("ruili_hotel"), journey=j2, unit=hotel, room="2", card_code=j2.code)
    assert err.value.code == "facility_full"
    j2.refresh_from_db()
    assert j2.state == State.HANDOVER_OFFERED


def test_the_same_room_cannot_hold_two_people(world):
    to_facility(arrive(), room="7")
    j2 = arrive()
    s.journey_dispose(actor=who("ruili_port"), journey=j2, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"))
    with pytest.raises(DomainError) as err:
        s.handover_accept(actor=who("ruili_hotel"), journey=j2, unit=u("c533102-hotel1"), room="7", card_code=j2.code)
    assert err.value.code == "room_taken"


def test_fever_at_the_gate_means_hospital(world):
    j = arrive()
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=38.2)
    with pytest.raises(DomainError) as err:
        s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"))
    assert err.value.code == "flagged_goes_to_hospital"
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.HOSPITAL, to_unit=u("c533102-hospital"))
    s.handover_accept(actor=who("ruili_hospital"), journey=j, unit=u("c533102-hospital"), card_code=j.code)
    j.refresh_from_db()
    assert j.state == State.IN_HOSPITAL


def test_fever_in_quarantine_offers_the_person_to_the_hospital(world):
    j = to_facility(arrive())
    s.health_check(actor=who("ruili_hotel"), journey=j, temperature=38.0)
    j.refresh_from_db()
    assert j.state == State.HANDOVER_OFFERED and j.pending_unit.code == "c533102-hospital" and j.custodian.code == "c533102-hotel1"


def test_positive_result_sends_to_hospital(world):
    j = to_facility(arrive())
    s.journey_test_result(actor=who("ruili_hotel"), journey=j, sample_id="S1", result="positive")
    j.refresh_from_db()
    assert j.pending_unit.code == "c533102-hospital" and j.facts["positive"]


def test_release_needs_the_policy_satisfied_or_an_authorised_override(world):
    j = to_facility(arrive())
    with pytest.raises(DomainError) as err:
        s.journey_release(actor=who("ruili_hotel"), journey=j)
    assert err.value.code == "policy_not_satisfied"
    with pytest.raises(PermissionDenied):
        s.journey_release(actor=who("ruili_hotel"), journey=j, override_reason="家属证明")
    s.journey_release(actor=who("ruili"), journey=j, override_reason="专家组评估 expert assessment")
    j.refresh_from_db()
    assert j.facts["released_at"] and j.awaiting == "onward_handover"


def test_whole_loop_port_to_facility_to_village_to_closure_under_the_demo_policy(world):
    start = timezone.now()
    j = to_facility(arrive())
    village = u("v533102103201")
    for day in range(14):
        for half in (0, 12):
            at = j.facts and timezone.datetime.fromisoformat(j.facts["quarantine_started_at"]) + timedelta(days=day, hours=half + 1)
            with time_machine.travel(at, tick=False):
                s.health_check(actor=who("ruili_hotel"), journey=j, temperature=36.6)
                if day + 1 in (1, 7, 13) and half == 0:
                    s.journey_test_result(actor=who("ruili_hotel"), journey=j, sample_id=f"D{day + 1}", result="negative")
    j.refresh_from_db()
    qstart = timezone.datetime.fromisoformat(j.facts["quarantine_started_at"])
    with time_machine.travel(qstart + timedelta(days=14, minutes=5), tick=False):
        s.journey_release(actor=who("ruili_hotel"), journey=j)
        s.handover_offer(actor=who("ruili_hotel"), journey=j, to_unit=village)
        s.handover_accept(actor=who("ruili_grid"), journey=j, unit=village, card_code=j.code)
    j.refresh_from_db()
    assert j.state == State.HOME_MONITORING and j.custodian == village
    mstart = timezone.datetime.fromisoformat(j.facts["monitoring_started_at"])
    for day in range(7):
        with time_machine.travel(mstart + timedelta(days=day, hours=20), tick=False):
            s.health_check(actor=who("ruili_grid"), journey=j, temperature=36.5)
    with time_machine.travel(mstart + timedelta(days=7, minutes=1), tick=False):
        s.journey_close(actor=who("ruili_grid"), journey=j)
    j.refresh_from_db()
    assert j.state == State.CLOSED and j.closed_at > start
    assert not Alert.objects.filter(ref=j.pk).exists()


def test_custody_events_cannot_be_changed_or_deleted_in_the_database(world):
    j = arrive()
    e = CustodyEvent.objects.filter(journey=j).first()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        CustodyEvent.objects.filter(pk=e.pk).update(kind="closed")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        CustodyEvent.objects.filter(pk=e.pk).delete()


def test_an_overdue_handover_opens_one_alert_that_escalates_and_closes_on_acceptance(world):
    j = arrive()
    s.journey_dispose(
        actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"), expected_at=soon(1)
    )
    j.refresh_from_db()
    later = j.due_at + timedelta(minutes=1)
    assert s.sweep(now=later) == 1
    assert s.sweep(now=later) == 0
    a = Alert.objects.get(ref=j.pk)
    assert a.level == AlertLevel.UNIT and a.unit.code == "port-ruili"
    s.escalate(now=a.opened_at + timedelta(hours=2, minutes=1))
    a.refresh_from_db()
    assert a.level == AlertLevel.COUNTY and level_code(a.unit, a.level) == "533102"
    s.escalate(now=a.opened_at + timedelta(hours=6, minutes=1))
    a.refresh_from_db()
    assert a.level == AlertLevel.PREFECTURE and level_code(a.unit, a.level) == "533100"
    s.escalate(now=a.opened_at + timedelta(hours=24, minutes=1))
    a.refresh_from_db()
    assert a.level == AlertLevel.PROVINCE and level_code(a.unit, a.level) == "530000" and a.next_escalation_at is None
    s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=u("c533102-hotel1"), room="9", card_code=j.code)
    a.refresh_from_db()
    j.refresh_from_db()
    assert a.closed_at is not None and not j.alert_open
    assert [h["what"] for h in a.history] == ["opened", "escalated", "escalated", "escalated"]


def test_counts_by_state_follow_every_event(world):
    j = arrive()
    to_facility(Journey.objects.get(pk=j.pk))
    counts = {(c.jurisdiction.code, c.state): c.n for c in JourneyCount.objects.select_related("jurisdiction") if c.n}
    assert counts == {("533102", State.IN_FACILITY): 1}


def test_a_person_cannot_have_two_open_journeys(world):
    j = arrive()
    with pytest.raises(DomainError) as err:
        s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=j.person)
    assert err.value.code == "journey_open"


def test_bad_input_is_refused_and_changes_nothing(world):
    j = arrive()
    before = CustodyEvent.objects.count()
    for bad in ("hot", 50, None):
        with pytest.raises(DomainError):
            s.journey_screen(actor=who("ruili_port"), journey=j, temperature=bad)
    with pytest.raises(DomainError):
        s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5, symptoms=["sneezing"])
    with pytest.raises(DomainError):
        s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hospital"))
    assert CustodyEvent.objects.count() == before


def test_another_ports_officer_cannot_act_on_the_journey(world):
    j = arrive()
    with pytest.raises(PermissionDenied):
        s.journey_screen(actor=who("mohan_port"), journey=j, temperature=36.5)
    with pytest.raises(PermissionDenied):
        s.journey_screen(actor=who("auditor"), journey=j, temperature=36.5)


def test_a_temperature_typed_with_a_decimal_comma_is_read_as_written(world):
    j = arrive()
    e = s.journey_screen(actor=who("ruili_port"), journey=j, temperature="37,2")
    assert e.data["temperature"] == 37.2
    with pytest.raises(DomainError):
        s.journey_screen(actor=who("ruili_port"), journey=j, temperature="37,2,1")
