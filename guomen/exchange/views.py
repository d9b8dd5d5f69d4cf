"""The inbox endpoint (machine to machine, authenticated by signature) and the liaison desk."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guomen.lib.errors import DomainError
from guomen.org.scoping import Scope

from . import inbox, queries, services
from .models import Direction, Message, Status


@csrf_exempt
@require_POST
def inbox_view(request: HttpRequest) -> HttpResponse:
    """POST a signed message envelope; the answer is a signed acknowledgement."""
    status, ack = inbox.receive(request.body)
    return JsonResponse(ack, status=status, json_dumps_params={"ensure_ascii": False})


def _scope(request: HttpRequest) -> Scope:
    scope = Scope.of(request.user)
    if not queries.may_read(scope):
        raise PermissionDenied(_("Only a partner liaison may see the exchange."))
    return scope


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    ctx = {
        "our_authority": settings.EXCHANGE_AUTHORITY,
        "keys": queries.keys(),
        "partners": queries.partners(),
        "failures": queries.failures(),
        "health_ctx": {"health": queries.health()},
        "messages": sorted(
            queries.messages(Direction.OUT, limit=50) + queries.messages(Direction.IN, limit=50), key=lambda m: m.created_at, reverse=True
        ),
        "thread_groups": [queries.threads(k, 30) for k in ("case", "handover", "aid", "team", "manifest")],
        "write": not scope.read_only and scope.has_role(*services.LIAISON_ROLES),
    }
    return render(request, "exchange/desk.html", ctx)


@login_required
@require_POST
def retry(request: HttpRequest, msg_id: str) -> HttpResponse:
    _scope(request)
    m = get_object_or_404(Message, direction=Direction.OUT, msg_id=msg_id, status=Status.REFUSED)
    try:
        services.message_retry(actor=request.user, message=m)
        flash.success(request, _("Queued again."))
    except DomainError as exc:
        flash.error(request, exc.message)
    return redirect("exchange:desk")


@login_required
@require_POST
def rotate(request: HttpRequest) -> HttpResponse:
    _scope(request)
    services.key_rotate(actor=request.user)
    flash.success(request, _("A new signing key is in use: give its fingerprint to every partner."))
    return redirect("exchange:desk")
