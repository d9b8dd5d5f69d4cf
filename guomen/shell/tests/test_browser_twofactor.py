"""Two-factor sign-in in real Chromium: a county commander enrols by the QR page's key with a
code computed as an authenticator app does, then signs in again with the password and a code."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret: str, ahead: int = 0) -> str:
    """What an authenticator app shows for the key it was given (RFC 6238, 30 s, 6 digits)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return str(totp(key, drift=ahead)).zfill(6)


def password(page, username: str) -> None:
    from guomen.org.demo import DEMO_PASSWORD

    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_county_command_enrols_and_signs_in_with_a_code(page, settings):
    settings.GUOMEN_TWO_FACTOR_REQUIRED = True
    password(page, "ruili")
    page.wait_for_url(re.compile(r"/account/two-factor/\?next="))
    expect(page.locator("#otp-qr svg")).to_be_visible()
    secret = page.locator("#otp-secret").inner_text().strip()
    assert page.locator("#otp-uri").text_content().startswith("otpauth://totp/")
    page.fill("input[name=token]", app_code(secret))
    page.click("form.stack button[type=submit]")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.click("#two-factor-done")
    page.wait_for_url(page.base_url + "/")

    page.locator("details.menu.user summary").click()
    page.locator("details.menu.user form button").click()
    # Signing out first clears what the phone kept offline, then posts: wait for it to land.
    page.wait_for_url(re.compile(r"/login/"))
    password(page, "ruili")
    page.wait_for_url(re.compile(r"/account/two-factor/verify/\?next="))
    # The enrolment used the app's current code; the next one is accepted within the tolerance.
    page.fill("input[name=token]", app_code(secret, ahead=1))
    page.click("form.stack button[type=submit]")
    page.wait_for_url(page.base_url + "/")
    expect(page.locator("h1").first).to_be_visible()
    page.goto(page.base_url + "/places/map/")
    expect(page.locator("#map")).to_have_count(1)
    assert page.console_errors == []
