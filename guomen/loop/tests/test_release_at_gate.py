"""Release at the gate closes the journey at once: only after a screening there, or by a command's
override with a reason; the page says what happened in the user's language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guomen.lib.errors import DomainError
from guomen.loop import services as s
from guomen.loop.models import CustodyEvent, Disposition, EventKind, State
from guomen.loop.tests.factories import person, u, who

pytestmark = pytest.mark.django_db


def arrive():
    return s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person(), origin_country="MMR")


def test_an_unscreened_person_is_not_released_and_nothing_is_written(world):
    j = arrive()
    with pytest.raises(DomainError) as err:
        s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.RELEASE)
    assert err.value.code == "not_screened" and err.value.status == 409
    j.refresh_from_db()
    assert j.state == State.AT_GATE and j.closed_at is None
    assert list(CustodyEvent.objects.filter(journey=j).values_list("kind", flat=True)) == [EventKind.ARRIVED]


def test_a_screened_person_is_released_and_the_journey_closes(world):
    j = arrive()
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.6)
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.RELEASE)
    j.refresh_from_db()
    assert j.state == State.CLOSED


def test_a_command_releases_an_unscreened_person_only_with_a_reason(world):
    j = arrive()
    s.journey_dispose(actor=who("ruili"), journey=j, disposition=Disposition.RELEASE, override_reason="外交人员，经指挥部批准")
    j.refresh_from_db()
    assert j.state == State.CLOSED


@pytest.mark.parametrize(
    ("language", "refused", "released"),
    [
        ("en", "Screen the person before releasing them at the gate.", "Released at the gate: the journey is closed."),
        ("zh-hans", "在口岸放行前，请先为此人测温筛查。", "已在口岸放行：闭环已结束。"),
    ],
)
def test_the_page_refuses_an_unscreened_release_and_says_when_a_release_closes_the_journey(client_as, language, refused, released):
    c = client_as("ruili_port")
    c.cookies["django_language"] = language
    j = arrive()
    act = reverse("loop:act", args=[j.code, "dispose"])
    r = c.post(act, {"confirm": "yes", "disposition": "release", "note": ""}, follow=True)
    assert refused in r.content.decode()
    j.refresh_from_db()
    assert j.state == State.AT_GATE
    c.post(reverse("loop:act", args=[j.code, "screen"]), {"confirm": "yes", "temperature": "36.5"})
    r = c.post(act, {"confirm": "yes", "disposition": "release", "note": ""}, follow=True)
    assert released in r.content.decode()
    j.refresh_from_db()
    assert j.state == State.CLOSED
