"""Control findings become alerts at the responsible unit — once each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guomen.alerts.models import Alert
from guomen.duty import services
from guomen.duty.models import TaskStatus
from guomen.duty.services import AlertKind

from .helpers import members, post, segment_in_ruili, unit, who

pytestmark = pytest.mark.django_db


def _alerts(kind, **details):
    return [a for a in Alert.objects.filter(kind=kind) if all(a.details.get(k) == v for k, v in details.items())]


def test_uncovered_hours_in_the_next_day_raise_one_alert_per_gap_to_the_responsible_unit(world):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    p = post(staffing=1)
    (a,) = members(1)
    services.shift_create(actor=who("ruili"), post=p, start=now, end=now + timedelta(hours=10), members=[a])
    services.roster_gap_alerts(now=now)
    mine = _alerts(AlertKind.ROSTER_GAP, post=p.code)
    assert len(mine) == 1
    assert mine[0].unit == p.unit
    assert mine[0].details["start"] == (now + timedelta(hours=10)).isoformat() and mine[0].details["shortfall"] == 1
    # the next run, an hour later, finds the same gap still open: no second alert
    services.roster_gap_alerts(now=now + timedelta(hours=1))
    assert len(_alerts(AlertKind.ROSTER_GAP, post=p.code)) == 1


def test_a_covered_post_raises_no_alert(world):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    p = post(staffing=1)
    a, b = members(2)
    services.shift_create(actor=who("ruili"), post=p, start=now, end=now + timedelta(hours=12), members=[a])
    services.shift_create(actor=who("ruili"), post=p, start=now + timedelta(hours=12), end=now + timedelta(hours=24), members=[b])
    services.roster_gap_alerts(now=now)
    assert _alerts(AlertKind.ROSTER_GAP, post=p.code) == []


def test_overdue_task_raises_one_alert(world):
    now = timezone.now()
    (a,) = members(1)
    t = services.task_create(actor=who("ruili"), unit=unit(), title="修复围网", due_at=now + timedelta(hours=1), assignee=a)
    services.task_overdue_alerts(now=now)
    assert _alerts(AlertKind.TASK_OVERDUE, task=str(t.public_id)) == []
    services.task_overdue_alerts(now=now + timedelta(hours=2))
    services.task_overdue_alerts(now=now + timedelta(hours=3))
    found = _alerts(AlertKind.TASK_OVERDUE, task=str(t.public_id))
    assert len(found) == 1 and found[0].unit == unit()


def test_a_task_done_in_time_raises_nothing(world):
    now = timezone.now()
    t = services.task_create(actor=who("ruili"), unit=unit(), title="巡查", due_at=now + timedelta(hours=1))
    services.task_set_status(actor=who("ruili_patrol"), task=t, status=TaskStatus.DONE)
    services.task_overdue_alerts(now=now + timedelta(hours=2))
    assert _alerts(AlertKind.TASK_OVERDUE, task=str(t.public_id)) == []


def test_planned_patrol_not_started_in_its_window_raises_an_alert_once(world):
    now = timezone.now()
    seg = segment_in_ruili()
    p = services.patrol_plan(
        actor=who("ruili"),
        team=unit(),
        leader=who("ruili_patrol"),
        segments=[seg],
        window_start=now + timedelta(hours=1),
        window_end=now + timedelta(hours=5),
    )
    started = services.patrol_plan(
        actor=who("ruili"),
        team=unit(),
        leader=who("ruili_patrol"),
        segments=[seg],
        window_start=now + timedelta(hours=1),
        window_end=now + timedelta(hours=5),
    )
    services.patrol_start(actor=who("ruili_patrol"), patrol=started, at=now + timedelta(hours=1, minutes=5))
    services.patrol_not_started_alerts(now=now + timedelta(minutes=80))  # within the grace period
    assert _alerts(AlertKind.PATROL_NOT_STARTED, patrol=str(p.public_id)) == []
    services.patrol_not_started_alerts(now=now + timedelta(hours=2))
    services.patrol_not_started_alerts(now=now + timedelta(hours=3))
    assert len(_alerts(AlertKind.PATROL_NOT_STARTED, patrol=str(p.public_id))) == 1
    assert _alerts(AlertKind.PATROL_NOT_STARTED, patrol=str(started.public_id)) == []


def test_the_periodic_task_is_registered_and_runs(world):
    from guomen.core import registry
    from guomen.duty.tasks import duty_checks

    assert any(p.task is duty_checks for p in registry.PERIODIC)
    result = duty_checks.enqueue()
    assert set(result.return_value) == {"roster_gaps", "patrols_not_started", "tasks_overdue"}
