"""The loop's pages: a desk per role (port, transfer, facility, hospital, village), the journey's
timeline with the steps its holder may take, accepting by loop code, the loop card and the
release certificate.

Every read goes through ``Scope``; every write through ``loop.services``. A refused step shows the
service's message on its form and changes nothing; an action the user may not take is a 403 page;
anything outside the user's reach is a 404.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.models import Unit, UnitKind
from guomen.org.scoping import Scope

from ..models import Journey, State
from ..projection import flags
from ..rules import flag_labels

GATE_STATES = (State.AT_GATE, State.INTERCEPTED)
RECEIVING_KINDS = (UnitKind.TRANSFER_TEAM, UnitKind.QUARANTINE_FACILITY, UnitKind.HOSPITAL, UnitKind.VILLAGE_COMMITTEE)


# --- plumbing ---------------------------------------------------------------------------------
def loop_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in only; an action the user may not take renders the 403 page (not Django's bare one)."""

    @functools.wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            message = str(exc) or _("Your role may not do this.")
            return render(request, "loop/403.html", {"message": message}, status=403)

    return wrapper


def _require_role(scope: Scope, *roles: str) -> None:
    if not scope.has_role(*roles):
        raise PermissionDenied(_("This page is for another role."))


def _my_units(scope: Scope, *kinds: str) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=scope.unit_ids, kind__in=kinds, active=True).select_related("jurisdiction").order_by("code")


def _journeys(scope: Scope) -> QuerySet[Journey]:
    return scope.filter(Journey.objects.select_related("person", "custodian", "pending_unit", "port", "policy", "custodian__jurisdiction"))


def _journey(scope: Scope, code: str) -> Journey:
    return scope.get(
        Journey.objects.select_related("person", "custodian__jurisdiction", "pending_unit", "port", "policy", "destination"), code=code
    )


def _status(request: HttpRequest) -> int:
    """Refused input: 422 for a plain form post; 200 for htmx, which does not swap error responses."""
    return 200 if getattr(request, "htmx", False) else 422


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _end_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=1), time.min))


def _start_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return _("%(m)d min") % {"m": mins}


def time_left(due: datetime | None, now: datetime | None = None) -> tuple[str, str]:
    """What to show next to a due time: ("3 h 10 min left", "ok") or ("overdue by 20 min", "bad")."""
    if due is None:
        return "", ""
    now = now or clock.now()
    if due < now:
        return _("overdue by %(t)s") % {"t": _duration(now - due)}, "bad"
    left = due - now
    return _("%(t)s left") % {"t": _duration(left)}, "warn" if left < timedelta(hours=2) else "ok"


def _decorate(journeys: Iterable[Journey], now: datetime | None = None) -> list[Journey]:
    now = now or clock.now()
    out = []
    for j in journeys:
        j.left_text, j.left_class = time_left(j.due_at, now)
        j.flag_labels = flag_labels(flags(j.facts or {}))
        out.append(j)
    return out


AWAITING_LABELS = {
    "arrival": gettext_lazy("arrival at the port"),
    "disposition": gettext_lazy("a decision at the gate"),
    "acceptance": gettext_lazy("the receiver to accept the handover"),
    "delivery": gettext_lazy("delivery to the destination"),
    "health_check": gettext_lazy("the next health check"),
    "test": gettext_lazy("the next test"),
    "release": gettext_lazy("release from quarantine"),
    "onward_handover": gettext_lazy("the onward handover"),
    "hospital_report": gettext_lazy("the hospital's status report"),
    "closure": gettext_lazy("closure at the end of monitoring"),
}


def awaiting_label(code: str, state: str = "") -> str:
    """What the journey waits for; a decision is "at the gate" only at a port (a village or a
    patrol that holds someone found or intercepted decides where they go)."""
    if code == "disposition" and state and state != State.AT_GATE:
        return _("a decision on where the person goes")
    return str(AWAITING_LABELS.get(code, code))


def _prefecture_path(unit: Unit) -> str:
    return "/".join(unit.jurisdiction.path.split("/")[:3]) + "/"


def _units_near(unit: Unit, kinds: Iterable[str]) -> QuerySet[Unit]:
    """Units of the given kinds in the same prefecture — the directory of who can receive a person
    (unit names are not personal data; choosing a receiver needs units outside one's own reach)."""
    return (
        Unit.objects.filter(kind__in=list(kinds), active=True, jurisdiction__path__startswith=_prefecture_path(unit))
        .exclude(pk=unit.pk)
        .select_related("jurisdiction")
        .order_by("kind", "jurisdiction__path", "code")
    )


def likely_units(unit: Unit, kinds: Iterable[str]) -> QuerySet[Unit]:
    """The same directory as ``_units_near``, likely receivers first: the sender's own county,
    then the kinds in the order the step needs them."""
    kinds = list(kinds)
    county = "/".join(unit.jurisdiction.path.split("/")[:4]) + "/"
    return _units_near(unit, kinds).order_by(
        Case(When(jurisdiction__path__startswith=county, then=Value(0)), default=Value(1)),
        Case(*[When(kind=k, then=Value(i)) for i, k in enumerate(kinds)], default=Value(len(kinds))),
        "jurisdiction__path",
        "code",
    )


def _unit_by_code(code: str, allowed: QuerySet[Unit]) -> Unit | None:
    if not code:
        return None
    u = allowed.filter(code=code).first()
    if u is None:
        raise DomainError("invalid_destination", _("Choose a unit from the list."), status=422, details={"field": "to_unit"})
    return u
