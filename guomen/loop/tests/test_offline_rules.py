"""Sync rules for work done offline and sent later, one test per rule (issue: field work without a network).

Each item carries the time it happened (``occurred_at``); the services apply the rules below."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.utils import timezone

from guomen.alerts.models import Alert
from guomen.lib.errors import DomainError
from guomen.loop import handover as h
from guomen.loop import services as s
from guomen.loop.models import CustodyEvent, Disposition, EventKind, State
from guomen.loop.tests.factories import u, who
from guomen.loop.tests.test_flows import arrive, to_facility
from guomen.loop.tests.test_single_check import assert_consistent

pytestmark = pytest.mark.django_db
VILLAGE = "v533102103201"


def at_home():
    """A person sent home from the port into the Ruili village committee's monitoring."""
    j = arrive()
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.HOME, to_unit=u(VILLAGE))
    s.handover_accept(actor=who("ruili_grid"), journey=j, unit=u(VILLAGE), card_code=j.code)
    j.refresh_from_db()
    assert j.state == State.HOME_MONITORING
    return j


def test_a_check_keeps_the_time_it_was_done_not_the_time_it_arrived(world):
    j = at_home()
    done = timezone.now() + timedelta(hours=3)
    with time_machine.travel(done + timedelta(hours=5), tick=False):
        e = s.health_check_by_code(actor=who("ruili_grid"), code=j.code, temperature=36.4, occurred_at=done)
    assert e.occurred_at == done and e.recorded_at > done
    j.refresh_from_db()
    assert j.facts["last_check_at"] == done.isoformat()
    assert_consistent(j)


@override_settings(GUOMEN_FIELD_WINDOW_HOURS=48)
def test_a_time_older_than_the_field_window_is_refused_with_a_reason_and_changes_nothing(world):
    j = at_home()
    before = CustodyEvent.objects.filter(journey=j).count()
    with pytest.raises(DomainError) as err:
        s.health_check_by_code(actor=who("ruili_grid"), code=j.code, temperature=36.4, occurred_at=timezone.now() - timedelta(hours=49))
    assert err.value.code == "time_too_old" and "48" in err.value.message and err.value.details["window_hours"] == 48
    assert CustodyEvent.objects.filter(journey=j).count() == before
    e = s.health_check_by_code(actor=who("ruili_grid"), code=j.code, temperature=36.4, occurred_at=timezone.now() - timedelta(hours=47))
    assert e.kind == EventKind.HEALTH_CHECK


def test_a_time_ahead_of_the_clock_is_refused(world):
    j = at_home()
    with pytest.raises(DomainError) as err:
        s.health_check_by_code(actor=who("ruili_grid"), code=j.code, temperature=36.4, occurred_at=timezone.now() + timedelta(hours=1))
    assert err.value.code == "time_in_future"


def test_a_check_done_on_time_offline_is_not_overdue_when_it_arrives_late_and_closes_the_alert(world):
    j = at_home()
    done = j.due_at - timedelta(hours=2)  # on time, on a phone without signal
    later = j.due_at + timedelta(hours=1)
    assert s.sweep(now=later) == 1  # meanwhile the server saw the check missing
    alert = Alert.objects.get(ref=j.pk, closed_at__isnull=True)
    with time_machine.travel(later, tick=False):
        s.health_check_by_code(actor=who("ruili_grid"), code=j.code, temperature=36.5, occurred_at=done)
    j.refresh_from_db()
    alert.refresh_from_db()
    assert alert.closed_at is not None
    assert j.due_at > later and not j.alert_open  # the next check is due a day after the one done
    assert s.sweep(now=later + timedelta(minutes=1)) == 0


def test_a_check_that_arrives_after_a_newer_one_does_not_move_the_due_time_back(world):
    j = at_home()
    t1, t2 = timezone.now() + timedelta(hours=1), timezone.now() + timedelta(hours=4)
    with time_machine.travel(t2 + timedelta(minutes=5), tick=False):
        s.health_check_by_code(actor=who("ruili_grid"), code=j.code, temperature=36.5, occurred_at=t2)
        j.refresh_from_db()
        due = j.due_at
        s.health_check_by_code(actor=who("ruili_grid"), code=j.code, temperature=36.6, occurred_at=t1)
    j.refresh_from_db()
    assert j.due_at == due and j.facts["last_check_at"] == t2.isoformat()
    assert_consistent(j)


def test_a_late_older_reading_with_fever_still_raises_the_flag(world):
    j = at_home()
    t1, t2 = timezone.now() + timedelta(hours=1), timezone.now() + timedelta(hours=4)
    with time_machine.travel(t2 + timedelta(minutes=5), tick=False):
        s.health_check_by_code(actor=who("ruili_grid"), code=j.code, temperature=36.5, occurred_at=t2)
        s.health_check_by_code(actor=who("ruili_grid"), code=j.code, temperature=38.9, occurred_at=t1)
    j.refresh_from_db()
    assert j.facts.get("fever") is True
    assert j.state == State.HANDOVER_OFFERED and j.pending_unit.code == "c533102-hospital"  # a fever is never ignored


