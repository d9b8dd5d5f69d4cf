"""Health checks in batches: the same outcomes as one at a time, written a batch at once."""

from datetime import timedelta

import pytest

from guomen.alerts.models import Alert
from guomen.lib import clock as lib_clock
from guomen.loop import services as s
from guomen.loop.alerting import AlertKind
from guomen.loop.models import CustodyEvent, EventKind
from guomen.loop.tests.factories import u, who
from guomen.loop.tests.test_flows import arrive, to_facility
from guomen.loop.tests.test_single_check import assert_consistent

pytestmark = pytest.mark.django_db


def test_a_batch_answers_each_open_overdue_alert_with_the_check_that_answered_it(world):
    first, second, on_time = (to_facility(arrive(), room=f"30{n}") for n in range(3))
    later = max(first.due_at, second.due_at) + timedelta(minutes=5)
    on_time.due_at = later + timedelta(hours=1)
    on_time.save(update_fields=["due_at"])
    assert s.sweep(now=later) == 2
    items = [
        {"journey": second.code, "temperature": 36.5},
        {"journey": first.code, "temperature": 36.6},
        {"journey": second.code, "temperature": 36.7},
        {"journey": on_time.code, "temperature": 36.4},
    ]
    with lib_clock.at(lambda: later):
        out = s.health_checks_batch(actor=who("ruili_hotel"), unit=u("c533102-hotel1"), items=items)
    assert [r["ok"] for r in out] == [True] * 4
    seq = {(r["journey"], r["seq"]) for r in out}
    for j in (first, second, on_time):
        assert_consistent(j)
        assert not j.alert_open
    # Each alert is closed by the first check of its journey in the batch; the journey on time had none.
    assert (second.code, second.last_seq - 1) in seq and (first.code, first.last_seq) in seq
    closed = dict(Alert.objects.filter(kind=AlertKind.OVERDUE).values_list("ref", "closed_by_seq"))
    assert closed == {first.pk: first.last_seq, second.pk: second.last_seq - 1}
    assert not Alert.objects.filter(closed_at__isnull=True).exists()
    assert CustodyEvent.objects.filter(journey=second, kind=EventKind.HEALTH_CHECK).count() == 2
    with lib_clock.at(lambda: later):
        assert s.sweep(now=later) == 0
