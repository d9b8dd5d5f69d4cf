"""The national view page: the provinces' published counts, summed (see ``national``)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from guomen.core.replica import replica_reads
from guomen.org.scoping import Scope

from . import national

COLUMNS = ("state:at_gate", "state:in_transit", "state:in_facility", "state:in_hospital", "state:home_monitoring", "arrived", "positive")


def may_see_national(user) -> bool:
    """Administrators and those who command or audit a whole province."""
    scope = Scope.of(user)
    return scope.everything or any(p.count("/") == 2 for p in scope.subtree_paths)


@login_required
@replica_reads
def national_page(request: HttpRequest) -> HttpResponse:
    if not may_see_national(request.user):
        raise PermissionDenied(_("The national view is for province commands and administrators."))
    day = None
    raw = request.GET.get("day", "")
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("Give the day as YYYY-MM-DD."))
    figures = national.national_figures(day)
    from guomen.loop.models import State

    labels = {f"state:{s}": State(s).label for s in State.values}
    labels.update({"arrived": _("Arrived today"), "positive": _("Positive results today")})

    def row(area: national.Area) -> dict:
        return {"area": area, "open": area.open, "values": [area.figures.get(c, 0) for c in COLUMNS]}

    provinces = [{**row(p), "counties": [row(c) for c in figures.counties.get(p.code, [])]} for p in figures.provinces]
    return render(
        request,
        "command/national.html",
        {"f": figures, "labels": [labels[c] for c in COLUMNS], "total": row(figures.total), "provinces": provinces},
    )
