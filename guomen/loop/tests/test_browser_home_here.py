"""In the browser, on a phone: the grid worker reports a returnee found in their village, screens
them, and keeps them at home under monitoring — the step the journey page puts first."""

from __future__ import annotations

from playwright.sync_api import expect

from guomen.loop.models import Journey, State
from guomen.loop.tests.factories import who
from guomen.org.models import Role


def test_the_grid_worker_keeps_a_returnee_at_home_in_the_browser(page, sign_in):
    committee = who("ruili_grid").memberships.get(role=Role.GRID_WORKER).unit
    sign_in("ruili_grid")
    page.goto(page.base_url + "/places/returnees/new/")
    page.fill("#id_name", "岩香")
    page.select_option("#id_came_from_country", "MMR")
    page.fill("#id_came_from", "木姐")
    page.locator("main form button[type=submit]").click()
    j = Journey.objects.get(person__name_native="岩香")
    page.goto(page.base_url + f"/loop/j/{j.code}/")
    expect(page.locator("#coming-from")).to_have_text("缅甸 · 木姐")
    page.fill("#screen input[name=temperature]", "36,6")
    page.locator("#screen button[type=submit]").click()
    primary = page.locator("section.step.primary")
    expect(primary).to_have_attribute("id", "home_here")
    expect(primary.locator("button[type=submit]")).to_have_text("留在本村居家健康监测")
    primary.locator("button[type=submit]").click()
    expect(page.locator("#status")).to_contain_text("居家健康监测")
    j.refresh_from_db()
    assert j.state == State.HOME_MONITORING and j.custodian == committee
