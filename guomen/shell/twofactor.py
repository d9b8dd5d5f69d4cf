"""Two-factor sign-in (django-otp): a TOTP app as the second factor, recovery codes for a lost phone.

Who must use it: the roles in ``org.roles.TWO_FACTOR_ROLES`` (and superusers) when
GUOMEN_TWO_FACTOR_REQUIRED is on (the default in production). Anyone who has enrolled a device is
always asked for a code. API tokens are not touched: devices keep calling the API with a token.
"""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from guomen.core.models import AccessLog
from guomen.core.services import access_record
from guomen.org.roles import TWO_FACTOR_ROLES
from guomen.org.scoping import Scope

RECOVERY_CODES = 10
TOTP_NAME = "authenticator"
STATIC_NAME = "recovery codes"
# Paths a signed-in user still reaches before the second factor: signing in and out, enrolling
# and verifying, the language switch, static files and the public pages.
# The service worker and the app manifest are our own static code: a redirect would break the worker.
OPEN_PREFIXES = (
    "/login/",
    "/logout/",
    "/account/two-factor/",
    "/i18n/",
    "/static/",
    "/public/",
    "/favicon",
    "/sw.js",
    "/manifest.webmanifest",
)


def required(user: Any) -> bool:
    """Must this user sign in with a second factor?"""
    if not user.is_authenticated:
        return False
    if has_device(user):
        return True
    if not settings.GUOMEN_TWO_FACTOR_REQUIRED:
        return False
    return bool(user.is_superuser) or Scope.of(user).has_role(*TWO_FACTOR_ROLES)


def has_device(user: Any) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def enrolment(user: Any) -> TOTPDevice:
    """The user's TOTP device waiting to be confirmed (made once; a new one after a reset)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def otpauth_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (drawn here, nothing fetched)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, border=2, title="otpauth"))


@transaction.atomic
def confirm(request: HttpRequest, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm enrolment with a code from the app: the device counts from now, this session is
    verified and fresh recovery codes are returned (shown once). None when the code is wrong."""
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit() or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    otp_login(request, device)
    return new_recovery_codes(device.user)


@transaction.atomic
def new_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes: each works once, in place of the app's code."""
    static, _ = StaticDevice.objects.get_or_create(user=user, name=STATIC_NAME, defaults={"confirmed": True})
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    return codes


def verify(request: HttpRequest, token: str) -> bool:
    """Check a code from the app or a recovery code; on success this session is verified."""
    token = (token or "").strip().replace(" ", "")
    if not token or len(token) > 16:
        return False
    device = match_token(request.user, token)
    if device is None:
        return False
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        access_record(
            user=request.user, action=AccessLog.Action.RECOVERY_CODE, obj=device, reason="two-factor recovery code used", request=request
        )
    return True


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=STATIC_NAME).count()


def reset(user: Any) -> int:
    """An administrator's reset for a lost phone: every device goes; the next sign-in enrols again."""
    n = 0
    for model in (TOTPDevice, StaticDevice):
        n += model.objects.filter(user=user).delete()[0]
    return n


class TwoFactorMiddleware:
    """After the password: a user who must use a second factor and has not given it this session
    reaches only the enrolment or the code page (the API answers 401)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        path = request.path
        if user is not None and user.is_authenticated and not path.startswith(OPEN_PREFIXES) and not user.is_verified() and required(user):
            if path.startswith("/api/"):
                return JsonResponse({"code": "two_factor_required", "message": _("Sign in with your second factor first.")}, status=401)
            target = "two_factor_verify" if has_device(user) else "two_factor_setup"
            return redirect(f"{_url(target)}?next={request.get_full_path()}")
        return self.get_response(request)


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)
