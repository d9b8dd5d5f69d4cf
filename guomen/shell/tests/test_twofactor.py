"""Two-factor sign-in: who must enrol, enrolment with a code from the app, the code after the
password, recovery codes that work once, the API, and the administrator's reset."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice, ahead: int = 0) -> str:
    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=ahead)).zfill(device.digits)


@pytest.fixture
def required(settings):
    settings.GUOMEN_TWO_FACTOR_REQUIRED = True


def enrol(client) -> list[str]:
    r = client.get(reverse("two_factor_setup"))
    assert r.status_code == 200 and b"<svg" in r.content and b"otpauth://totp/" in r.content
    device = TOTPDevice.objects.get(user__username="ruili", confirmed=False)
    r = client.post(reverse("two_factor_setup"), {"token": code(device)})
    assert r.status_code == 200
    codes = r.context["codes"]
    assert len(codes) == 10
    return codes


def test_a_command_role_must_enrol_before_anything_else(world, client_as, required):
    client = client_as("ruili")
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith(reverse("two_factor_setup"))
    assert client.get(reverse("places_map")).status_code == 302


def test_a_port_officer_is_not_forced_and_nobody_is_when_not_required(world, client_as, settings):
    settings.GUOMEN_TWO_FACTOR_REQUIRED = True
    assert client_as("ruili_port").get("/").status_code == 200
    settings.GUOMEN_TWO_FACTOR_REQUIRED = False
    assert client_as("ruili").get("/").status_code == 200


def test_wrong_code_at_enrolment_changes_nothing(world, client_as, required):
    client = client_as("ruili")
    client.get(reverse("two_factor_setup"))
    r = client.post(reverse("two_factor_setup"), {"token": "000000x"})
    assert r.status_code == 400 and "验证码不正确" in r.content.decode()  # the message in the user's language
    assert not TOTPDevice.objects.filter(user__username="ruili", confirmed=True).exists()
    assert client.get("/").status_code == 302


def test_enrolled_user_gives_a_code_after_the_password_and_recovery_codes_work_once(world, client, user, required):
    client.force_login(user("ruili"))
    codes = enrol(client)
    assert client.get("/").status_code == 200  # verified in this session
    client.logout()

    client.force_login(user("ruili"))
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith(reverse("two_factor_verify"))
    r = client.post(reverse("two_factor_verify"), {"token": "123456"})
    assert r.status_code == 400
    time.sleep(1.1)  # after a wrong code each device waits (django-otp's throttling: 1 s, then 2, 4...)
    r = client.post(reverse("two_factor_verify"), {"token": codes[0], "next": "/alerts/"})
    assert r.status_code == 302 and r["Location"] == "/alerts/"
    assert client.get("/").status_code == 200
    client.logout()

    client.force_login(user("ruili"))
    assert client.post(reverse("two_factor_verify"), {"token": codes[0]}).status_code == 400  # used once
    device = TOTPDevice.objects.get(user__username="ruili", confirmed=True)
    time.sleep(2.1)  # the second wrong code in a row: 2 s
    # The enrolment used this time step; the app's next one is accepted within the tolerance.
    assert client.post(reverse("two_factor_verify"), {"token": code(device, ahead=1)}).status_code == 302
    assert client.get("/").status_code == 200


def test_open_redirect_after_the_code_is_refused(world, client, user, required):
    client.force_login(user("ruili"))
    codes = enrol(client)
    client.logout()
    client.force_login(user("ruili"))
    r = client.post(reverse("two_factor_verify"), {"token": codes[1], "next": "https://evil.example/"})
    assert r["Location"] == "/"


def test_api_with_a_session_needs_the_second_factor_but_a_token_does_not(world, client_as, api_as, required):
    r = client_as("ruili").get("/api/alerts/")
    assert r.status_code == 401 and r.json()["code"] == "two_factor_required"
    assert api_as("ruili").get("/api/alerts/").status_code == 200


def test_administrator_reset_makes_the_account_enrol_again(world, client, user, required):
    client.force_login(user("ruili"))
    enrol(client)
    call_command("two_factor_reset", "ruili")
    client.logout()
    client.force_login(user("ruili"))
    r = client.get("/")
    assert r["Location"].startswith(reverse("two_factor_setup"))


def test_the_service_worker_and_app_manifest_load_before_the_second_factor(world, client_as, required):
    # The browser refuses a service worker script behind a redirect: it must answer as it is.
    c = client_as("ruili")
    assert c.get("/").status_code == 302
    sw = c.get("/sw.js")
    assert sw.status_code == 200 and "javascript" in sw["Content-Type"]
    assert c.get("/manifest.webmanifest").status_code == 200
