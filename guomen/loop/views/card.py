"""The loop card and the release certificate."""

from __future__ import annotations

import segno
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from guomen.org.scoping import Scope
from guomen.people.models import IdentityDocument

from ..models import Journey
from .journey import _certificate_ready
from .plumbing import _journey, loop_page


# --- the loop card and the release certificate ------------------------------------------------------
def _first_document(j: Journey) -> IdentityDocument | None:
    return IdentityDocument.objects.filter(person=j.person).order_by("created_at").first()


def qr_code(text: str) -> segno.QRCode:
    """The card's QR code: always a full QR symbol, never a Micro QR (which segno would pick for a
    code this short, and which phone scanners and jsQR cannot read)."""
    return segno.make(text, error="m", micro=False)


def qr_svg(text: str, scale: int = 4) -> str:
    """The QR code as inline SVG markup (no style attributes; allowed by the strict CSP)."""
    return qr_code(text).svg_inline(scale=scale, title=text, omitsize=True)


@loop_page
def loop_card(request: HttpRequest, code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    j = _journey(scope, code)
    ctx = {"j": j, "qr": mark_safe(qr_svg(j.code)), "document": _first_document(j)}  # noqa: S308 - segno's own markup
    return render(request, "loop/card.html", ctx)


@loop_page
def certificate(request: HttpRequest, code: str) -> HttpResponse:
    from guomen.core.models import AccessLog
    from guomen.core.services import access_record

    from ..pdf import certificate_pdf

    scope = Scope.of(request.user)
    j = _journey(scope, code)
    if not _certificate_ready(j):
        raise Http404(_("The certificate exists once the person is released or the journey is closed."))
    with transaction.atomic():
        pdf = certificate_pdf(j, events=list(j.events.select_related("unit").order_by("seq")), document=_first_document(j))
        access_record(
            user=request.user,
            action=AccessLog.Action.PRINT,
            obj=j,
            subject=str(j.person.public_id),
            reason="release certificate",
            request=request,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="release-{j.code}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
