"""The journey page guides: for each state and each role it offers exactly the steps allowed, the
likely next one first and open, the rest folded; irreversible steps are asked once more and can be
undone for a few minutes, by a new event."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from guomen.lib.errors import Conflict
from guomen.loop import services as s
from guomen.loop import steps
from guomen.loop.models import CustodyEvent, DailyCount, Disposition, EventKind, Journey, State
from guomen.loop.tests.factories import person, u, who
from guomen.org.scoping import Scope

pytestmark = pytest.mark.django_db

HOTEL, TEAM, HOSPITAL = "c533102-hotel1", "c533102-transfer", "c533102-hospital"
GATE_STEPS = {"document", "screen", "sample", "result", "dispose", "offer"}


def arrive():
    return s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person(), origin_country="MMR")


def declared():
    return s.journey_declare(
        actor=who("ruili_port"), port_unit=u("port-ruili"), person=person(), expected_at=timezone.now() + timedelta(hours=1)
    )


def offered():
    j = arrive()
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u(HOTEL), via_unit=u(TEAM))
    return j


def in_transit():
    j = offered()
    s.handover_accept(actor=who("ruili_transfer"), journey=j, card_code=j.code)
    return j


def in_facility():
    j = in_transit()
    s.handover_offer(actor=who("ruili_transfer"), journey=j, to_unit=u(HOTEL))
    s.handover_accept(actor=who("ruili_hotel"), journey=j, room="101", card_code=j.code)
    return j


def released():
    j = in_facility()
    s.journey_release(actor=who("ruili"), journey=j, override_reason="专家组评估")
    return j


def in_hospital():
    j = arrive()
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.HOSPITAL, to_unit=u(HOSPITAL))
    s.handover_accept(actor=who("ruili_hospital"), journey=j, card_code=j.code)
    return j


def at_home():
    j = released()
    s.handover_offer(actor=who("ruili_hotel"), journey=j, to_unit=who("ruili_grid").memberships.get().unit)
    s.handover_accept(actor=who("ruili_grid"), journey=j, card_code=j.code)
    return j


def closed():
    j = arrive()
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)  # no one is released unscreened
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.RELEASE)
    return j


NOBODY: set[str] = set()
# state → {user: the steps offered}. Users not named are offered nothing.
EXPECTED = {
    declared: {"ruili_port": {"arrive", "document"}, "ruili": {"override_close"}},
    arrive: {"ruili_port": GATE_STEPS, "ruili": {"override_close"}},
    offered: {"ruili_port": {"withdraw", "redirect"}, "ruili_transfer": {"accept", "refuse"}, "ruili": {"override_close"}},
    in_transit: {"ruili_transfer": {"offer"}, "ruili": {"override_close"}},
    in_facility: {"ruili_hotel": {"check", "sample", "result", "release"}, "ruili": {"override_release", "override_close"}},
    released: {"ruili_hotel": {"offer"}, "ruili": {"override_close"}},
    in_hospital: {"ruili_hospital": {"report", "close", "offer", "sample", "result"}, "ruili": {"override_close"}},
    at_home: {"ruili_grid": {"check", "close", "sample", "result"}, "ruili": {"override_close"}},
    closed: {},
}
USERS = ("ruili_port", "ruili_transfer", "ruili_hotel", "ruili_hospital", "ruili_grid", "ruili", "auditor")


def offered_on_page(client, j) -> set[str]:
    html = client.get(reverse("loop:journey", args=[j.code])).content.decode()
    return set(re.findall(r'<section class="card step[^"]*" id="([a-z_]+)"', html)) - {"undo"}


@pytest.mark.parametrize("make", list(EXPECTED), ids=lambda m: m.__name__)
def test_each_state_offers_each_role_exactly_the_steps_it_allows(make, client_as):
    j = make()
    j = Journey.objects.select_related("custodian", "pending_unit", "person").get(pk=j.pk)
    for username in USERS:
        want = EXPECTED[make].get(username, NOBODY)
        assert set(steps.allowed(Scope.of(who(username)), j)) == want, username
        if Scope.of(who(username)).filter(Journey.objects.filter(pk=j.pk)).exists():
            assert offered_on_page(client_as(username), j) == want, username


def test_the_likely_next_step_comes_first_and_open_the_rest_folded(client_as):
    j = arrive()
    c = client_as("ruili_port")
    html = c.get(reverse("loop:journey", args=[j.code])).content.decode()
    first, folded = html.split('id="more-steps"')
    assert 'class="card step primary" id="screen"' in first  # no document on file: screening is next
    assert 'id="dispose"' in folded and 'id="dispose"' not in first
    c.post(reverse("loop:act", args=[j.code, "screen"]), {"temperature": "36.5"})
    html = c.get(reverse("loop:journey", args=[j.code])).content.decode()
    assert 'class="card step primary" id="dispose"' in html.split('id="more-steps"')[0]


def test_the_unit_picker_lists_the_same_countys_receivers_of_the_needed_kind_first(client_as):
    j = arrive()
    html = client_as("ruili_port").get(reverse("loop:journey", args=[j.code])).content.decode()
    picker = html.split('select name="to_unit"')[1].split("</select>")[0]
    codes = re.findall(r'<option value="([^"]+)"', picker)
    county = [c for c in codes if c.startswith("c533102-")]
    assert county and codes[: len(county)] == county  # Ruili's own units first, then the rest of the prefecture
    assert len(codes) > len(county)


def test_a_failed_form_comes_first_and_keeps_what_was_typed(client_as):
    j = arrive()
    r = client_as("ruili_port").post(reverse("loop:act", args=[j.code, "sample"]), {"sample_id": ""})
    assert r.status_code == 422
    html = r.content.decode()
    assert 'class="card step failed primary" id="sample"' in html.split('id="more-steps"')[0]
    r = client_as("ruili_port").post(reverse("loop:act", args=[j.code, "screen"]), {"temperature": "99", "symptoms": ["cough"]})
    html = r.content.decode()
    section = html.split('id="screen"')[1].split("</section>")[0]
    assert 'value="99"' in section and 'value="cough"' in section and "checked" in section and 'role="alert"' in section
    assert not CustodyEvent.objects.filter(journey=j, kind=EventKind.SCREENED).exists()


# --- confirm and undo -----------------------------------------------------------------------------
def test_an_irreversible_step_is_asked_once_more_and_nothing_changes_until_yes(client_as):
    j = declared()
    c = client_as("ruili_port")
    r = c.post(reverse("loop:act", args=[j.code, "arrive"]))
    assert r.status_code == 200 and 'id="confirm"' in r.content.decode()
    j.refresh_from_db()
    assert j.state == State.DECLARED
    r = c.post(reverse("loop:act", args=[j.code, "arrive"]), {"confirm": "yes"})
    assert r.status_code == 302
    j.refresh_from_db()
    assert j.state == State.AT_GATE


def test_an_arrival_is_undone_by_a_new_event_and_the_journey_is_declared_again(client_as):
    j = declared()
    c = client_as("ruili_port")
    c.post(reverse("loop:act", args=[j.code, "arrive"]), {"confirm": "yes"})
    j.refresh_from_db()
    arrived = j.events.get(kind=EventKind.ARRIVED)
    arrivals = DailyCount.objects.get(unit=u("port-ruili"), what=DailyCount.ARRIVED, day=timezone.localdate()).n
    html = c.get(reverse("loop:journey", args=[j.code])).content.decode()
    assert 'id="undo"' in html
    assert c.post(reverse("loop:act", args=[j.code, "undo"]), {"seq": arrived.seq}).status_code == 302
    j.refresh_from_db()
    assert j.state == State.DECLARED and j.expected_at is not None and "arrived_at" not in j.facts
    kinds = list(j.events.order_by("seq").values_list("kind", flat=True))
    assert kinds == [EventKind.DECLARED, EventKind.ARRIVED, EventKind.UNDONE]  # the arrival stays, the undo is added
    assert DailyCount.objects.get(unit=u("port-ruili"), what=DailyCount.ARRIVED, day=timezone.localdate()).n == arrivals - 1
    assert 'id="undo"' not in c.get(reverse("loop:journey", args=[j.code])).content.decode()
    # and the arrival can be recorded again
    assert c.post(reverse("loop:act", args=[j.code, "arrive"]), {"confirm": "yes"}).status_code == 302


def test_a_release_is_undone_only_by_who_took_it_and_only_within_the_window():
    j = in_facility()
    release = s.journey_release(actor=who("ruili"), journey=j, override_reason="专家组评估")
    with pytest.raises(Conflict):
        s.step_undo(actor=who("ruili_hotel"), journey=j, seq=release.seq)  # not theirs
    with time_machine.travel(timezone.now() + s.UNDO_WINDOW + timedelta(minutes=1)), pytest.raises(Conflict):
        s.step_undo(actor=who("ruili"), journey=j, seq=release.seq)
    s.step_undo(actor=who("ruili"), journey=j, seq=release.seq)
    j.refresh_from_db()
    assert j.state == State.IN_FACILITY and not j.facts.get("released_at") and j.room == "101"
    with pytest.raises(Conflict):  # the last step is now the undo itself
        s.step_undo(actor=who("ruili"), journey=j, seq=release.seq)


def test_a_closure_is_undone_and_the_journey_is_open_again():
    j = at_home()
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        closure = s.journey_close(actor=who("ruili_grid"), journey=j)
        s.step_undo(actor=who("ruili_grid"), journey=j, seq=closure.seq)
    j.refresh_from_db()
    assert j.state == State.HOME_MONITORING and j.closed_at is None and j.due_at is not None


def test_steps_that_change_custody_are_not_undone_here(world):
    j = offered()
    last = j.events.order_by("-seq").first()
    assert s.undoable(j, who("ruili_port")) is None
    with pytest.raises(Conflict):
        s.step_undo(actor=who("ruili_port"), journey=j, seq=last.seq)
