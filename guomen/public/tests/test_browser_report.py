"""In real Chromium, on a phone: a resident reports a crossing in Burmese, the county assigns it to
the segment's named person, the patrol resolves it, the county verifies, the resident sees "closed"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import point_on, ruili_segment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BURMESE_CLOSED = "ပိတ်သိမ်းပြီး"


def _tap_on_map(page, lat: float, lon: float) -> None:
    xy = page.evaluate(
        "([lat, lon]) => { const m = document.getElementById('pick-map').gmMap; m.setView([lat, lon], 15, {animate: false});"
        " const p = m.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon],
    )
    page.locator("#pick-map").click(position={"x": xy[0], "y": xy[1]})


def test_resident_reports_a_crossing_in_burmese_and_follows_it_to_closed(page, sign_in):
    from guomen.lib import clock
    from guomen.public.models import CitizenReport

    seg = ruili_segment()
    lat, lon = point_on(seg)
    person = seg.responsible_person

    # The resident, on a phone, in Burmese.
    page.goto(page.base_url + "/public/report/?lang=my")
    expect(page.locator("h1")).to_contain_text("သတင်းပို့")
    page.check("input[name=kind][value=crossing]")
    page.fill("textarea[name=what]", "လူနှစ်ယောက် မြစ်ကို ဖြတ်ကူးလာသည်")
    local = clock.now().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    page.fill("input[name=occurred_at]", local.strftime("%Y-%m-%dT%H:%M"))
    _tap_on_map(page, lat, lon)
    expect(page.locator("#picked")).to_contain_text(f"{lat:.5f}"[:5])
    page.wait_for_timeout(2100)  # a person takes a moment: the form's time check
    page.click("#send-report")
    code = page.locator("#report-code").inner_text().strip()
    r = CitizenReport.objects.get(code=code)
    assert r.language == "my" and r.segment_id == seg.pk

    # The county checks it and assigns it to the segment's named person.
    page.context.clear_cookies()
    sign_in("ruili")
    page.goto(page.base_url + f"/public/office/reports/{code}/")
    page.click("#do-check")
    expect(page.locator("#proposal")).to_contain_text(person.get_full_name() or person.username)
    page.click("#do-assign")
    expect(page.locator("#report-status")).to_have_text("已指派")

    # The patrol member takes it and resolves it.
    page.context.clear_cookies()
    sign_in(person.username)
    page.goto(page.base_url + f"/public/office/reports/{code}/")
    page.click("#do-start")
    page.fill("#note-r", "两人已在河边拦截，移交县指挥部")
    page.click("#do-resolve")
    expect(page.locator("#report-status")).to_have_text("已处置")

    # The county verifies and closes.
    page.context.clear_cookies()
    sign_in("ruili")
    page.goto(page.base_url + f"/public/office/reports/{code}/")
    page.click("#do-verify")
    expect(page.locator("#report-status")).to_have_text("已办结")

    # The resident follows it with the code: closed, and nobody's name or phone shown.
    page.context.clear_cookies()
    page.goto(page.base_url + f"/public/report/status/?lang=my&code={code}")
    expect(page.locator("#report-status")).to_have_text(BURMESE_CLOSED)
    body = page.locator("main").inner_text()
    assert person.username not in body and (person.get_full_name() or "§") not in body
    assert page.console_errors == []


def test_port_notice_is_linked_from_the_public_map(page):
    from django.contrib.auth import get_user_model

    from guomen.places.models import Passage
    from guomen.public import services

    users = get_user_model().objects
    port = Passage.objects.filter(code__icontains="ruili", lat__isnull=False).first()
    b = services.bulletin_draft(
        actor=users.get(username="info"),
        topic="port",
        passage=port,
        title_zh="瑞丽口岸暂停客运",
        title_en="Ruili port closed",
        body_zh="暂停旅客通关。",
        body_en="Closed to passengers.",
    )
    services.bulletin_approve(
        actor=users.get(username="info2"), bulletin=services.bulletin_submit(actor=users.get(username="info"), bulletin=b)
    )
    page.goto(page.base_url + "/public/")
    marker = page.locator("#notices-map .leaflet-marker-icon")
    expect(marker).to_have_count(1)
    link = page.locator("#notices-map .notice-link")
    target = re.compile(rf"/bulletins/{b.public_id}/?$")
    for _ in range(5):  # a click while the map is still settling (opening, panning to the popup) may not land: again
        marker.click()
        try:
            expect(link).to_be_visible(timeout=3_000)
            expect(link).to_have_attribute("href", target)
            link.click()
            expect(page).to_have_url(target, timeout=10_000)
            break
        except AssertionError:
            if target.search(page.url):
                break
            continue
    expect(page).to_have_url(target, timeout=30_000)
    expect(page.locator("h1")).to_have_text("瑞丽口岸暂停客运", timeout=15_000)
    assert page.console_errors == []
