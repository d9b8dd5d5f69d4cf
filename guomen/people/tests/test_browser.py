"""In a real browser: live search as you type, and "show in full" swapping in the number once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_port_officer_finds_by_pinyin_and_reveals_a_number(page, sign_in, user):
    from guomen.org.models import Unit
    from guomen.people.services import person_register

    person_register(
        actor=user("ruili_port"),
        unit=Unit.objects.get(code="port-ruili"),
        name_native="王芳",
        nationality="CHN",
        documents=[{"kind": "passport", "number": "E12345678", "issuing_country": "CHN"}],
    )
    sign_in("ruili_port")
    page.goto(page.base_url + "/people/")
    page.fill("#people-q", "wang fang")
    link = page.get_by_role("link", name="王芳")
    expect(link).to_be_visible()
    link.click()
    expect(page.locator(".masked")).to_have_text("••••5678")
    page.fill("input[name=reason]", "核对入境证件")
    page.get_by_role("button", name="查看完整号码").click()
    expect(page.locator(".secret")).to_have_text("E12345678")
    assert page.console_errors == []


def test_mrz_reader_fills_the_fields(page, sign_in):
    from .conftest import td3

    sign_in("ruili_port")
    page.goto(page.base_url + "/people/mrz/")
    page.fill("#mrz-text", td3())
    page.get_by_role("button", name="读取机读区").click()
    expect(page.locator("input[name=number]")).to_have_value("MA1234567")
    expect(page.locator("input[name=nationality]")).to_have_value("MMR")
    assert page.console_errors == []
