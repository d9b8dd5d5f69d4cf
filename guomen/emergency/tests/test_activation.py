"""An activation of a 200-step plan across 50 units creates its tasks in one transaction, all or none."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guomen.command.models import DispatchTask
from guomen.emergency import services
from guomen.emergency.models import Activation
from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.loop.tests.factories import u, who
from guomen.org.models import Role, Unit

pytestmark = pytest.mark.django_db


def _big_plan(actor, owner: str, units: list[Unit]):
    plan = services.plan_create(actor=actor, code=f"big-{owner}", name_zh="大预案", owner_unit=u(owner), scenario="other")
    steps = [
        {
            "code": f"S{i + 1}",
            "kind": f"k{i % 10}",
            "title_zh": f"步骤{i + 1}",
            "role": Role.COUNTY_COMMAND,
            "unit": units[i % len(units)],
            "target_minutes": 10 + i,
            "after": [f"S{i + 1 - len(units)}"] if i >= len(units) else [],
        }
        for i in range(200)
    ]
    version = services.version_create(actor=actor, plan=plan, review_due=clock.today() + timedelta(days=30), steps=steps)
    services.version_approve(actor=actor, version=version)
    return plan


def test_a_plan_of_200_steps_across_50_units_is_activated_in_one_transaction(world):
    actor = who("province")
    units = list(Unit.objects.filter(active=True).exclude(code="yn-command").order_by("code")[:50])
    assert len(units) == 50
    plan = _big_plan(actor, "yn-command", units)
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        act = services.activate(actor=actor, plan=plan)
        took = time.perf_counter() - t
    tasks = DispatchTask.objects.filter(source_ref=str(act.public_id))
    assert tasks.count() == 200 and act.steps.count() == 200
    assert tasks.values("unit").distinct().count() == 50
    assert len(ctx.captured_queries) < 20  # set-based: not a few statements per step
    if connection.vendor == "postgresql":
        assert took < 1.0


def test_an_activation_is_all_or_nothing(world):
    """A county command whose plan names a unit out of its reach (a plan edited by the province) creates nothing."""
    mengla = who("mengla")
    plan = services.plan_create(actor=mengla, code="mixed", name_zh="混合", owner_unit=u("c532823-command"), scenario="other")
    steps = [
        {"code": "S1", "title_zh": "甲", "role": Role.PORT_OFFICER, "unit": u("port-mohan"), "target_minutes": 10},
        {"code": "S2", "title_zh": "乙", "role": Role.PORT_OFFICER, "unit": u("port-ruili"), "target_minutes": 20},
    ]
    with pytest.raises(DomainError):  # the county cannot name Ruili's port
        services.version_create(actor=mengla, plan=plan, review_due=clock.today(), steps=steps)
    version = services.version_create(actor=who("province"), plan=plan, review_due=clock.today(), steps=steps)
    services.version_approve(actor=who("province"), version=version)
    before = DispatchTask.objects.count()
    with pytest.raises(DomainError):
        services.activate(actor=mengla, plan=plan)
    assert DispatchTask.objects.count() == before and not Activation.objects.filter(plan=plan).exists()
    assert services.activate(actor=who("province"), plan=plan).steps.count() == 2


def test_bad_plans_are_refused_clearly(world):
    actor = who("mengla")
    plan = services.plan_create(actor=actor, code="bad", name_zh="坏", owner_unit=u("c532823-command"), scenario="other")
    unit = u("port-mohan")
    cyc = [
        {"code": "A", "title_zh": "甲", "role": Role.PORT_OFFICER, "unit": unit, "target_minutes": 10, "after": ["B"]},
        {"code": "B", "title_zh": "乙", "role": Role.PORT_OFFICER, "unit": unit, "target_minutes": 10, "after": ["A"]},
    ]
    for steps, code in [
        (cyc, "dependency_cycle"),
        ([{**cyc[0], "after": ["Z"]}], "unknown_dependency"),
        ([{**cyc[0], "after": [], "target_minutes": 0}], "invalid_target"),
        ([{**cyc[0], "after": [], "role": "pilot"}], "invalid_role"),
        ([], "no_steps"),
    ]:
        with pytest.raises(DomainError) as e:
            services.version_create(actor=actor, plan=plan, review_due=clock.today(), steps=steps)
        assert e.value.code == code
    assert not plan.versions.exists()
    with pytest.raises(DomainError) as e:
        services.activate(actor=actor, plan=plan)
    assert e.value.code == "no_approved_version"
