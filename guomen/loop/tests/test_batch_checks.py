"""Health checks in batches: the same outcomes as one at a time, written a batch at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

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


def _timeline(j, since):
    """What a journey went through after event ``since``, without what differs between two journeys."""
    j.refresh_from_db()
    events = CustodyEvent.objects.filter(journey=j, seq__gt=since).order_by("seq")
    steps = [(e.seq, e.kind, e.occurred_at, e.unit_id, e.data) for e in events]
    return (j.state, j.custodian_id, j.pending_unit_id, j.due_at, j.last_seq), steps


def test_a_batch_applies_each_journeys_checks_in_the_order_sent_like_one_at_a_time(world):
    """A fever then a later normal check of one journey, and normal checks of another around them:
    sent one by one and sent in one batch, the journeys end in the same state with the same events —
    the fever's offer to hospital is not overtaken by the normal check that came after it."""
    start = timezone.now()
    with lib_clock.at(lambda: start):  # the same times for all four journeys
        alone = [to_facility(arrive(), room=f"40{n}") for n in range(2)]
        batched = [to_facility(arrive(), room=f"41{n}") for n in range(2)]
    since = alone[0].last_seq
    now = max(j.due_at for j in alone + batched) - timedelta(hours=1)
    t0 = now - timedelta(minutes=30)

    def items(fevered, other):
        return [
            {"journey": other.code, "temperature": 36.5, "occurred_at": t0},
            {"journey": fevered.code, "temperature": 38.6, "occurred_at": t0 + timedelta(minutes=1)},
            {"journey": fevered.code, "temperature": 36.6, "occurred_at": t0 + timedelta(minutes=2)},
            {"journey": other.code, "temperature": 36.7, "occurred_at": t0 + timedelta(minutes=3)},
        ]

    hotel = who("ruili_hotel")
    with lib_clock.at(lambda: now):
        for item in items(*alone):
            s.health_check_by_code(actor=hotel, code=item["journey"], temperature=item["temperature"], occurred_at=item["occurred_at"])
        out = s.health_checks_batch(actor=hotel, unit=u("c533102-hotel1"), items=items(*batched))
    assert [r["ok"] for r in out] == [True] * 4
    for one_by_one, in_batch in zip(alone, batched, strict=True):
        assert _timeline(in_batch, since) == _timeline(one_by_one, since)
        assert_consistent(in_batch)
    fevered = batched[0]
    assert fevered.state == "handover_offered" and fevered.pending_unit.kind == "hospital"
    kinds = list(CustodyEvent.objects.filter(journey=fevered).order_by("seq").values_list("kind", flat=True))
    assert kinds[-3:] == [EventKind.HEALTH_CHECK, EventKind.HANDOVER_OFFERED, EventKind.HEALTH_CHECK]
