"""A drill leaves every real figure of the command dashboard unchanged and is cleared completely;
step lateness is measured in the local zone, across midnight; dependencies are kept."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from guomen.alerts.models import Alert
from guomen.command import queries as command_queries
from guomen.command import services as command
from guomen.command.models import DispatchTask, TaskProgress
from guomen.emergency import queries, services
from guomen.emergency.models import ActivationState, ActivationStep, DrillEvent
from guomen.lib import clock
from guomen.lib.errors import Conflict
from guomen.lib.localtime import zone
from guomen.loop.tests.factories import who
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction, Level

pytestmark = pytest.mark.django_db


def _figures(now: datetime) -> dict[str, dict]:
    """Every figure of the command dashboard, for the province, every prefecture and every county."""
    scope = Scope.of(who("province"))
    nodes = Jurisdiction.objects.filter(level__in=[Level.PROVINCE, Level.PREFECTURE, Level.COUNTY]).order_by("path")
    return {n.code: command_queries.dashboard(scope, n, now=now).as_json() for n in nodes}


def _page_figures(client) -> dict[str, list]:
    import re

    pattern = re.compile(r'data-n="(\d+)"[^>]*\bdata-list="([^"]+)"')
    out = {}
    for code in ("530000", "532800", "532823"):
        out[code] = pattern.findall(client.get(f"/command/?j={code}").content.decode())
    return out


def _step(act, code: str) -> ActivationStep:
    return act.steps.get(step__code=code)


def test_a_drill_leaves_every_real_figure_unchanged_and_is_cleared_completely(day_of_loop, mohan_plan, client_as):
    client = client_as("province")
    start = clock.now()
    later = start + timedelta(hours=3)
    before, before_later, pages = _figures(start), _figures(later), _page_figures(client)
    alerts_before = set(Alert.objects.values_list("pk", flat=True))

    act = services.activate(actor=who("mengla"), plan=mohan_plan, exercise=True)
    assert DispatchTask.objects.filter(exercise=True).count() == 5
    for inj in act.version.injects.all():  # the whole script, played by the controller
        services.inject_play(actor=who("mengla"), activation=act, inject=inj)
    fever = act.drill_events.get(kind="arrival")
    assert fever.data["fever"] is True  # decided by the loop's policy in force
    services.step_complete(actor=who("mohan_port"), step=_step(act, "S1"), note="已电话报告")
    services.step_complete(actor=who("mohan_port"), step=_step(act, "S2"), note="通道已关闭")
    command.task_progress(actor=who("mengla_transfer"), task=_step(act, "S3").task, text="转运中")  # in progress, through the inbox
    assert _figures(start) == before
    assert _page_figures(client) == pages
    # three hours later every other step is overdue: the overdue control raises nothing for a drill
    with time_machine.travel(later):
        assert command.tasks_escalate(now=later) == 0
        assert services.injects_due(now=later) == 0  # all played already
        assert _figures(later) == before_later
    assert set(Alert.objects.values_list("pk", flat=True)) == alerts_before

    # a real activation moves the figures: the comparison would see a leak
    real = services.activate(actor=who("mengla"), plan=mohan_plan)
    assert _figures(start)["532823"]["dispatch_tasks"]["open"] == before["532823"]["dispatch_tasks"]["open"] + 5
    services.drill_clear(actor=who("mengla"), activation=act)
    with pytest.raises(Conflict):
        services.drill_clear(actor=who("mengla"), activation=real)  # never a real activation
    act.refresh_from_db()
    assert act.state == ActivationState.CLEARED
    assert not DispatchTask.objects.filter(exercise=True).exists()
    assert not TaskProgress.objects.filter(task__exercise=True).exists()
    assert not DrillEvent.objects.filter(activation=act).exists()
    assert DispatchTask.objects.filter(source_ref=str(real.public_id)).count() == 5  # real data untouched
    # the measured times stay for the evaluation
    assert [s.step.code for s in act.steps.filter(done_at__isnull=False)] == ["S1", "S2"]
    assert act.steps.get(step__code="S1").done_by.username == "mohan_port"
    services.drill_clear(actor=who("mengla"), activation=act)  # again: nothing left, nothing happens


def test_a_step_waits_for_its_dependencies(mohan_plan):
    act = services.activate(actor=who("mengla"), plan=mohan_plan, exercise=True)
    with pytest.raises(Conflict) as e:
        services.step_complete(actor=who("mengla_transfer"), step=_step(act, "S3"))
    assert e.value.code == "dependencies_open"
    services.step_complete(actor=who("mohan_port"), step=_step(act, "S2"))
    services.step_complete(actor=who("mengla_transfer"), step=_step(act, "S3"))
    with pytest.raises(Conflict):
        services.step_complete(actor=who("mengla_transfer"), step=_step(act, "S3"))


def test_only_the_step_s_unit_completes_it(mohan_plan):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    act = services.activate(actor=who("mengla"), plan=mohan_plan, exercise=True)
    with pytest.raises((PermissionDenied, Http404)):  # another port's officer does not even see the task
        services.step_complete(actor=who("ruili_port"), step=_step(act, "S1"))
    assert _step(act, "S1").done_at is None


def test_lateness_is_measured_across_midnight_in_the_local_zone(mohan_plan):
    tz = zone()
    day = clock.today()
    start = datetime(day.year, day.month, day.day, 23, 50, tzinfo=tz) + timedelta(days=1)
    with time_machine.travel(start, tick=False):
        act = services.activate(actor=who("mengla"), plan=mohan_plan, exercise=True)
    with time_machine.travel(start + timedelta(minutes=13), tick=False):  # 00:03 local: S1 (target 15 min, 00:05) on time
        services.step_complete(actor=who("mohan_port"), step=_step(act, "S1"))
    with time_machine.travel(start + timedelta(minutes=35), tick=False):  # 00:25 local: S2 (target 30 min, 00:20) late
        services.step_complete(actor=who("mohan_port"), step=_step(act, "S2"))
        rows = {r.step.step.code: r for r in queries.board(act)}
    s1, s2, s4 = rows["S1"], rows["S2"], rows["S4"]
    assert s1.target_local.date() == s2.target_local.date() == (start + timedelta(days=1)).date()
    assert (s1.target_local.hour, s1.target_local.minute) == (0, 5)
    assert s1.done and not s1.late and s1.minutes_taken == 13
    assert s2.done and s2.late and s2.minutes_taken == 35
    assert s1.who == "mohan_port"
    assert not s4.done and not s4.late and s4.elapsed_minutes == 35  # target 2 h: 01:50
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        rows = {r.step.step.code: r for r in queries.board(act)}
        assert rows["S4"].late and rows["S4"].elapsed_minutes == 180
        assert queries.board_summary(list(rows.values())) == {"steps": 5, "done": 2, "late": 4, "done_on_time": 1}
