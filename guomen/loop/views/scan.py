"""Accept by loop code: typed, or scanned with the phone camera."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guomen.lib.errors import DomainError
from guomen.org.models import UnitKind
from guomen.org.roles import CUSTODY_ROLES
from guomen.org.scoping import Scope

from .. import forms as f
from .. import services as s
from ..models import Journey, State
from ..projection import flags
from ..rules import flag_labels
from .plumbing import RECEIVING_KINDS, _decorate, _journeys, _my_units, _next, _require_role, _status, loop_page


# --- accept by loop code (typed, or scanned with the phone camera) ------------------------------
@loop_page
@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    _require_role(scope, *CUSTODY_ROLES)
    units = _my_units(scope, *RECEIVING_KINDS, UnitKind.PORT_HEALTH_STATION)
    form = f.ScanForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        scope.require_write()
        code = form.cleaned_data["code"]
        j = (
            Journey.objects.filter(code=code, state=State.HANDOVER_OFFERED, pending_unit__in=units)
            .select_related("pending_unit", "person")
            .first()
        )
        if j is None:
            form.add_error("code", _("No person with this loop code is being handed over to your unit."))
        else:
            try:
                s.handover_accept(
                    actor=request.user, journey=j, unit=j.pending_unit, room=form.cleaned_data.get("room", ""), card_code=code
                )
            except DomainError as e:
                f.add_domain_error(form, e)
                if (e.details or {}).get("field") is None and e.code in ("room_required", "room_taken"):
                    form.errors.pop("__all__", None)
                    form.add_error("room", e.message)
            else:
                accepted = _("%(name)s is now in your custody (%(code)s).") % {"name": j.person, "code": j.code}
                standing = flag_labels(flags(j.facts or {}))
                if standing:
                    messages.warning(request, _("Warning: %(flags)s.") % {"flags": ", ".join(standing)} + " " + accepted)
                else:
                    messages.success(request, accepted)
                return redirect("loop:journey", j.code)
    if request.method == "POST" and form.errors:
        status = _status(request)
    offered = _decorate(_journeys(scope).filter(state=State.HANDOVER_OFFERED, pending_unit__in=units).order_by("expected_at"))
    needs_room = any(u.kind == UnitKind.QUARANTINE_FACILITY for u in units)
    ctx = {"form": form, "offered": offered, "units": units, "needs_room": needs_room}
    return render(request, "loop/scan.html", ctx, status=status)


@loop_page
def find(request: HttpRequest) -> HttpResponse:
    """Open a journey by its loop code (for anyone who may see it)."""
    scope = Scope.of(request.user)
    code = "".join((request.GET.get("code") or "").split()).upper()[:16]
    if code:
        j = _journeys(scope).filter(code=code).first()
        if j is not None:
            return redirect("loop:journey", j.code)
        messages.error(request, _("No journey with this loop code is within your reach."))
    return redirect(_next(request, reverse("home")))
