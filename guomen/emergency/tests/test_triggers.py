"""A trigger rule fires exactly once per matching situation; a suggestion is activated or dismissed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from guomen.alerts.models import Alert
from guomen.core import registry
from guomen.emergency import services, triggers
from guomen.emergency.models import FiringState, Plan, TriggerFiring, TriggerKind
from guomen.lib import clock
from guomen.lib.errors import Conflict, DomainError
from guomen.loop import services as s
from guomen.loop.tests.factories import person, u, who

pytestmark = pytest.mark.django_db


def _positive_at_mohan(name: str = "玉罕罕"):
    j = s.journey_arrive(actor=who("mohan_port"), unit=u("port-mohan"), person=person("port-mohan", name=name), origin_country="LAO")
    s.journey_sample(actor=who("mohan_port"), journey=j, sample_id=f"S-{j.code}")
    s.journey_test_result(actor=who("mohan_port"), journey=j, sample_id=f"S-{j.code}", result="positive")
    return j


def test_a_positive_at_the_port_suggests_the_plan_exactly_once_per_port_and_day(mohan_plan):
    assert triggers.evaluate() == 0  # nothing yet
    _positive_at_mohan()
    assert triggers.evaluate() == 1
    assert triggers.evaluate() == 0  # the same situation, evaluated again
    _positive_at_mohan("岩香")  # a second positive the same day at the same port: the same situation
    assert triggers.evaluate() == 0
    firing = TriggerFiring.objects.get(plan=mohan_plan)
    assert firing.state == FiringState.SUGGESTED and firing.situation["positives"] == 1
    alerts = Alert.objects.filter(kind=triggers.ALERT_KIND)
    assert alerts.count() == 1 and alerts.get().unit.code == "c532823-command"
    with time_machine.travel(clock.now() + timedelta(days=1)):
        assert triggers.evaluate() == 0  # a new day without a positive: no situation
        _positive_at_mohan("岩温")
        assert triggers.evaluate() == 1  # a new day, a new positive: a new situation
        assert triggers.evaluate() == 0
    assert TriggerFiring.objects.filter(plan=mohan_plan).count() == 2


def test_two_workers_evaluating_at_once_fire_once(mohan_plan):
    _positive_at_mohan()
    now = clock.now()
    [(key, details)] = triggers._situations(mohan_plan, now)
    assert triggers.fire(mohan_plan, key, details, now) is not None
    assert triggers.fire(mohan_plan, key, details, now) is None
    assert TriggerFiring.objects.count() == 1


def test_the_command_activates_or_dismisses_a_suggestion_with_a_reason(mohan_plan):
    _positive_at_mohan()
    triggers.evaluate()
    firing = TriggerFiring.objects.get()
    with pytest.raises(DomainError):
        services.firing_dismiss(actor=who("mengla"), firing=firing, reason="")  # a reason is required
    act = services.firing_activate(actor=who("mengla"), firing=firing)
    assert act.steps.count() == 5 and not act.exercise
    firing.refresh_from_db()
    assert firing.state == FiringState.ACTIVATED and firing.alert.closed_at is not None
    with pytest.raises(Conflict):
        services.firing_dismiss(actor=who("mengla"), firing=firing, reason="重复")


def _partner_notice_plan():
    actor = who("mengla")
    plan = services.plan_create(
        actor=actor,
        code="mengla-partner-notice",
        name_zh="老挝通报病例预案",
        owner_unit=u("c532823-command"),
        scenario="port_positive",
        trigger_kind=TriggerKind.PARTNER_NOTICE,
    )
    steps = [{"code": "S1", "title_zh": "核查通报", "role": "county_command", "unit": u("c532823-command"), "target_minutes": 30}]
    services.version_approve(actor=actor, version=services.version_create(actor=actor, plan=plan, review_due=clock.today(), steps=steps))
    return plan


def test_a_partner_case_notice_through_the_registry_hook_fires_once_per_notice(mohan_plan):
    _partner_notice_plan()
    payload = {"jurisdiction_code": "532823", "reference": "LAO-2026-001", "summary": "琅南塔省通报一例"}
    assert registry.call("partner_case_notice", **payload) == [1]
    assert registry.call("partner_case_notice", **payload) == [0]
    assert registry.call("partner_case_notice", **{**payload, "reference": "LAO-2026-002"}) == [1]
    assert registry.call("partner_case_notice", **{**payload, "jurisdiction_code": "533102"}) == [0]  # outside the plan
    assert Plan.objects.get(code="mengla-partner-notice").firings.count() == 2


def test_a_signed_case_notice_applied_by_the_exchange_suggests_the_plan_once(world, django_capture_on_commit_callbacks):
    from guomen.exchange import signing
    from guomen.exchange.tests.helpers import case_body, message, partner, post

    plan = _partner_notice_plan()
    _p, private = partner("la-luangnamtha", ports=("port-mohan",))
    first = signing.sign(private, message("case_notice", case_body(), sender="la-luangnamtha"))
    with django_capture_on_commit_callbacks(execute=True):
        assert post(first)[0] == 200
    firing = plan.firings.get()
    assert firing.situation["jurisdiction"] == "532823" and "入境后核酸阳性" in firing.situation["summary"]
    assert Alert.objects.filter(kind=triggers.ALERT_KIND, unit__code="c532823-command").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert post(first)[0] == 200  # the partner resends the same message: applied once, suggested once
    assert plan.firings.count() == 1
    named = case_body()
    named["port"] = "port-ruili"  # a notice naming another county's port is not this plan's
    with django_capture_on_commit_callbacks(execute=True):
        assert post(signing.sign(private, message("case_notice", named, sender="la-luangnamtha")))[0] == 200
    assert plan.firings.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert post(signing.sign(private, message("case_notice", case_body(), sender="la-luangnamtha")))[0] == 200
    assert plan.firings.count() == 2  # a second notice: a second situation


def _in_hotel(n: int):
    from guomen.loop.models import Disposition

    out = []
    for i in range(n):
        j = s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person("port-ruili", name="王芳"), origin_country="MMR")
        s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"))
        s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=u("c533102-hotel1"), room=f"2{i:02d}", card_code=j.code)
        out.append(j)
    return out


def test_n_fevers_at_one_facility_within_24_hours_fire_once(all_plans):
    from guomen.loop.models import Journey

    journeys = _in_hotel(4)
    for j in journeys[:2]:
        s.health_check(actor=who("ruili_hotel"), journey=Journey.objects.get(pk=j.pk), temperature=38.4)
    s.health_check(actor=who("ruili_hotel"), journey=Journey.objects.get(pk=journeys[3].pk), temperature=36.6)
    assert triggers.evaluate() == 0  # two fevers: under the plan's three
    s.health_check(actor=who("ruili_hotel"), journey=Journey.objects.get(pk=journeys[2].pk), temperature=38.9)
    assert triggers.evaluate() == 1
    assert triggers.evaluate() == 0
    firing = TriggerFiring.objects.get(plan__code="ruili-village-cluster")
    assert firing.situation["fevers_24h"] == 3 and firing.situation["unit"] == "c533102-hotel1"
    with time_machine.travel(clock.now() + timedelta(hours=25)):
        assert triggers.evaluate() == 0  # the fevers are older than 24 h


def test_the_forecast_warning_that_a_county_runs_out_suggests_the_surge_plan_once(all_plans):
    from guomen.command import forecast
    from guomen.loop.models import Disposition
    from guomen.places.models import Jurisdiction

    mengla = Jurisdiction.objects.get(code="532823")
    surge = Plan.objects.get(code="mengla-capacity-surge")
    assert surge.trigger_kind == TriggerKind.CAPACITY_FORECAST
    assert triggers.evaluate() == 0 and forecast.county_forecast(mengla).runs_out_on is None
    for i, name in enumerate(("岩罕", "玉喃")):
        j = s.journey_arrive(actor=who("mohan_port"), unit=u("port-mohan"), person=person("port-mohan", name=name), origin_country="LAO")
        s.journey_dispose(actor=who("mohan_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c532823-hotel1"))
        s.handover_accept(actor=who("mengla_hotel"), journey=j, unit=u("c532823-hotel1"), room=f"30{i}", card_code=j.code)
    assert triggers.evaluate() == 0  # two people, rooms enough
    for unit in mengla.units.filter(kind="quarantine_facility"):  # then rooms are withdrawn
        unit.capacity = 1 if unit.code == "c532823-hotel1" else 0
        unit.save(update_fields=["capacity"])
    today = clock.today()
    assert forecast.county_forecast(mengla).runs_out_on == today  # the command's own warning
    assert triggers.evaluate() == 1
    assert triggers.evaluate() == 0  # the same county, the same day: the same situation
    firing = TriggerFiring.objects.get(plan=surge)
    assert firing.situation["county"] == "532823" and firing.situation["runs_out_on"] == today.isoformat()
    assert firing.situation["capacity"] == 1 and firing.situation["peak_rooms"] >= 2
    assert Alert.objects.get(kind=triggers.ALERT_KIND).unit.code == "c532823-command"
    act = services.firing_activate(actor=who("mengla"), firing=firing)
    assert [a.step.code for a in act.steps.all()] == ["S1", "S2"]
    surge.trigger_threshold = 1  # only a county that runs out within a day... which is today: still a situation
    surge.save(update_fields=["trigger_threshold"])
    with time_machine.travel(clock.now() + timedelta(days=1)):
        assert triggers.evaluate() == 1  # a new day while the county still runs out: the command is asked again
