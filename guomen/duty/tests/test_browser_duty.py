"""In real Chromium: plan a patrol, upload its GPX track, see the coverage of the segment."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from .helpers import straight_segment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DATA = Path(__file__).parent / "data"


def test_county_plans_a_patrol_uploads_a_gpx_track_and_sees_the_coverage(page, sign_in):
    seg = straight_segment(km=5, lon0=97.80, lat0=24.00)  # the fixture track walks 4 km of it, 50 m off the line
    sign_in("ruili")
    page.goto(page.base_url + "/duty/patrols/")
    page.select_option("select[name=team]", "c533102-patrol")
    page.select_option("select[name=leader]", "ruili_patrol")
    page.select_option("select[name=segments]", [seg.code])
    page.fill("input[name=window_start]", "2020-04-02T08:00")
    page.fill("input[name=window_end]", "2020-04-02T14:00")
    page.click("#plan button[type=submit]")
    expect(page.locator("#patrol-status")).to_have_text("计划中")
    page.set_input_files("input[name=file]", str(DATA / "patrol.gpx"))
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    expect(page.locator(".msg.success")).to_be_visible()
    row = page.locator("#coverage .coverage-row")
    expect(row).to_have_count(1)
    share = int(row.locator(".share").inner_text().rstrip("%"))
    assert 80 <= share <= 86  # 4 km of 5 km, plus the 200 m reach at the track's end
    expect(page.locator("#patrol-status")).to_have_text("已结束")
    assert page.locator("a[href$='track.gpx']").is_visible()
    assert page.console_errors == []


def test_patrol_member_sees_my_duty_and_the_roster(page, sign_in):
    sign_in("ruili_patrol")
    assert page.locator("#panel-my-duty").is_visible()
    page.goto(page.base_url + "/duty/roster/")
    expect(page.locator("table.roster")).to_be_visible()
    assert page.console_errors == []


def test_patrol_member_starts_a_patrol_and_checks_in_with_the_phone_position(page, sign_in):
    from datetime import timedelta

    from django.utils import timezone

    from guomen.duty import services
    from guomen.duty.models import TrackPoint

    from .helpers import unit, who

    seg = straight_segment(km=5, lon0=97.80, lat0=24.00)
    now = timezone.now()
    p = services.patrol_plan(
        actor=who("ruili"), team=unit(), leader=who("ruili_patrol"), segments=[seg], window_start=now, window_end=now + timedelta(hours=4)
    )
    page.context.grant_permissions(["geolocation"], origin=page.base_url)
    page.context.set_geolocation({"latitude": 24.0004, "longitude": 97.81, "accuracy": 10})
    sign_in("ruili_patrol")
    page.goto(page.base_url + f"/duty/patrols/{p.public_id}/")
    page.click("text=开始巡逻")
    expect(page.locator("#patrol-status")).to_have_text("进行中")
    page.click("[data-checkin]")
    expect(page.locator("#checkin-status")).to_have_text("已签到。")
    point = TrackPoint.objects.get(patrol=p)
    assert abs(point.lat - 24.0004) < 1e-6 and point.accuracy == 10
    page.reload()
    expect(page.locator("#coverage .coverage-row .share")).not_to_have_text("0%")
    assert page.console_errors == []
