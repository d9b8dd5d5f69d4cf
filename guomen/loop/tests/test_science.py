"""The residual-risk model reproduces the figures of the papers it is built on."""

from __future__ import annotations

import pytest

from guomen.loop import science
from guomen.loop.policy import DEMO_RULES
from guomen.loop.science import Plan, residual_risk


def test_incubation_median_and_97_5th_percentile_as_published():
    pub = science.published()
    assert round(science.incubation_quantile(0.5), 1) == pub["median_days"]["est"] == 5.1
    assert round(science.incubation_quantile(0.975), 1) == pub["p97_5_days"]["est"] == 11.5
    assert round(science.incubation_quantile(0.025), 1) == pub["p2_5_days"]["est"] == 2.2


def test_median_interval_as_published():
    pub = science.published()["median_days"]
    q = science.quantile_interval(0.5)
    assert (round(q.low, 1), round(q.high, 1)) == (pub["low"], pub["high"])


def test_101_in_10000_develop_symptoms_after_14_days():
    r = residual_risk(Plan(quarantine_days=14))
    assert round(r.per_10000) == science.published()["symptomatic_after_14_days_per_10000"]["est"] == 101
    assert r.low < r.per_10000 < r.high


def test_false_negative_rates_on_the_days_kucirka_reports():
    p = science.params()
    assert p.false_negative(1).est == 1.0
    assert (p.false_negative(4).est, p.false_negative(4).low, p.false_negative(4).high) == (0.67, 0.27, 0.94)
    assert p.false_negative(5).est == 0.38
    assert p.false_negative(8).est == 0.20
    assert p.false_negative(21).est == 0.66
    assert p.false_negative(30).est == 0.66  # held after the last reported day
    assert 0.38 > p.false_negative(6).est > 0.20  # interpolated between reported days


def test_a_test_on_the_day_of_exposure_finds_nothing():
    assert residual_risk(Plan(7, (1,))).per_10000 == pytest.approx(residual_risk(Plan(7)).per_10000)


def test_more_days_and_more_tests_leave_less_risk():
    r7 = residual_risk(Plan(7)).per_10000
    r7t = residual_risk(Plan(7, (6,))).per_10000
    r14 = residual_risk(Plan(14)).per_10000
    r14h = residual_risk(Plan(14, (), 7)).per_10000
    r_demo = residual_risk(Plan.of_rules(DEMO_RULES)).per_10000
    assert r7 > r7t > r14 > r14h > r_demo > 0


def test_home_monitoring_counts_for_release_but_not_for_leaving_the_facility():
    r = residual_risk(Plan(14, (), 7))
    assert r.leave_facility_per_10000 == pytest.approx(residual_risk(Plan(14)).per_10000)
    assert r.per_10000 == pytest.approx(residual_risk(Plan(21)).per_10000)


def test_exposure_before_arrival_shortens_the_effective_stay():
    assert residual_risk(Plan(14, exposure_day=3)).per_10000 == pytest.approx(residual_risk(Plan(16)).per_10000)


def test_plan_of_rules_keeps_test_days_inside_quarantine():
    plan = Plan.of_rules(DEMO_RULES.model_copy(update={"quarantine_days": {"low": 7, "medium": 7, "high": 7}}))
    assert plan.test_days == (1, 7)
    assert plan.person_days == 14
