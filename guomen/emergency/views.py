"""Pages: the plans (with their suggestions and activations), the live board of an activation
(phone and desk: complete steps, play injects, rate, improvement items), the after-action report."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guomen.lib.errors import DomainError
from guomen.org.models import Unit
from guomen.org.scoping import Scope

from . import pdf, queries, services
from .models import Rating


@login_required
@require_http_methods(["GET", "POST"])
def plans_page(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    if request.method == "POST":
        try:
            what = request.POST.get("do", "")
            if what in ("suggestion_activate", "suggestion_dismiss"):
                firing = queries.scope_get(queries.firings(scope), public_id=_uuid(request.POST.get("firing")))
                if what == "suggestion_dismiss":
                    services.firing_dismiss(actor=request.user, firing=firing, reason=request.POST.get("reason", ""))
                    messages.success(request, _("Suggestion dismissed."))
                    return redirect("emergency:plans")
                act = services.firing_activate(actor=request.user, firing=firing)
            else:
                plan = queries.plan_get(scope, request.POST.get("plan", ""))
                exercise = request.POST.get("exercise") == "1"
                if not exercise and request.POST.get("confirmed") != "1":
                    # A real activation sends tasks to real units at once: asked once more, on its own page.
                    return render(request, "emergency/activate_confirm.html", {"plan": plan, "version": plan.current_version})
                act = services.activate(actor=request.user, plan=plan, exercise=exercise)
            return redirect("emergency:board", public_id=act.public_id)
        except (DomainError, PermissionDenied, Http404) as e:
            messages.error(request, getattr(e, "message", None) or str(e) or _("Not found."))
        return redirect("emergency:plans")
    return render(
        request,
        "emergency/plans.html",
        {
            "plans": queries.plans(scope).prefetch_related("versions"),
            "activations": queries.activations(scope)[:30],
            "firings": queries.firings(scope).select_related("activation")[:30],
            "may_plan": bool(queries.command_units(scope)) and not scope.read_only,
        },
    )


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _do(request: HttpRequest, scope: Scope, act: Any) -> None:
    what = request.POST.get("do", "")
    actor = request.user
    if what == "complete":
        step = queries.scope_get(act.steps.all(), pk=request.POST.get("step"))
        services.step_complete(actor=actor, step=step, note=request.POST.get("note", ""))
    elif what == "inject":
        inj = queries.scope_get(act.version.injects.all(), pk=request.POST.get("inject"))
        services.inject_play(actor=actor, activation=act, inject=inj)
    elif what == "rate":
        step = queries.scope_get(act.steps.all(), pk=request.POST.get("step"))
        services.step_rate(actor=actor, step=step, rating=request.POST.get("rating", ""), note=request.POST.get("note", ""))
    elif what == "end":
        services.activation_end(actor=actor, activation=act)
    elif what == "clear":
        services.drill_clear(actor=actor, activation=act)
    elif what == "improve":
        owner = queries.scope_get(Unit.objects.all(), code=request.POST.get("owner", ""))
        due = parse_datetime(request.POST.get("due_at", "") or "")
        if due is None:
            raise DomainError("invalid_time", _("Give the due time as YYYY-MM-DDTHH:MM with its zone."), status=422)
        services.improvement_add(actor=actor, activation=act, text=request.POST.get("text", ""), owner_unit=owner, due_at=due)
    else:
        raise DomainError("unknown_action", _("Unknown action."), status=422)


@login_required
@require_http_methods(["GET", "POST"])
def board_page(request: HttpRequest, public_id: Any) -> HttpResponse:
    scope = Scope.of(request.user)
    act = queries.activation_get(scope, public_id)
    if request.method == "POST":
        try:
            _do(request, scope, act)
        except (DomainError, PermissionDenied, Http404) as e:
            messages.error(request, getattr(e, "message", None) or str(e) or _("Not found."))
        return redirect("emergency:board", public_id=act.public_id)
    rows = queries.board(act)
    return render(
        request,
        "emergency/board.html",
        {
            "act": act,
            "rows": rows,
            "summary": queries.board_summary(rows),
            "injects": act.version.injects.all(),
            "events": act.drill_events.all(),
            "improvements": act.improvements.select_related("owner_unit", "task"),
            "ratings": Rating.choices,
            "may_command": services.may_command(scope, act.plan),
        },
    )


@login_required
def aar_pdf(request: HttpRequest, public_id: Any) -> HttpResponse:
    scope = Scope.of(request.user)
    act = queries.activation_get(scope, public_id)
    body = pdf.aar(act)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="aar-{act.plan.code}-{act.started_at:%Y%m%d}.pdf"'
    return response
