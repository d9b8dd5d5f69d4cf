"""Pages of the two-factor sign-in: enrolment with a QR code, the code after the password, new recovery codes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import twofactor


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    if twofactor.has_device(request.user) and not request.user.is_verified():
        return redirect("two_factor_verify")
    device = twofactor.enrolment(request.user)
    error = ""
    if request.method == "POST":
        codes = twofactor.confirm(request, device, request.POST.get("token", ""))
        if codes is not None:
            return render(request, "shell/twofactor_codes.html", {"codes": codes, "next": _next(request)})
        error = _("That code is not right. Enter the 6 digits the app shows now.")
    uri = twofactor.otpauth_uri(device)
    ctx = {
        "qr": twofactor.qr_svg(uri),
        "uri": uri,
        "secret": twofactor.secret_base32(device),
        "error": error,
        "next": _next(request),
        "enrolled": twofactor.has_device(request.user),
    }
    return render(request, "shell/twofactor_setup.html", ctx, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if not twofactor.has_device(request.user):
        return redirect("two_factor_setup")
    error = ""
    if request.method == "POST":
        if twofactor.verify(request, request.POST.get("token", "")):
            left = twofactor.recovery_codes_left(request.user)
            if left <= 3:
                messages.warning(request, _("%(n)d recovery codes left: make new ones on the two-factor page.") % {"n": left})
            return redirect(_next(request))
        error = _("That code is not right. Enter the 6 digits of your app, or one recovery code.")
    return render(request, "shell/twofactor_verify.html", {"error": error, "next": _next(request)}, status=400 if error else 200)


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified():
        return redirect("two_factor_verify")
    codes = twofactor.new_recovery_codes(request.user)
    return render(request, "shell/twofactor_codes.html", {"codes": codes, "next": "/"})
