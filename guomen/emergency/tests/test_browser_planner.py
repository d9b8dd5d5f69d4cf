"""The planner's pages in Chromium: the Mengla county command makes a plan, writes its steps (a
dependency going round in a circle is refused with the reason and nothing is saved), approves the
version and starts a drill from it; the command dashboard shows the plan's readiness; a suggestion
raised by the quarantine forecast is dismissed with a reason. A journey page links its FHIR R4
health record, which downloads as a Bundle."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from guomen.emergency import triggers
from guomen.emergency.demo import build, plans_spec
from guomen.emergency.models import Activation, FiringState, Plan, PlanVersion, TriggerFiring
from guomen.lib import clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_row(page, i, **values):
    for name, value in values.items():
        sel = f"[name=s-{i}-{name}]"
        if name == "role":
            page.select_option(sel, value)
        else:
            page.fill(sel, value)


def test_a_plan_is_made_written_approved_and_drilled_from_its_pages(page, sign_in):
    base = page.base_url
    sign_in("mengla")
    page.goto(base + "/emergency/")
    page.locator("#plan-new-link").click()
    page.fill("[name=code]", "mengla-lane-fever")
    page.fill("[name=name_zh]", "磨憨口岸发热旅客应急预案")
    page.fill("[name=name_en]", "Traveller with fever at Mohan")
    page.select_option("[name=scenario]", "port_positive")
    page.fill("[name=facility]", "port-mohan")
    page.locator("#plan-create").click()
    expect(page.locator("#plan-title")).to_have_text("磨憨口岸发热旅客应急预案")

    fill_row(page, 0, code="S1", kind="isolate_lane", title_zh="封闭通道", role="port_officer", unit="port-mohan", target_minutes="30",
             after="S2", checklist="设置警戒线\n通知海关")  # fmt: skip
    fill_row(page, 1, code="S2", kind="notify_command", title_zh="报告县指挥部", role="county_command", unit="c532823-command",
             target_minutes="15", after="S1")  # fmt: skip
    page.locator("#version-save").click()
    expect(page.locator("#errors")).to_contain_text("循环")  # S1 after S2 after S1
    expect(page.locator("[name=s-0-title_zh]")).to_have_value("封闭通道")  # the input is kept
    assert not PlanVersion.objects.filter(plan__code="mengla-lane-fever").exists()

    page.fill("[name=s-1-after]", "")
    page.fill("[name=s-0-after]", "S2")
    page.fill("[name=i-0-offset_minutes]", "5")
    page.select_option("[name=i-0-kind]", "arrival")
    page.fill("[name=i-0-text_zh]", "一名发热旅客抵达通道")
    page.fill("[name=i-0-temperature]", "38.7")
    page.locator("#version-save").click()
    expect(page.locator("#version-1")).to_contain_text("草稿")
    expect(page.locator("#shown-S1")).to_contain_text("设置警戒线")
    page.locator("#approve-1").click()
    expect(page.locator("#version-1")).to_contain_text("生效")
    v = PlanVersion.objects.get(plan__code="mengla-lane-fever")
    assert v.approved_by.username == "mengla" and [s.code for s in v.steps.get(code="S1").depends_on.all()] == ["S2"]

    page.goto(base + "/emergency/")
    page.locator("#drill-mengla-lane-fever").click()
    expect(page.locator("#exercise-badge")).to_be_visible()
    expect(page.locator("#step-S1")).to_contain_text("通知海关")
    page.locator("#inject-1").click()
    expect(page.locator("#drill-events .badge")).to_contain_text("38.7")
    assert Activation.objects.get().steps.count() == 2

    page.goto(base + "/command/")
    row = page.locator("#readiness-plans [data-plan=mengla-lane-fever]")
    expect(row).to_contain_text("v1")
    expect(row.locator("[data-on-time]")).to_have_text("0 / 2")
    expect(page.locator("#emergency-readiness [data-figure=drills_quarter]")).to_have_text("1")
    assert all("422" in e for e in page.console_errors)  # only the refused version answered 422


def test_a_forecast_suggestion_is_dismissed_with_a_reason(page, sign_in):
    from guomen.command import forecast
    from guomen.places.models import Jurisdiction

    surge = build(plans_spec()[3])
    county = Jurisdiction.objects.get(code="532823")
    [f] = forecast.forecast(county)
    situation = {"county": "532823", "day": f.days[0].isoformat(), "runs_out_on": f.days[0].isoformat(), "peak_rooms": 9, "capacity": 4}
    firing = triggers.fire(surge, f"532823:{f.days[0]}", situation, clock.now())
    sign_in("mengla")
    page.goto(page.base_url + "/emergency/")
    item = page.locator(f"#firing-{firing.public_id}")
    expect(item).to_contain_text("532823")
    item.locator("button[value=suggestion_dismiss]").click()
    expect(page.locator(".msg.error")).to_contain_text("为必填项")  # a reason is required
    item = page.locator(f"#firing-{firing.public_id}")
    item.locator("input[name=reason]").fill("州指挥部已调配备用隔离点")
    item.locator("button[value=suggestion_dismiss]").click()
    expect(item).to_contain_text("州指挥部已调配备用隔离点")
    assert TriggerFiring.objects.get().state == FiringState.DISMISSED
    assert Plan.objects.get(code="mengla-capacity-surge").activations.count() == 0


def test_the_journey_page_links_its_fhir_record(page, sign_in):
    from guomen.loop import services as s
    from guomen.loop.tests.factories import person, u, who

    j = s.journey_arrive(actor=who("mohan_port"), unit=u("port-mohan"), person=person("port-mohan", name="岩罕"), origin_country="LAO")
    sign_in("mohan_port")
    page.goto(page.base_url + f"/loop/j/{j.code}/")
    with page.expect_download() as info:
        page.locator("#fhir-link").click()
    bundle = json.loads(open(info.value.path(), encoding="utf-8").read())  # noqa: SIM115
    assert bundle["resourceType"] == "Bundle"
    patients = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert len(patients) == 1 and any(i["value"] == j.code for i in patients[0]["identifier"])
