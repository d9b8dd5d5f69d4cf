"""Choosing where a person goes among the prefecture's hundreds of village committees, in
Chromium: by county → township → village, or by searching a name in Chinese or English, in
either language of the page; the list holds only the sender's directory."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from guomen.loop import services as s
from guomen.loop.models import Journey, State
from guomen.loop.tests.factories import person, u, who
from guomen.org.models import Unit, UnitKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screened():
    j = s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person(), origin_country="MMR")
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)
    return j


def settled(page):
    """htmx has swapped the last answer in and wired its new controls (it does so as the swap settles,
    ~20 ms after the new list appears): only then does choosing in them send anything."""
    expect(page.locator("#dispose .htmx-request, #dispose .htmx-settling, #dispose .htmx-added")).to_have_count(0)


def village_options(page):
    return page.locator("#dispose select[name=to_unit] option[value^=v]")


def test_a_port_officer_finds_a_village_by_county_and_township_or_by_its_name_in_either_language(page, sign_in):
    first, second = screened(), screened()
    everywhere = Unit.objects.filter(kind=UnitKind.VILLAGE_COMMITTEE, jurisdiction__path__startswith="/530000/533100/").count()
    assert everywhere > 200  # the list the officer would otherwise scroll
    sign_in("ruili_port")

    # --- county → township → village ---
    page.goto(page.base_url + f"/loop/j/{first.code}/")
    page.select_option("#dispose select[name=disposition]", "home")
    expect(page.locator("#dispose select[name=to_unit-township]")).to_have_count(0)  # a township once the county is chosen
    page.select_option("#dispose select[name=to_unit-county]", "533102")
    township = page.locator("#dispose select[name=to_unit-township]")
    expect(township.locator("option[value='533102103']")).to_have_text("弄岛镇")
    settled(page)
    township.select_option("533102103")
    expected = Unit.objects.filter(kind=UnitKind.VILLAGE_COMMITTEE, active=True, jurisdiction__path__contains="/533102103/")
    expect(village_options(page)).to_have_count(expected.count())
    codes = village_options(page).evaluate_all("os => os.map(o => o.value)")
    assert sorted(codes) == sorted(expected.values_list("code", flat=True)) and 0 < len(codes) < 30
    page.select_option("#dispose select[name=to_unit]", codes[0])
    page.locator("#dispose button[type=submit]").click()
    expect(page.locator("#status")).to_contain_text(Unit.objects.get(code=codes[0]).name_zh)
    first.refresh_from_db()
    assert first.state == State.HANDOVER_OFFERED and first.pending_unit.code == codes[0]

    # --- a name searched, in Chinese on a Chinese page ---
    page.goto(page.base_url + f"/loop/j/{second.code}/")
    page.fill("#dispose input[name=to_unit-q]", "友谊社区")
    friendship = Unit.objects.get(code="v533102001001")
    expect(village_options(page)).to_have_count(1)
    expect(village_options(page)).to_have_text(friendship.name_zh)

    # --- in English, by the English name or the Chinese one ---
    page.select_option("#lang-select", "en")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(page.base_url + f"/loop/j/{second.code}/")
    page.select_option("#dispose select[name=disposition]", "home")
    page.fill("#dispose input[name=to_unit-q]", "youyi community")
    expect(village_options(page)).to_have_text([friendship.name_en])
    expect(page.locator("#dispose .dest-count")).to_have_text(re.compile(r"^1 unit found"))
    page.fill("#dispose input[name=to_unit-q]", "no such place")
    expect(village_options(page)).to_have_count(0)
    expect(page.locator("#dispose .dest-count")).to_contain_text("No unit matches")
    page.fill("#dispose input[name=to_unit-q]", "友谊")
    expect(village_options(page).first).to_have_text(friendship.name_en)
    page.select_option("#dispose select[name=to_unit]", friendship.code)
    page.locator("#dispose button[type=submit]").click()
    expect(page.locator("#status")).to_contain_text(friendship.name_en)
    assert Journey.objects.get(pk=second.pk).pending_unit == friendship
    assert page.console_errors == []
