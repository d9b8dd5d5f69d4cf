"""Readiness figures for the command, the script's timeline, the demo plans."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from guomen.command import services as command
from guomen.emergency import demo, queries, services
from guomen.emergency.models import Plan, PlanVersion
from guomen.lib import clock
from guomen.lib.localtime import zone
from guomen.loop.tests.factories import u, who
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

pytestmark = pytest.mark.django_db


def test_readiness_figures(all_plans, client_as):
    mohan, cluster = all_plans[0], all_plans[1]
    scope = Scope.of(who("province"))
    assert queries.readiness(scope)["plans_review_overdue"] == 0
    PlanVersion.objects.filter(plan=cluster).update(review_due=clock.today() - timedelta(days=1))
    first = services.activate(actor=who("mengla"), plan=mohan, exercise=True)
    services.step_complete(actor=who("mohan_port"), step=first.steps.get(step__code="S1"))
    with time_machine.travel(clock.now() + timedelta(minutes=20)):
        second = services.activate(actor=who("mengla"), plan=mohan, exercise=True)
    with time_machine.travel(clock.now() + timedelta(minutes=50)):  # 30 minutes after the second one began
        services.step_complete(actor=who("mohan_port"), step=second.steps.get(step__code="S1"))
    services.activate(actor=who("ruili"), plan=cluster, exercise=True)
    services.activate(actor=who("mengla"), plan=mohan)  # real: not a drill
    item = services.improvement_add(
        actor=who("mengla"), activation=first, text="备用电话", owner_unit=u("port-mohan"), due_at=clock.now() + timedelta(days=7)
    )
    r = queries.readiness(scope)
    assert r["plans_review_overdue"] == 1
    assert r["drills_quarter"] == 3
    assert sorted(r["drills_per_county"].values()) == [1, 2]  # Mengla twice, Ruili once
    assert r["improvements_open"] == 1
    assert r["median_minutes_by_kind"]["notify_command"] == pytest.approx(15, abs=0.5)  # median of ~0 and 30 minutes
    # For a place, each drill and its done steps come in one statement (a drill with none, a drill with several): the same figures.
    assert queries.readiness(scope, Jurisdiction.objects.get(code="530000")) == r
    assert queries.readiness(Scope.of(who("ruili")))["improvements_open"] == 0  # another county's items
    command.task_progress(actor=who("mohan_port"), task=item.task, text="已配备", state="done")
    assert queries.readiness(scope)["improvements_open"] == 0  # followed until closed
    with time_machine.travel(clock.now() + timedelta(days=100)):
        assert queries.readiness(scope)["drills_quarter"] == 0
    page = client_as("mengla").get("/").content.decode()
    assert 'data-figure="improvements_open"' in page and 'data-figure="plans_review_overdue"' in page


def test_the_script_plays_on_its_timeline(mohan_plan):
    act = services.activate(actor=who("mengla"), plan=mohan_plan, exercise=True)
    start = act.started_at
    assert services.injects_due(now=start + timedelta(minutes=9)) == 0
    assert services.injects_due(now=start + timedelta(minutes=10)) == 1  # +10: the traveller with fever at Mohan
    assert services.injects_due(now=start + timedelta(minutes=11)) == 0  # once
    assert services.injects_due(now=start + timedelta(minutes=45)) == 1  # +40: the hotel's positive result
    assert [e.kind for e in act.drill_events.all()] == ["arrival", "result"]
    real = services.activate(actor=who("mengla"), plan=mohan_plan)
    assert services.injects_due(now=start + timedelta(hours=2)) == 0 and not real.drill_events.exists()  # never in a real activation


def test_the_demo_plans_for_the_four_scenarios_load_once(world):
    assert demo.generate_demo_plans() == 4
    assert demo.generate_demo_plans() == 0
    plans = Plan.objects.filter(is_demo=True)
    assert sorted(p.scenario for p in plans) == ["capacity_surge", "mass_crossing", "port_positive", "village_cluster"]
    assert all(p.name_zh and p.name_en and p.current_version() for p in plans)


def test_readiness_on_the_command_dashboard(all_plans, client_as):
    mohan = all_plans[0]
    drill = services.activate(actor=who("mengla"), plan=mohan, exercise=True)
    with time_machine.travel(clock.now() + timedelta(minutes=20)):  # S1's target is 15 minutes: late
        services.step_complete(actor=who("mohan_port"), step=drill.steps.get(step__code="S1"))
    services.improvement_add(
        actor=who("mengla"), activation=drill, text="备用电话", owner_unit=u("port-mohan"), due_at=clock.now() + timedelta(days=7)
    )
    PlanVersion.objects.filter(plan=all_plans[3]).update(review_due=clock.today() - timedelta(days=1))
    page = client_as("mengla").get("/command/").content.decode()
    block = page[page.index('id="emergency-readiness"') :]
    assert 'data-figure="improvements_open">1<' in block and 'data-figure="drills_quarter">1<' in block
    assert 'data-figure="plans_review_overdue">1<' in block
    row = block[block.index('data-plan="mohan-port-positive"') :]
    assert drill.started_at.astimezone(zone()).strftime("%Y-%m-%d") in row.split("</tr>")[0] and "0 / 5" in row.split("</tr>")[0]
    kind = block[block.index('data-kind="notify_command"') :].split("</tr>")[0]
    assert "badge bad" in kind and "15" in kind  # measured ~20 minutes against a 15-minute target
    assert 'data-plan="ruili-village-cluster"' not in block  # another county's plans stay out of Mengla's dashboard
    assert 'data-plan="ruili-village-cluster"' in client_as("dehong").get("/command/").content.decode()
    assert 'id="emergency-readiness"' not in client_as("mohan_port").get("/command/").content.decode()
