"""In real Chromium: sign in, see the role's home page, switch the language.

The strict CSP forbids eval, so waits use Playwright's `expect`, never `wait_for_function`."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_county_officer_signs_in_sees_home_and_switches_language(page, sign_in):
    sign_in("ruili")
    assert page.locator("#panel-jurisdiction-533102").is_visible()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "欢迎" in page.locator("h1").inner_text()
    page.select_option("#lang-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "Welcome" in page.locator("h1").inner_text()
    # Units within reach: Ruili's, not Mohan's.
    page.goto(page.base_url + "/org/units/?kind=port_health_station")
    body = page.locator("main").inner_text()
    assert "Ruili Port" in body and "Mohan" not in body
    assert page.console_errors == []


def test_unit_search_narrows_the_list_with_htmx(page, sign_in):
    sign_in("dehong")
    page.goto(page.base_url + "/org/units/")
    page.fill("#unit-q", "port-zhangfeng")
    expect(page.locator("#unit-rows tbody tr")).to_have_count(1)
    assert "port-zhangfeng" in page.locator("#unit-rows").inner_text()
    assert "q=port-zhangfeng" in page.url
    assert page.console_errors == []
