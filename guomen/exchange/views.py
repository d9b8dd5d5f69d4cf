"""The inbox endpoint (machine to machine, authenticated by signature) and the liaison desk."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guomen.lib.errors import DomainError
from guomen.org.scoping import Scope

from . import inbox, queries, services
from .forms import ERROR_FIELDS, FORMS, OPENING, TITLES
from .models import Direction, Message, Status, Thread


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
    visible = queries.visible_partners(scope)
    writable = {p.pk for p in queries.writable_partners(scope)}
    groups = [queries.threads(k, 30, visible) for k in ("case", "handover", "aid", "team", "manifest")]
    for group in groups:
        for t in group:
            t.steps = [(s, TITLES[s]) for s in queries.next_steps(t)] if t.partner_id in writable else []
    ctx = {
        "our_authority": settings.EXCHANGE_AUTHORITY,
        "keys": queries.keys(),
        "partners": queries.partners(visible),
        "failures": queries.failures(visible=visible),
        "health_ctx": {"health": queries.health(visible)},
        "exchange_messages": sorted(
            queries.messages(Direction.OUT, limit=50, visible=visible) + queries.messages(Direction.IN, limit=50, visible=visible),
            key=lambda m: m.created_at,
            reverse=True,
        ),
        "thread_groups": groups,
        "write": not scope.read_only and scope.has_role(*services.LIAISON_ROLES),
        "compose": [(t, TITLES[t]) for t in OPENING] if writable else [],
    }
    return render(request, "exchange/desk.html", ctx)


@login_required
def compose(request: HttpRequest, type_: str) -> HttpResponse:
    """A liaison writes a message to a partner: a new thread, or the next step of one."""
    scope = _scope(request)
    if type_ not in FORMS:
        raise Http404
    partners = queries.writable_partners(scope)
    if not partners:
        raise PermissionDenied(_("Only a liaison for a partner may write to it."))
    thread = None
    ref = request.GET.get("ref") or request.POST.get("ref") or ""
    if ref:
        thread = get_object_or_404(Thread, ref=_uuid(ref), partner__in=[p.pk for p in partners])
        if type_ not in queries.next_steps(thread):
            raise Http404
        partners = [thread.partner]
    form_class = FORMS[type_]
    initial = {"partner": request.GET.get("partner", ""), "ref": thread.ref if thread else None}
    form = form_class(request.POST or None, partners=partners, initial=initial)
    if request.method == "POST" and form.is_valid():
        partner = form.partners[form.cleaned_data["partner"]]
        try:
            m = services.message_send(
                actor=request.user, partner=partner, type=type_, body=form.body(), journey=form.cleaned_data.get("journey") or ""
            )
        except DomainError as exc:
            form.add_error(ERROR_FIELDS.get(exc.code) if ERROR_FIELDS.get(exc.code) in form.fields else None, exc.message)
        except PermissionDenied as exc:
            form.add_error("journey" if "journey" in form.fields else None, str(exc))
        else:
            flash.success(request, _("Queued for %(partner)s: it is sent within a minute.") % {"partner": partner.name_zh})
            return redirect(reverse("exchange:desk") + f"#msg-{m.msg_id}")
    ctx = {"form": form, "type": type_, "title": TITLES[type_], "thread": thread}
    return render(request, "exchange/compose.html", ctx, status=422 if form.errors else 200)


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise Http404 from None


@login_required
@require_POST
def retry(request: HttpRequest, msg_id: str) -> HttpResponse:
    scope = _scope(request)
    m = get_object_or_404(
        Message, direction=Direction.OUT, msg_id=msg_id, status=Status.REFUSED, partner__in=queries.visible_partners(scope)
    )
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
