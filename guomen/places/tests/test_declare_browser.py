"""The public self-declaration in real Chromium: county → township → village with suggestions."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_picks_county_township_and_village_from_suggestions_and_declares(page):
    from django.core.cache import cache
    from django.utils import timezone

    from guomen.places.models import SelfDeclaration

    cache.clear()
    page.goto(page.base_url + "/login/")
    page.locator("#link-declare a").click()
    page.wait_for_url("**/places/declare/")
    expect(page.locator("#privacy-notice")).to_be_visible()
    page.fill("input[name=name]", "岩自报")
    page.fill("input[name=phone]", "13900003333")
    page.select_option("select[name=county]", "533102")
    expect(page.locator("#declare-form.gm-places-loaded")).to_have_count(1, timeout=30000)
    assert int(page.locator("#declare-form").get_attribute("data-villages")) == 47
    page.select_option("select[name=township]", "533102103")
    assert int(page.locator("#declare-form").get_attribute("data-villages")) == 4
    assert (
        "弄岛村民委员会" in page.locator("#village-options option").all_inner_texts()
        or page.locator("#village-options option[value='弄岛村民委员会']").count() == 1
    )
    page.fill("input[name=village]", "弄岛村民委员会")  # as picked from the suggestions
    page.select_option("select[name=came_from_country]", "MMR")
    page.fill("input[name=came_from]", "木姐")
    page.fill("input[name=returned_on]", (timezone.localdate() - dt.timedelta(days=1)).isoformat())
    page.click("#declare-form button[type=submit]")
    page.wait_for_url("**/places/declare/thanks/")
    assert SelfDeclaration.objects.get(name="岩自报").village.code == "533102103201"
    assert page.console_errors == []