def test_a_check_for_a_person_meanwhile_moved_to_hospital_is_kept_on_the_timeline_but_changes_no_custody(world):
    j = to_facility(arrive())
    done = timezone.now() + timedelta(hours=1)  # the nurse's phone, offline in the hotel's basement
    with time_machine.travel(done + timedelta(hours=1), tick=False):
        s.journey_test_result(actor=who("ruili_hotel"), journey=j, sample_id="D1", result="positive")  # from the desk, online
        s.handover_accept(actor=who("ruili_hospital"), journey=j, unit=u("c533102-hospital"), card_code=j.code)
    j.refresh_from_db()
    assert j.state == State.IN_HOSPITAL
    seen = (j.custodian_id, j.state, j.due_at, j.awaiting, j.facts)
    with time_machine.travel(done + timedelta(hours=3), tick=False):
        e = s.health_check_by_code(actor=who("ruili_hotel"), code=j.code, temperature=36.5, occurred_at=done)
    assert e.kind == EventKind.HEALTH_CHECK and e.occurred_at == done and e.unit.code == "c533102-hotel1"
    assert e.data["custody_moved"] is True
    j.refresh_from_db()
    assert (j.custodian_id, j.state, j.due_at, j.awaiting, j.facts) == seen  # the positive flag stands, custody stays
    assert_consistent(j)


def test_a_check_done_after_the_person_left_is_refused(world):
    j = to_facility(arrive())
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        s.journey_test_result(actor=who("ruili_hotel"), journey=j, sample_id="D1", result="positive")
        s.handover_accept(actor=who("ruili_hospital"), journey=j, unit=u("c533102-hospital"), card_code=j.code)
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False), pytest.raises(PermissionDenied):
        s.health_check_by_code(actor=who("ruili_hotel"), code=j.code, temperature=36.5, occurred_at=timezone.now())


def test_a_check_from_a_unit_that_never_held_the_person_is_refused(world):
    j = at_home()
    with pytest.raises(PermissionDenied):
        s.health_check_by_code(actor=who("ruili_port"), code=j.code, temperature=36.5, occurred_at=timezone.now())


def offered_to_hotel():
    j = arrive()
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"))
    j.refresh_from_db()
    return j


def test_accept_by_code_with_its_own_time(world):
    j = offered_to_hotel()
    scanned = timezone.now() + timedelta(minutes=30)
    with time_machine.travel(scanned + timedelta(hours=2), tick=False):
        j = s.handover_accept_by_code(actor=who("ruili_hotel"), code=j.code, room="12", occurred_at=scanned)
    assert j.state == State.IN_FACILITY and j.custodian.code == "c533102-hotel1"
    assert CustodyEvent.objects.get(journey=j, kind=EventKind.HANDOVER_ACCEPTED).occurred_at == scanned


def test_accept_of_a_handover_withdrawn_meanwhile_is_refused_with_the_reason(world):
    j = offered_to_hotel()
    scanned = timezone.now() + timedelta(minutes=10)
    with time_machine.travel(scanned + timedelta(minutes=5), tick=False):
        h.handover_withdraw(actor=who("ruili_port"), journey=j, reason="旅客发热 fever at the gate")
    before = CustodyEvent.objects.filter(journey=j).count()
    with time_machine.travel(scanned + timedelta(hours=1), tick=False), pytest.raises(DomainError) as err:
        s.handover_accept_by_code(actor=who("ruili_hotel"), code=j.code, room="12", occurred_at=scanned)
    assert err.value.code == "handover_withdrawn" and "fever at the gate" in err.value.message
    j.refresh_from_db()
    assert j.custodian.code == "port-ruili" and CustodyEvent.objects.filter(journey=j).count() == before


def test_accept_of_a_handover_redirected_elsewhere_is_refused(world):
    j = offered_to_hotel()
    h.handover_redirect(actor=who("ruili_port"), journey=j, to_unit=u("c533102-hotel2"), reason="满员 full")
    with pytest.raises(DomainError) as err:
        s.handover_accept_by_code(actor=who("ruili_hotel"), code=j.code, room="12")
    assert err.value.code == "handover_redirected"


def test_accept_by_code_of_a_journey_never_offered_to_the_unit_says_not_found(world):
    j = offered_to_hotel()
    with pytest.raises(DomainError) as err:
        s.handover_accept_by_code(actor=who("mengla_hotel"), code=j.code, room="12")
    assert err.value.code == "not_found" and err.value.status == 404


def test_accept_timed_before_the_offer_is_refused(world):
    j = offered_to_hotel()
    with pytest.raises(DomainError) as err:
        s.handover_accept_by_code(actor=who("ruili_hotel"), code=j.code, room="12", occurred_at=timezone.now() - timedelta(hours=1))
    assert err.value.code == "before_offer"
