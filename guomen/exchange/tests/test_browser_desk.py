"""In real Chromium, on a phone: the liaison opens the desk, writes an aid offer to Muse with a
Burmese text, makes a mistake the form shows in Chinese, fixes it, and sees the message queued;
then commits part of it from the thread's own step."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..models import Direction, Message, Thread
from .helpers import partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BURMESE = "ကာကွယ်ရေးပစ္စည်း"


def test_liaison_composes_an_aid_offer_and_commits_it_from_the_desk(page, sign_in):
    partner()
    sign_in("liaison")
    page.goto(page.base_url + "/exchange/")
    expect(page.locator("h1")).to_have_text("联络台")
    page.click("#compose-aid_offer")
    expect(page.locator("#compose-title")).to_have_text("提供援助")
    page.select_option("select[name=partner]", "mm-muse")
    page.fill("textarea[name=text_zh]", "防护物资")
    page.fill("textarea[name=text_en]", "Protective supplies")
    page.fill("textarea[name=text_local]", BURMESE)
    page.fill("textarea[name=items]", "N95 口罩; 一千; box")
    page.click("#send")
    expect(page.locator("label.invalid .errorlist")).to_contain_text("数量为整数")
    assert not Message.objects.exists()
    expect(page.locator("textarea[name=text_local]")).to_have_value(BURMESE)  # nothing typed is lost
    page.fill("textarea[name=items]", "N95 口罩; 1000; box\n防护服; 200; set")
    page.click("#send")
    expect(page.locator(".msg").first).to_contain_text("已加入发往缅甸木姐区的队列")
    m = Message.objects.get(direction=Direction.OUT)
    expect(page.locator(f"#msg-{m.msg_id}")).to_contain_text("aid_offer")
    assert m.message["body"]["text"]["my"] == BURMESE
    expect(page.locator("#threads")).to_contain_text(BURMESE)

    page.click("#threads a[data-step=aid_commitment]")
    expect(page.locator("#compose-title")).to_have_text("承诺援助")
    page.fill("textarea[name=text_zh]", "承诺先运八百盒")
    page.fill("textarea[name=text_en]", "800 boxes first")
    page.fill("textarea[name=items]", "N95 口罩; 1200; box")
    page.click("#send")
    expect(page.locator("#form-error, .errorlist").first).to_contain_text("超过了提供的 1000")
    page.fill("textarea[name=items]", "N95 口罩; 800; box")
    page.click("#send")
    expect(page.locator(".msg").first).to_contain_text("已加入")
    assert Thread.objects.get().status == "committed"
    assert Message.objects.filter(direction=Direction.OUT).count() == 2
    # the two refused forms answer 422 (Chromium logs each such page load); nothing else went wrong
    assert [e for e in page.console_errors if "status of 422" not in e] == []
    assert len(page.console_errors) == 2
