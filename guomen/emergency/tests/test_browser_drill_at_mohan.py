"""A whole drill at Mohan port in Chromium: the county command starts a drill of the plan for a
positive case at the port, plays the scripted fever case, the port officer, the transfer team and
the county command each complete their steps on the board from their own phones, the command
ends and evaluates the drill, adds an improvement item, downloads the after-action report (its
first page's text is checked with pypdf) and clears the drill's records."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from guomen.command.models import DispatchTask
from guomen.emergency.demo import build, plans_spec
from guomen.emergency.models import Activation
from guomen.lib import clock
from guomen.org.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_as(chromium, base, username):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.goto(base + "/login/")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", DEMO_PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url(base + "/")
    return context, pg


def complete(pg, board_url, code, note):
    pg.goto(board_url)
    pg.locator(f"#step-{code} input[name=note]").fill(note)
    pg.locator(f"#complete-{code}").click()
    expect(pg.locator(f"#step-{code}")).to_have_attribute("data-done", "1")


def test_a_whole_drill_at_mohan(page, sign_in, chromium):
    base = page.base_url
    build(plans_spec()[0])
    sign_in("mengla")
    page.goto(base + "/emergency/")
    page.locator("#drill-mohan-port-positive").click()
    expect(page.locator("#exercise-badge")).to_be_visible()
    board_url = page.url
    act = Activation.objects.get()
    assert act.exercise and DispatchTask.objects.filter(exercise=True).count() == 5

    # +10 min in the script, played now: a traveller with fever arrives at Mohan
    page.locator("#inject-1").click()
    expect(page.locator("#drill-events")).to_contain_text("发热旅客")
    expect(page.locator("#drill-events .badge")).to_contain_text("38.6")

    contexts = []
    for username, steps in (("mohan_port", ["S1", "S2"]), ("mengla_transfer", ["S3"])):
        ctx, pg = open_as(chromium, base, username)
        contexts.append(ctx)
        for code in steps:
            complete(pg, board_url, code, f"{username} {code}")
        expect(pg.locator("#step-S1")).to_contain_text("mohan_port")
    complete(page, board_url, "S4", "同车人员已排查")  # the county command's own step
    expect(page.locator("#board-summary")).to_contain_text("4")

    page.locator("#end").click()
    expect(page.locator("#board-state")).to_contain_text("已结束")
    for code, rating, note in (("S1", "P", "及时"), ("S2", "S", "消杀物资不足"), ("S5", "U", "未执行")):
        page.select_option(f"#rating-{code}", rating)
        page.locator(f"#rating-note-{code}").fill(note)
        page.locator(f"#rate-{code}").click()
        expect(page.locator(f"#step-{code} .badge.info")).to_have_text(rating)
    page.fill("#improve-text", "口岸储备消杀物资")
    page.fill("#improve-owner", "port-mohan")
    page.fill("#improve-due", (clock.now() + timedelta(days=14)).isoformat(timespec="minutes"))
    page.locator("#improve-add").click()
    expect(page.locator("#improvements")).to_contain_text("口岸储备消杀物资")

    with page.expect_download() as info:
        page.locator("#aar-link").click()
    pdf = PdfReader(io.BytesIO(open(info.value.path(), "rb").read()))  # noqa: SIM115
    text = " ".join(pdf.pages[0].extract_text().split())
    assert "演练评估报告" in text and "after-action report" in text
    assert "磨憨口岸发现阳性病例应急预案" in text and "Positive case found at Mohan port" in text
    compact = "".join(text.split())  # a table cell may wrap a Chinese phrase anywhere
    assert "消杀物资不足" in compact and "口岸储备消杀物资" in compact and "未完成notdone" in compact

    page.locator("#clear").click()
    expect(page.locator("#board-state")).to_contain_text("演练记录已清除")
    assert not DispatchTask.objects.filter(exercise=True).exists()
    assert DispatchTask.objects.filter(source="emergency-improvement", exercise=False).count() == 1
    for ctx in contexts:
        ctx.close()
