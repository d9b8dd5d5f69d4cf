"""People in the loop over past days: replayed from the custody events where no daily snapshot was
taken, so a fresh database shows its history on the first day."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from guomen.command import queries
from guomen.command.models import LoopSnapshot
from guomen.command.services import snapshot_take
from guomen.lib import clock
from guomen.lib.localtime import zone
from guomen.loop import services as s
from guomen.loop.models import OPEN_STATES, Disposition
from guomen.loop.tests.factories import person, u, who
from guomen.places.models import Jurisdiction

pytestmark = pytest.mark.django_db


TODAY = queries.local_today()


def ago(days: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days), time(hour, minute), tzinfo=zone())


def arrive(port: str, officer: str):
    return s.journey_arrive(actor=who(officer), unit=u(port), person=person(port), origin_country="MMR")


@pytest.fixture
def past_week(world):
    """Ruili: three arrive five days ago; one goes to the hotel three days ago; one is released (closed)
    two days ago; one declared four days ago whose arrival was undone a minute after. Mengla: one
    arrival five days ago."""
    port = who("ruili_port")
    assert queries.local_today() == TODAY, "the test began on the day before"
    with clock.at(lambda: ago(5, 9)):
        ruili = [arrive("port-ruili", "ruili_port") for _ in range(3)]
        arrive("port-mohan", "mohan_port")
    with clock.at(lambda: ago(3, 10)):
        s.journey_dispose(actor=port, journey=ruili[0], disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"))
    with clock.at(lambda: ago(3, 11)):
        s.handover_accept(actor=who("ruili_hotel"), journey=ruili[0], unit=u("c533102-hotel1"), room="501", card_code=ruili[0].code)
    with clock.at(lambda: ago(2, 10)):
        s.journey_screen(actor=port, journey=ruili[1], temperature=36.5)  # no one is released unscreened
        s.journey_dispose(actor=port, journey=ruili[1], disposition=Disposition.RELEASE)
    with clock.at(lambda: ago(4, 8)):
        declared = s.journey_declare(actor=port, port_unit=u("port-ruili"), person=person(), expected_at=ago(4, 9))
    with clock.at(lambda: ago(4, 9)):
        arrived = s.journey_arrive(actor=port, unit=u("port-ruili"), journey=declared)
    with clock.at(lambda: ago(4, 9, 1)):
        s.step_undo(actor=port, journey=arrived, seq=arrived.last_seq)


def test_a_fresh_database_shows_the_days_before_the_first_snapshot_from_the_events(past_week, client_as):
    assert not LoopSnapshot.objects.exists()
    ruili = queries.trends(Jurisdiction.objects.get(code="533102"), days=7)
    #                       6  5  4  3  2  1  today (live) days ago
    assert ruili["in_loop"] == [0, 3, 4, 4, 3, 3, 3]
    mengla = queries.trends(Jurisdiction.objects.get(code="532823"), days=7)
    assert mengla["in_loop"] == [0, 1, 1, 1, 1, 1, 1]
    province = queries.trends(Jurisdiction.objects.get(code="530000"), days=7)
    assert province["in_loop"] == [0, 4, 5, 5, 4, 4, 4]
    assert client_as("ruili").get("/command/trends.json?days=7").json()["in_loop"] == ruili["in_loop"]


def test_a_day_with_a_snapshot_reads_the_snapshot_and_the_days_before_it_the_events(past_week):
    with clock.at(lambda: ago(1, 23)):
        snapshot_take()
    LoopSnapshot.objects.filter(jurisdiction__code="533102", state="at_gate").update(n=50)  # tell the sources apart
    assert queries.trends(Jurisdiction.objects.get(code="533102"), days=7)["in_loop"] == [0, 3, 4, 4, 3, 3 - 1 + 50, 3]


@pytest.mark.parametrize("code", ["530000", "533100", "533102", "532823"])
def test_replayed_to_now_the_events_give_the_live_count(day_of_loop, past_week, code):
    node = Jurisdiction.objects.get(code=code)
    live = sum(queries.state_counts(node)[s] for s in OPEN_STATES)
    assert queries.open_by_day(node, TODAY, TODAY) == [live]
