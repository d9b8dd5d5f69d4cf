"""The busload desk: a declared group or a run of scans, a grid of temperatures, one decision and
one handover for the group, one sheet of loop cards. The rules run in ``services.busload``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.models import Role, Unit, UnitKind
from guomen.org.scoping import Scope

from .. import forms as f
from .. import services as s
from ..models import CustodyEvent, Disposition, EventKind, Journey, State
from ..projection import flags
from ..rules import flag_labels
from .card import _first_document, qr_svg
from .plumbing import _journeys, _my_units, _require_role, _status, _unit_by_code, likely_units, loop_page

SESSION = "loop_busload"
BUS_MAX = 120  # more than a double-decker: a group beyond this is a manifest import, not a bus
TENTHS = re.compile(r"^(\d{2})(\d)$")  # "365" typed in the grid reads as 36.5 °C
GROUP_HOURS = timedelta(hours=12)
DESTINATIONS = (UnitKind.QUARANTINE_FACILITY, UnitKind.VILLAGE_COMMITTEE)


def _unit(request: HttpRequest, scope: Scope) -> Unit:
    _require_role(scope, Role.PORT_OFFICER)
    units = list(_my_units(scope, UnitKind.PORT_HEALTH_STATION))
    if not units:
        raise PermissionDenied(_("You are not a member of a port health station."))
    code = request.POST.get("unit") or request.GET.get("unit") or request.session.get(SESSION, {}).get("unit")
    return next((u for u in units if u.code == code), units[0])


def _bus(request: HttpRequest, unit: Unit) -> dict[str, Any]:
    bus = request.session.get(SESSION) or {}
    if bus.get("unit") != unit.code:
        bus = {"unit": unit.code, "group": "", "codes": []}
    return bus


def _save(request: HttpRequest, bus: dict[str, Any]) -> None:
    bus["codes"] = bus["codes"][:BUS_MAX]
    request.session[SESSION] = bus


def groups(scope: Scope, unit: Unit) -> list[dict[str, Any]]:
    """The declared groups expected at this port within ``GROUP_HOURS``: a manifest's file or the
    label its sender gave (a vehicle, a bus company's run), with how many are still to arrive."""
    declared = _journeys(scope).filter(custodian=unit, state=State.DECLARED, expected_at__lt=clock.now() + GROUP_HOURS)
    out: dict[str, list[str]] = {}
    for code, data in (
        CustodyEvent.objects.filter(journey__in=declared, kind=EventKind.DECLARED)
        .order_by("journey_id")
        .values_list("journey__code", "data")
    ):
        label = str((data or {}).get("source") or "").rsplit(" #", 1)[0]
        if label:
            out.setdefault(label, []).append(code)
    return [{"label": k, "codes": v, "n": len(v)} for k, v in sorted(out.items())]  # in the manifest's order


def _temperature(value: str) -> str:
    value = value.strip().replace(",", ".")
    m = TENTHS.match(value)
    return f"{m.group(1)}.{m.group(2)}" if m else value


def _rows(scope: Scope, codes: list[str]) -> list[Journey]:
    by_code = {j.code: j for j in _journeys(scope).filter(code__in=codes)}
    rows = [by_code[c] for c in codes if c in by_code]
    readings = s.screened(rows)
    for j in rows:
        j.reading = readings.get(j.pk)
        j.flag_labels = flag_labels(flags(j.facts or {}))
    return rows


@loop_page
@require_http_methods(["GET", "POST"])
def busload(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    unit = _unit(request, scope)
    bus = _bus(request, unit)
    error, status, scan_value = "", 200, ""
    dispose_form = f.BusDisposeForm(
        request.POST if request.POST.get("do") == "dispose" else None,
        destinations=likely_units(unit, DESTINATIONS),
        teams=likely_units(unit, (UnitKind.TRANSFER_TEAM,)),
        sender=unit,
        kinds=DESTINATIONS,
    )
    if request.method == "POST":
        scope.require_write()
        do = request.POST.get("do", "")
        try:
            if do == "group":
                group = next((g for g in groups(scope, unit) if g["label"] == request.POST.get("group")), None)
                bus = {"unit": unit.code, "group": group["label"] if group else "", "codes": group["codes"] if group else []}
            elif do == "clear":
                bus = {"unit": unit.code, "group": "", "codes": []}
            elif do == "scan":
                scan_value = request.POST.get("scan", "")
                j, arrived = s.bus_arrive(actor=request.user, unit=unit, token=scan_value)
                if j.code not in bus["codes"]:
                    bus["codes"].append(j.code)
                who = f"{j.person.name_native} {j.code}"
                messages.success(request, (_("Arrived: %(who)s.") if arrived else _("Already here: %(who)s.")) % {"who": who})
            elif do == "screen":
                _screen(request, scope, bus)
            elif do == "dispose":
                if not _dispose(request, scope, unit, bus, dispose_form):
                    status = _status(request)
            else:
                raise DomainError("unknown_step", _("Unknown step."), status=422)
        except DomainError as e:
            error, status = e.message, _status(request)
        _save(request, bus)
        if status == 200:
            return redirect(reverse("loop:busload") + ("#dispose" if request.POST.get("do") == "dispose" else ""))
    rows = _rows(scope, bus["codes"])
    arrived = [j for j in rows if j.state != State.DECLARED]
    ctx = {
        "unit": unit,
        "bus": bus,
        "groups": groups(scope, unit),
        "rows": rows,
        "arrived": len(arrived),
        "to_screen": [j for j in rows if j.state in (State.AT_GATE, State.INTERCEPTED) and j.reading is None],
        "split": [j for j in rows if j.flag_labels and j.is_open],
        "ready": [j for j in rows if j.state in (State.AT_GATE, State.INTERCEPTED) and j.reading and not j.flag_labels],
        "handed": [j for j in rows if j.state == State.HANDOVER_OFFERED],
        "dispose_form": dispose_form,
        "error": error,
        "scan_value": scan_value if error else "",
    }
    return render(request, "loop/busload.html", ctx, status=status)


def _screen(request: HttpRequest, scope: Scope, bus: dict[str, Any]) -> None:
    readings = []
    for j in _journeys(scope).filter(code__in=bus["codes"], state__in=(State.AT_GATE, State.INTERCEPTED)):
        t = _temperature(request.POST.get(f"t-{j.code}", ""))
        if t:
            readings.append((j, t, request.POST.getlist(f"s-{j.code}")))
    report = s.bus_screen(actor=request.user, readings=readings)
    n = len(report.done) + len(report.split)
    messages.success(request, ngettext("%(n)d screening recorded.", "%(n)d screenings recorded.", n) % {"n": n})
    for j in report.split:
        messages.warning(request, _("Split out of the group, goes to hospital: %(who)s.") % {"who": f"{j.person.name_native} {j.code}"})
    for j, message in report.refused:
        messages.error(request, f"{j.code}: {message}")


def _dispose(request: HttpRequest, scope: Scope, unit: Unit, bus: dict[str, Any], form: f.BusDisposeForm) -> bool:
    if not form.is_valid():
        return False
    d = form.cleaned_data
    try:
        to_unit = _unit_by_code(d.get("to_unit", ""), likely_units(unit, DESTINATIONS))
        team = _unit_by_code(d.get("via_unit", ""), likely_units(unit, (UnitKind.TRANSFER_TEAM,)))
        if d["disposition"] != Disposition.RELEASE and to_unit is None:
            raise DomainError(
                "invalid_destination", _("Choose a destination of the right kind for this disposition."), details={"field": "to_unit"}
            )
    except DomainError as e:
        f.add_domain_error(form, e)
        return False
    journeys = list(_journeys(scope).filter(code__in=bus["codes"]))
    release = d["disposition"] == Disposition.RELEASE
    report = s.bus_dispose(
        actor=request.user,
        journeys=journeys,
        disposition=d["disposition"],
        to_unit=None if release else to_unit,
        via_unit=None if release else team,
    )
    n = len(report.done)
    messages.success(request, ngettext("Decided for %(n)d person.", "Decided for %(n)d people.", n) % {"n": n})
    if report.split:
        messages.warning(
            request,
            _("Split out, each goes to hospital on their own journey page: %(list)s.") % {"list": ", ".join(j.code for j in report.split)},
        )
    if report.waiting:
        messages.warning(request, _("Not yet screened, left waiting: %(list)s.") % {"list": ", ".join(j.code for j in report.waiting)})
    for j, message in report.refused:
        messages.error(request, f"{j.code}: {message}")
    return True


@loop_page
def busload_cards(request: HttpRequest) -> HttpResponse:
    """One sheet with the loop card of everyone handed over from this bus, for the transfer team."""
    scope = Scope.of(request.user)
    unit = _unit(request, scope)
    bus = _bus(request, unit)
    cards = []
    for j in _rows(scope, bus["codes"]):
        if j.state != State.DECLARED:
            cards.append({"j": j, "qr": mark_safe(qr_svg(j.code, scale=3)), "document": _first_document(j)})  # noqa: S308 - segno's own markup
    return render(request, "loop/busload_cards.html", {"cards": cards, "bus": bus})
