"""No route around a fever: every path that moves a person obeys one rule, receivers see the
flags, and the sender may withdraw or redirect a handover nobody accepted."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from guomen.lib.errors import DomainError
from guomen.loop import handover as h
from guomen.loop import services as s
from guomen.loop.models import CustodyEvent, Disposition, EventKind, Journey, State
from guomen.loop.projection import flags
from guomen.loop.tests.factories import person, u, who

pytestmark = pytest.mark.django_db

HOTEL, HOSPITAL, TRANSFER = "c533102-hotel1", "c533102-hospital", "c533102-transfer"


def arrive():
    return s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person(), origin_country="MMR")


def feverish():
    """Screened at 38.6 °C with a cough at the Ruili port."""
    j = arrive()
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=38.6, symptoms=["cough"])
    j.refresh_from_db()
    return j


def post_json(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def unchanged(j):
    seq = j.last_seq
    j.refresh_from_db()
    return j.last_seq == seq and j.state == State.AT_GATE and j.pending_unit_id is None


# --- the rule ---------------------------------------------------------------------------------------
def test_fever_and_symptoms_at_the_latest_screening_are_the_flags(world):
    j = feverish()
    assert flags(j.facts) == ["fever", "symptoms"]


def test_a_feverish_person_cannot_be_disposed_to_quarantine(world):
    j = feverish()
    with pytest.raises(DomainError) as err:
        s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u(HOTEL))
    assert err.value.code == "flagged_goes_to_hospital" and unchanged(j)


def test_a_feverish_person_cannot_be_offered_to_a_quarantine_hotel_by_the_offer_service(world):
    j = feverish()
    with pytest.raises(DomainError) as err:
        s.handover_offer(actor=who("ruili_port"), journey=j, to_unit=u(HOTEL))
    assert err.value.code == "flagged_goes_to_hospital" and unchanged(j)


def test_a_feverish_person_cannot_be_released_at_the_gate(world):
    j = feverish()
    with pytest.raises(DomainError):
        s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.RELEASE)
    assert unchanged(j)


def test_the_offer_form_on_the_journey_page_refuses_a_hotel_for_a_feverish_person(client_as, world):
    j = feverish()
    r = client_as("ruili_port").post(reverse("loop:act", args=[j.code, "offer"]), {"to_unit": HOTEL})
    assert r.status_code == 422 and "hospital" in r.content.decode()
    assert unchanged(j)


def test_the_api_refuses_to_offer_a_feverish_person_to_a_hotel(api_as, world):
    j = feverish()
    r = post_json(api_as("ruili_port"), f"/api/loop/journeys/{j.code}/handover", {"to_unit": HOTEL})
    assert r.status_code == 422 and r.json()["error"]["code"] == "flagged_goes_to_hospital"
    r = post_json(api_as("ruili_port"), f"/api/loop/journeys/{j.code}/disposition", {"disposition": "home", "to_unit": "v533102103201"})
    assert r.status_code == 422
    assert unchanged(j)


def test_a_feverish_person_may_go_to_the_hospital_or_the_team_that_takes_them_there(world):
    j = feverish()
    s.handover_offer(actor=who("ruili_port"), journey=j, to_unit=u(TRANSFER))
    s.handover_accept(actor=who("ruili_transfer"), journey=j, unit=u(TRANSFER), card_code=j.code)
    with pytest.raises(DomainError):  # the team's own onward offer meets the rule again
        s.handover_offer(actor=who("ruili_transfer"), journey=j, to_unit=u(HOTEL))
    event = s.handover_offer(actor=who("ruili_transfer"), journey=j, to_unit=u(HOSPITAL))
    assert event.data["flags"] == ["fever", "symptoms"]


def test_a_later_normal_reading_clears_fever_and_a_negative_result_clears_a_positive(world):
    j = feverish()
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.6)
    s.journey_test_result(actor=who("ruili_port"), journey=j, sample_id="S1", result="positive")
    j.refresh_from_db()
    assert flags(j.facts) == ["positive"]
    # the positive offered the person to hospital; the hospital refuses (full), a later negative clears it
    s.handover_refuse(actor=who("ruili_hospital"), journey=j, unit=u(HOSPITAL), reason="无床位")
    s.journey_test_result(actor=who("ruili_port"), journey=j, sample_id="S2", result="negative")
    j.refresh_from_db()
    assert flags(j.facts) == []
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u(HOTEL))


def test_a_recovered_report_is_the_hospitals_clearance(world):
    j = feverish()
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.HOSPITAL, to_unit=u(HOSPITAL))
    s.handover_accept(actor=who("ruili_hospital"), journey=j, unit=u(HOSPITAL), card_code=j.code)
    village = u("v533102103201")
    with pytest.raises(DomainError):
        s.handover_offer(actor=who("ruili_hospital"), journey=j, to_unit=village)
    s.hospital_report(actor=who("ruili_hospital"), journey=j, condition="recovered")
    s.handover_offer(actor=who("ruili_hospital"), journey=j, to_unit=village)


# --- the command override --------------------------------------------------------------------------
def test_a_command_override_with_a_reason_moves_a_flagged_person_and_the_event_says_who_and_why(client_as, world):
    j = feverish()
    s.journey_dispose(
        actor=who("ruili"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u(HOTEL), override_reason="医院满员，专家组同意隔离观察"
    )
    offer = CustodyEvent.objects.get(journey=j, kind=EventKind.HANDOVER_OFFERED)
    assert offer.data["override"] == {"reason": "医院满员，专家组同意隔离观察", "by": "ruili"}
    assert offer.data["flags"] == ["fever", "symptoms"] and offer.actor.username == "ruili"
    assert CustodyEvent.objects.get(journey=j, kind=EventKind.DISPOSED).data["override"]["by"] == "ruili"
    page = client_as("ruili").get(reverse("loop:journey", args=[j.code]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "command override by ruili: 医院满员，专家组同意隔离观察" in page and "flags: fever, symptoms" in page


def test_an_override_by_someone_without_a_command_role_is_refused(world):
    j = feverish()
    with pytest.raises(PermissionDenied):
        s.handover_offer(actor=who("ruili_port"), journey=j, to_unit=u(HOTEL), override_reason="我说可以")
    assert unchanged(j)


def test_command_outside_the_journeys_reach_cannot_override(world):
    j = feverish()
    with pytest.raises(PermissionDenied):
        s.handover_offer(actor=who("mengla"), journey=j, to_unit=u(HOTEL), override_reason="review")
    assert unchanged(j)


# --- receivers see the flags ----------------------------------------------------------------------
def overridden_to_hotel():
    j = feverish()
    s.handover_offer(actor=who("ruili"), journey=j, to_unit=u(HOTEL), override_reason="专家组评估")
    j.refresh_from_db()
    return j


def test_the_hotel_sees_the_flags_on_its_offered_list_and_on_the_journey_page(client_as, world):
    j = overridden_to_hotel()
    c = client_as("ruili_hotel")
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    desk = c.get(reverse("loop:facility"), **en).content.decode()
    row = desk[desk.index(j.code) :][:1500]
    assert row.count('class="badge bad flag"') == 2 and "fever" in row and "symptoms" in row
    page = c.get(reverse("loop:journey", args=[j.code]), **en).content.decode()
    assert 'id="flags"' in page and "fever" in page
    scan = c.get(reverse("loop:scan"), **en).content.decode()
    assert "fever" in scan[scan.index(j.code) :][:1500]


def test_the_accept_answer_carries_the_flags(api_as, client_as, world):
    j = overridden_to_hotel()
    r = post_json(api_as("ruili_hotel"), f"/api/loop/journeys/{j.code}/handover/accept", {"room": "9", "card_code": j.code})
    assert r.status_code == 200 and r.json()["flags"] == ["fever", "symptoms"]
    assert CustodyEvent.objects.get(journey=j, kind=EventKind.HANDOVER_ACCEPTED).data["flags"] == ["fever", "symptoms"]


def test_the_accept_page_warns_of_the_flags(client_as, world):
    j = overridden_to_hotel()
    c = client_as("ruili_hotel")
    r = c.post(reverse("loop:scan"), {"code": j.code, "room": "12"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Warning: fever, symptoms" in r.content.decode()


def test_a_positive_result_that_arrives_while_offered_stops_a_hotel_from_accepting(world):
    j = arrive()
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u(HOTEL))
    s.journey_test_result(actor=who("ruili_port"), journey=j, sample_id="S1", result="positive")
    with pytest.raises(DomainError) as err:
        s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=u(HOTEL), room="3", card_code=j.code)
    assert err.value.code == "flagged_goes_to_hospital"
    h.handover_redirect(actor=who("ruili_port"), journey=j, to_unit=u(HOSPITAL), reason="阳性")
    s.handover_accept(actor=who("ruili_hospital"), journey=j, unit=u(HOSPITAL), card_code=j.code)
    j.refresh_from_db()
    assert j.state == State.IN_HOSPITAL


# --- withdraw and redirect ---------------------------------------------------------------------------
def offered_to_hotel():
    j = arrive()
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u(HOTEL))
    j.refresh_from_db()
    return j


def test_the_sender_withdraws_an_unaccepted_handover_and_the_receivers_list_loses_it(client_as, world):
    j = offered_to_hotel()
    assert j.code in client_as("ruili_hotel").get(reverse("loop:facility")).content.decode()
    h.handover_withdraw(actor=who("ruili_port"), journey=j, reason="接收方无回应")
    j.refresh_from_db()
    assert j.state == State.AT_GATE and j.pending_unit_id is None and j.custodian.code == "port-ruili" and j.awaiting == "disposition"
    assert j.code not in client_as("ruili_hotel").get(reverse("loop:facility")).content.decode()
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HANDOVER_WITHDRAWN).get().data["from_code"] == HOTEL


def test_only_the_sender_may_withdraw_and_only_before_acceptance(world):
    j = offered_to_hotel()
    with pytest.raises(PermissionDenied):
        h.handover_withdraw(actor=who("ruili_hotel"), journey=j, reason="不是我")
    with pytest.raises(DomainError):
        h.handover_withdraw(actor=who("ruili_port"), journey=j, reason="")
    s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=u(HOTEL), room="5", card_code=j.code)
    with pytest.raises(PermissionDenied):  # accepted: the port is no longer the custodian
        h.handover_withdraw(actor=who("ruili_port"), journey=j, reason="太晚")


def test_a_redirect_names_a_new_receiver_whose_list_gains_the_person(client_as, world):
    j = offered_to_hotel()
    h.handover_redirect(actor=who("ruili_port"), journey=j, to_unit=u("c533102-hotel2"), reason="一号酒店满员")
    j.refresh_from_db()
    assert j.state == State.HANDOVER_OFFERED and j.pending_unit.code == "c533102-hotel2" and j.custodian.code == "port-ruili"
    assert j.code not in client_as("ruili_hotel").get(reverse("loop:facility")).content.decode()
    with pytest.raises(DomainError):
        s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=u(HOTEL), room="5", card_code=j.code)


def test_a_redirect_of_a_feverish_person_obeys_the_moving_rule(world):
    j = feverish()
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.HOSPITAL, to_unit=u(HOSPITAL))
    with pytest.raises(DomainError) as err:
        h.handover_redirect(actor=who("ruili_port"), journey=j, to_unit=u(HOTEL), reason="医院太远")
    assert err.value.code == "flagged_goes_to_hospital"


def test_withdraw_and_redirect_from_the_journey_page_and_the_api(client_as, api_as, world):
    j = offered_to_hotel()
    c = client_as("ruili_port")
    page = c.get(reverse("loop:journey", args=[j.code])).content.decode()
    assert 'id="withdraw"' in page and 'id="redirect"' in page
    r = c.post(reverse("loop:act", args=[j.code, "redirect"]), {"to_unit": "c533102-hotel2", "reason": "满员"})
    assert r.status_code == 302
    r = post_json(api_as("ruili_port"), f"/api/loop/journeys/{j.code}/handover/withdraw", {"reason": "改为居家"})
    assert r.status_code == 200 and r.json()["state"] == "at_gate" and r.json()["pending_unit"] is None
    kinds = list(CustodyEvent.objects.filter(journey=j).order_by("seq").values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.HANDOVER_REDIRECTED, EventKind.HANDOVER_WITHDRAWN]
    r = post_json(api_as("ruili_hotel"), f"/api/loop/journeys/{j.code}/handover/redirect", {"to_unit": HOTEL, "reason": "x"})
    assert r.status_code in (403, 404, 409)


# --- the loop card -------------------------------------------------------------------------------------
def test_accepting_from_a_list_without_the_card_needs_a_reason_and_is_recorded(client_as, world):
    j = offered_to_hotel()
    with pytest.raises(DomainError) as err:
        s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=u(HOTEL), room="5")
    assert err.value.code == "card_or_reason_required"
    c = client_as("ruili_hotel")
    r = c.post(reverse("loop:act", args=[j.code, "accept"]), {"room": "5", "next": reverse("loop:facility")})
    assert r.status_code == 422 and Journey.objects.get(pk=j.pk).state == State.HANDOVER_OFFERED
    r = c.post(reverse("loop:act", args=[j.code, "accept"]), {"room": "5", "without_card_reason": "卡片被雨水浸坏"})
    assert r.status_code == 302
    data = CustodyEvent.objects.get(journey=j, kind=EventKind.HANDOVER_ACCEPTED).data
    assert data["card"] is False and data["without_card_reason"] == "卡片被雨水浸坏"
    page = c.get(reverse("loop:journey", args=[j.code]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "accepted without the card: 卡片被雨水浸坏" in page


def test_a_card_of_another_person_is_refused(world):
    j, other = offered_to_hotel(), arrive()
    with pytest.raises(DomainError) as err:
        s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=u(HOTEL), room="5", card_code=other.code)
    assert err.value.code == "wrong_card"
    s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=u(HOTEL), room="5", card_code=j.code.lower())
    assert CustodyEvent.objects.get(journey=j, kind=EventKind.HANDOVER_ACCEPTED).data["card"] is True


def test_command_acting_for_the_custodian_with_an_override_is_always_recorded(world):
    j = arrive()  # no flags: the override is what lets command act for the port, so it is on the event
    s.handover_offer(actor=who("ruili"), journey=j, to_unit=u(HOTEL), override_reason="口岸人手不足")
    offer = CustodyEvent.objects.get(journey=j, kind=EventKind.HANDOVER_OFFERED)
    assert offer.data["override"] == {"reason": "口岸人手不足", "by": "ruili"} and "flags" not in offer.data
