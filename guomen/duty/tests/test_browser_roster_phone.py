"""The roster's month on a phone: it opens at today, moves a week at a time, and the page never
scrolls sideways — in both languages, in Chromium at a phone's width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from guomen.lib import clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_SHOWN = """() => {
  const wrap = document.getElementById("roster-wrap");
  const edge = wrap.querySelector("th.post").getBoundingClientRect().right;
  return [...wrap.querySelectorAll("th.day")].find((th) => th.getBoundingClientRect().left >= edge - 2).dataset.day;
}"""


def first_shown(page, day: str) -> None:
    page.wait_for_function(f"() => ({FIRST_SHOWN})() === {day!r}", timeout=5000)


@pytest.mark.parametrize(("lang", "previous", "following"), [("zh-hans", "上一周", "下一周"), ("en", "Previous week", "Next week")])
def test_the_roster_on_a_phone_opens_at_today_and_moves_a_week_at_a_time(page, sign_in, lang, previous, following):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("ruili_patrol")
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": page.base_url}])
    page.goto(page.base_url + "/duty/roster/")

    today = page.locator("#roster-wrap th.today")
    expect(today).to_have_attribute("data-day", clock.today().isoformat())
    wrap = page.locator("#roster-wrap").bounding_box()
    post = page.locator("#roster-wrap th.post").bounding_box()
    cell = today.bounding_box()
    assert post["x"] + post["width"] - 1 <= cell["x"] and cell["x"] + cell["width"] <= wrap["x"] + wrap["width"] + 1, (cell, wrap)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390

    page.goto(page.base_url + "/duty/roster/?month=2020-04")  # 1 April 2020 was a Wednesday
    expect(page.locator("#roster-wrap th.today")).to_have_count(0)
    first_shown(page, "2020-04-01")
    page.get_by_role("button", name=following).click()
    first_shown(page, "2020-04-06")
    page.get_by_role("button", name=following).click()
    first_shown(page, "2020-04-13")
    page.get_by_role("button", name=previous).click()
    first_shown(page, "2020-04-06")
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.get_by_role("button", name=following)).to_be_hidden()  # a desktop shows the whole month
    assert page.console_errors == []
