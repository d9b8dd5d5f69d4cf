"""A whole journey in Chromium: port → transfer team → quarantine hotel → village → closed.

The handovers and the closure are done in the browser by the people who do them; the 14 days of
facility checks and the 7 days of home checks are recorded through the services with the clock
moved (time_machine moves it for the live server's thread too, so the browser steps that need the
days served run inside a travel block).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from guomen.alerts.models import Alert
from guomen.loop import services as s
from guomen.loop.models import Journey, State
from guomen.loop.tests.factories import u, who

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MRZ = "P<MMRAI<<WEN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nMC24680132MMR8803023M3106305<<<<<<<<<<<<<<02"


def sign_out(page):
    page.goto(page.base_url + "/")
    page.locator("details.menu.user summary").click()
    page.locator("details.menu.user button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/login/.*"))


def switch(page, sign_in, username):
    sign_out(page)
    sign_in(username)


def test_a_person_goes_from_the_port_to_quarantine_to_the_village_to_closure_in_the_browser(page, sign_in):
    base = page.base_url
    # --- the port: register the arrival, screen, decide quarantine via the transfer team ---
    sign_in("ruili_port")
    page.goto(base + "/loop/port/register/")
    # the passport's machine-readable zone fills the form (people's reader + our register.js)
    page.fill("#mrz-text", MRZ)
    page.locator("#mrz-box button").click()
    expect(page.locator("#id_doc_number")).to_have_value("MC2468013")
    expect(page.locator("#id_nationality")).to_have_value("MMR")
    expect(page.locator("#id_birth_date")).to_have_value("1988-03-02")
    expect(page.locator("#id_sex")).to_have_value("M")
    expect(page.locator("#id_doc_valid_until")).to_have_value("2031-06-30")
    page.fill("#id_name_native", "岩温")
    page.fill("#id_phone", "+95 9 555 0101")
    page.fill("#id_origin_place", "Muse 木姐")
    page.locator("#register-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/loop/j/GM[A-Z0-9]{8}/$"))
    code = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.locator("#status")).to_contain_text("MMR")
    page.locator("#document button[type=submit]").click()
    expect(page.locator("#findings")).to_be_visible()
    page.fill("#screen input[name=temperature]", "36.5")
    page.locator("#screen button[type=submit]").click()
    expect(page.locator("#timeline li")).to_have_count(3)
    page.select_option("#dispose select[name=disposition]", "quarantine")
    page.fill("#dispose input[name=to_unit-q]", "1号酒店")  # the destination searched by name
    expect(page.locator("#dispose .dest-count")).to_be_visible()  # the narrowed list is in (the whole one has no count)
    expect(page.locator("#dispose .htmx-request, #dispose .htmx-settling, #dispose .htmx-added")).to_have_count(0)
    expect(page.locator("#dispose select[name=to_unit] option[value='c533102-hotel1']")).to_have_text(u("c533102-hotel1").name_zh)
    page.select_option("#dispose select[name=to_unit]", "c533102-hotel1")
    page.fill("#dispose input[name=via_unit]", "c533102-transfer")
    page.locator("#dispose button[type=submit]").click()
    expect(page.locator("#status")).to_contain_text(u("c533102-transfer").name_zh)  # the browser reads Chinese
    assert Journey.objects.get(code=code).state == State.HANDOVER_OFFERED
    page.goto(base + f"/loop/j/{code}/card/")
    expect(page.locator("#loop-card svg")).to_be_visible()
    card_code = page.locator("#loop-code").inner_text().strip()
    assert card_code == code

    # --- the transfer team types the card's code, then offers the person at the hotel ---
    switch(page, sign_in, "ruili_transfer")
    page.goto(base + "/loop/accept/")
    page.fill("#id_code", card_code.lower())
    page.locator("#scan-form button[type=submit]").click()
    page.wait_for_url(base + f"/loop/j/{code}/")
    assert Journey.objects.get(code=code).state == State.IN_TRANSIT
    page.goto(base + "/loop/transfer/")
    transit = page.locator("#transit")
    expect(transit).to_contain_text(code)
    expect(transit.locator("select[name=to_unit]")).to_have_value("c533102-hotel1")
    transit.locator("button[type=submit]").click()
    expect(page.locator("#handed")).to_contain_text(code)

    # --- the hotel checks the person in to room 101 ---
    switch(page, sign_in, "ruili_hotel")
    page.goto(base + "/loop/facility/")
    offered = page.locator("#offered")
    expect(offered).to_contain_text(code)
    offered.locator("input[name=room]").fill("101")
    offered.locator("input[name=card_code]").fill(code)
    offered.locator("button[type=submit]").click()
    expect(page.locator("#rooms-c533102-hotel1")).to_contain_text("101")
    j = Journey.objects.get(code=code)
    assert j.state == State.IN_FACILITY and j.room == "101"

    # --- 14 days of checks and the three tests, through the services ---
    hotel = who("ruili_hotel")
    qstart = datetime.fromisoformat(j.facts["quarantine_started_at"])
    for day in range(14):
        for half in (1, 13):
            with time_machine.travel(qstart + timedelta(days=day, hours=half), tick=False):
                s.health_check(actor=hotel, journey=j, temperature=36.6)
                if day + 1 in (1, 7, 13) and half == 1:
                    s.journey_test_result(actor=hotel, journey=j, sample_id=f"D{day + 1}", result="negative")

    village = who("ruili_grid").memberships.get().unit
    with time_machine.travel(qstart + timedelta(days=14, minutes=5), tick=True):
        # --- the hotel releases and hands over to the home village ---
        sign_in("ruili_hotel")  # the session of two weeks ago has expired
        page.goto(base + "/loop/facility/")
        releases = page.locator("#releases-c533102-hotel1")
        expect(releases).to_contain_text(code)
        releases.locator("button[type=submit]").click()
        page.locator("#confirm button[type=submit]").click()  # an irreversible step is asked once more
        released = page.locator("#released-c533102-hotel1")
        expect(released).to_contain_text(code)
        released.locator("select[name=to_unit]").select_option(village.code)
        released.locator("button[type=submit]").click()
        expect(page.locator("#released-c533102-hotel1")).not_to_contain_text(code)
        # --- the grid worker accepts the person into home monitoring ---
        switch(page, sign_in, "ruili_grid")
        page.goto(base + "/loop/village/")
        expect(page.locator("#offered")).to_contain_text(code)
        page.locator("#offered input[name=without_card_reason]").fill("卡片留在酒店 card left at the hotel")
        page.locator("#offered button[type=submit]").click()
        expect(page.locator("#monitoring")).to_contain_text(code)
    j.refresh_from_db()
    assert j.state == State.HOME_MONITORING and j.custodian == village

    # --- 7 days of home checks, then the closure in the browser ---
    grid = who("ruili_grid")
    mstart = datetime.fromisoformat(j.facts["monitoring_started_at"])
    for day in range(7):
        with time_machine.travel(mstart + timedelta(days=day, hours=20), tick=False):
            s.health_check(actor=grid, journey=j, temperature=36.5)
    with time_machine.travel(mstart + timedelta(days=7, minutes=2), tick=True):
        sign_in("ruili_grid")
        page.goto(base + "/loop/village/")
        closable = page.locator("#closable")
        expect(closable).to_contain_text(code)
        closable.locator("button[type=submit]").click()
        page.locator("#confirm button[type=submit]").click()
        expect(page.locator("#closable")).not_to_contain_text(code)
        page.goto(base + f"/loop/j/{code}/")
        expect(page.locator("#timeline")).to_contain_text("101")
        pdf = page.request.get(base + f"/loop/j/{code}/certificate.pdf")
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    j.refresh_from_db()
    assert j.state == State.CLOSED and j.closed_at is not None
    assert not Alert.objects.filter(ref_type="journey", ref=j.pk).exists()
    assert page.console_errors == []
