"""The busload desk: scans mark arrivals (once), the grid screens, one decision for the group
splits out whoever has fever, and everything goes through the loop's services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from guomen.loop import services as s
from guomen.loop.models import Disposition, EventKind, Journey, State
from guomen.loop.tests.factories import person, u, who
from guomen.people.services import document_add

pytestmark = pytest.mark.django_db
BUS = reverse("loop:busload")


def declared(n: int, label: str = "滇A-12345 大巴"):
    out = []
    for i in range(n):
        p = person()
        document_add(actor=who("ruili_port"), person=p, kind="passport", number=f"MB{700000 + i}", issuing_country="MMR")
        out.append(
            s.journey_declare(
                actor=who("ruili_port"),
                port_unit=u("port-ruili"),
                person=p,
                expected_at=timezone.now() + timedelta(minutes=30),
                source=f"{label} #{i + 1}",
            )
        )
    return out


def test_a_group_is_picked_scanned_screened_and_handed_over_with_the_feverish_split_out(client_as):
    js = declared(4)
    c = client_as("ruili_port")
    page = c.get(BUS).content.decode()
    assert "滇A-12345 大巴 (4)" in page
    c.post(BUS, {"do": "group", "group": "滇A-12345 大巴"})
    assert c.post(BUS, {"do": "scan", "scan": js[0].code.lower()}).status_code == 302  # a loop card
    assert c.post(BUS, {"do": "scan", "scan": "mb 700001"}).status_code == 302  # a passport number, typed loosely
    c.post(BUS, {"do": "scan", "scan": js[2].code})
    c.post(BUS, {"do": "scan", "scan": js[2].code})  # scanned twice: one arrival
    assert Journey.objects.get(pk=js[2].pk).events.filter(kind=EventKind.ARRIVED).count() == 1
    assert Journey.objects.get(pk=js[3].pk).state == State.DECLARED
    page = c.get(BUS).content.decode()
    count = page.split('id="bus-count">')[1].split("<")[0]
    assert "3" in count and "4" in count  # 3 of 4 arrived
    c.post(BUS, {"do": "screen", f"t-{js[0].code}": "365", f"t-{js[1].code}": "38.7", f"t-{js[2].code}": "36.4"})
    assert Journey.objects.get(pk=js[1].pk).facts.get("fever")
    r = c.post(BUS, {"do": "dispose", "disposition": "quarantine", "to_unit": "c533102-hotel1", "via_unit": "c533102-transfer"})
    assert r.status_code == 302
    states = {j.code: Journey.objects.get(pk=j.pk) for j in js}
    assert states[js[0].code].state == State.HANDOVER_OFFERED and states[js[0].code].pending_unit == u("c533102-transfer")
    assert states[js[2].code].pending_unit == u("c533102-transfer")
    assert states[js[1].code].state == State.AT_GATE  # split out by the fever rule
    assert states[js[3].code].state == State.DECLARED
    page = c.get(BUS).content.decode()
    assert 'id="split"' in page and js[1].code in page.split('id="split"')[1]
    cards = c.get(reverse("loop:busload_cards")).content.decode()
    assert cards.count('class="loop-card"') == 3 and js[3].code not in cards


def test_an_unknown_scan_is_refused_at_the_box_and_keeps_what_was_scanned(client_as):
    declared(1)
    c = client_as("ruili_port")
    r = c.post(BUS, {"do": "scan", "scan": "GMZZZZZZZZ"})
    assert r.status_code == 422
    html = r.content.decode()
    assert 'id="scan-error"' in html and 'value="GMZZZZZZZZ"' in html and "autofocus" in html


def test_a_group_decision_needs_a_destination_and_changes_nothing_without_it(client_as):
    js = declared(1)
    c = client_as("ruili_port")
    c.post(BUS, {"do": "scan", "scan": js[0].code})
    c.post(BUS, {"do": "screen", f"t-{js[0].code}": "36.5"})
    r = c.post(BUS, {"do": "dispose", "disposition": Disposition.QUARANTINE, "to_unit": "", "via_unit": ""})
    assert r.status_code == 422
    assert Journey.objects.get(pk=js[0].pk).state == State.AT_GATE


def test_the_busload_desk_is_for_port_officers(client_as):
    assert client_as("ruili_hotel").get(BUS).status_code == 403
