"""Transfer teams and quarantine facilities in the field: what their phone keeps, and the transfer
team's handover at arrival made offline and sent later (``handover_offer`` through /api/sync)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from guomen.loop import services as s
from guomen.loop.models import CustodyEvent, Disposition, EventKind, Journey, State
from guomen.loop.tests.factories import u, who
from guomen.loop.tests.test_flows import arrive

pytestmark = pytest.mark.django_db
HOTEL = "c533102-hotel1"


def in_transit() -> Journey:
    """Decided for quarantine at the hotel, taken by the transfer team: on the road."""
    j = arrive()
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)
    s.journey_dispose(
        actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u(HOTEL), via_unit=u("c533102-transfer")
    )
    s.handover_accept(actor=who("ruili_transfer"), journey=j, unit=u("c533102-transfer"), card_code=j.code)
    j.refresh_from_db()
    assert j.state == State.IN_TRANSIT
    return j


def send(client, items, lang="en"):
    r = client.post("/api/sync", data=json.dumps({"items": items}), content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang)
    assert r.status_code == 200, r.content
    return r.json()["items"]


def pack(client):
    r = client.get("/api/sync/pack")
    assert r.status_code == 200, r.content
    return r.json()


def arrival(j, at, key="arr-1"):
    return {"key": key, "kind": "handover_offer", "occurred_at": at.isoformat(), "payload": {"journey": j.code, "to_unit": HOTEL}}


def test_a_transfer_teams_pack_holds_the_person_on_the_road_with_where_they_go(world, api_as):
    j = in_transit()
    p = pack(api_as("ruili_transfer"))
    row = next(r for r in p["custody"] if r["code"] == j.code)
    assert row["state"] == State.IN_TRANSIT and row["destination"] == {"code": HOTEL, "name": u(HOTEL).name}
    assert p["needs_room"] is False


def test_a_facilitys_pack_holds_who_is_offered_and_says_a_room_is_needed(world, api_as):
    j = in_transit()
    s.handover_offer(actor=who("ruili_transfer"), journey=j, to_unit=u(HOTEL))
    p = pack(api_as("ruili_hotel"))
    assert j.code in [r["code"] for r in p["offered"]] and p["needs_room"] is True


def test_a_handover_at_arrival_made_offline_keeps_its_time_and_arrives_once(world, api_as):
    j = in_transit()
    arrived = timezone.now() + timedelta(minutes=40)
    client = api_as("ruili_transfer")
    with time_machine.travel(arrived + timedelta(hours=2), tick=False):
        out = send(client, [arrival(j, arrived)])
        assert out[0]["outcome"] == "applied", out
        assert send(client, [arrival(j, arrived)])[0]["outcome"] == "duplicate"
    j.refresh_from_db()
    assert j.state == State.HANDOVER_OFFERED and j.pending_unit.code == HOTEL and j.custodian.code == "c533102-transfer"
    offers = CustodyEvent.objects.filter(journey=j, kind=EventKind.HANDOVER_OFFERED, unit__code="c533102-transfer")
    assert offers.count() == 1 and offers.get().occurred_at == arrived
    with time_machine.travel(arrived + timedelta(hours=2), tick=False):  # the facility accepts by the card's code
        s.handover_accept_by_code(actor=who("ruili_hotel"), code=j.code, room="12")
    j.refresh_from_db()
    assert j.state == State.IN_FACILITY


def test_a_handover_at_arrival_timed_before_the_team_took_the_person_is_refused(world, api_as):
    j = in_transit()
    events = CustodyEvent.objects.filter(journey=j).count()
    out = send(api_as("ruili_transfer"), [arrival(j, j.state_since - timedelta(minutes=5))], lang="zh-hans")
    assert out[0]["outcome"] == "refused" and out[0]["code"] == "before_custody" and "早于" in out[0]["message"]
    assert CustodyEvent.objects.filter(journey=j).count() == events


def test_a_handover_at_arrival_already_made_online_is_refused_and_changes_nothing(world, api_as):
    j = in_transit()
    s.handover_offer(actor=who("ruili_transfer"), journey=j, to_unit=u(HOTEL))  # done online from another phone
    events = CustodyEvent.objects.filter(journey=j).count()
    out = send(api_as("ruili_transfer"), [arrival(j, timezone.now())])
    assert out[0]["code"] == "already_offered" and u(HOTEL).name in out[0]["message"]
    assert CustodyEvent.objects.filter(journey=j).count() == events


def test_a_handover_at_arrival_by_a_team_that_never_held_the_person_is_refused(world, api_as):
    j = in_transit()
    out = send(api_as("mengla_hotel"), [arrival(j, timezone.now())])
    assert out[0]["outcome"] == "refused" and out[0]["code"] in ("not_found", "forbidden")
    j.refresh_from_db()
    assert j.state == State.IN_TRANSIT


def test_an_offer_to_the_transfer_team_says_where_the_person_goes_and_in_which_state_an_accept_puts_them(world, api_as):
    j = arrive()
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)
    s.journey_dispose(
        actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u(HOTEL), via_unit=u("c533102-transfer")
    )
    row = next(r for r in pack(api_as("ruili_transfer"))["offered"] if r["code"] == j.code)
    assert row["to_state"] == State.IN_TRANSIT and row["destination"]["code"] == HOTEL
    s.handover_accept(actor=who("ruili_transfer"), journey=j, unit=u("c533102-transfer"), card_code=j.code)
    s.handover_offer(actor=who("ruili_transfer"), journey=j, to_unit=u(HOTEL))
    row = next(r for r in pack(api_as("ruili_hotel"))["offered"] if r["code"] == j.code)
    assert row["to_state"] == State.IN_FACILITY and row["destination"] is None
    j.refresh_from_db()
    assert row["from_unit"] == u("c533102-transfer").name and abs(datetime.fromisoformat(row["expected_at"]) - j.expected_at) < timedelta(
        milliseconds=1
    )
