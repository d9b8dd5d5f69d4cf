"""The destination picker's narrowed list (``loop.destinations``), fetched as the user types or chooses."""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guomen.org.models import Unit
from guomen.org.scoping import Scope

from ..destinations import Picked, results_context, search_url
from .plumbing import RECEIVING_KINDS, likely_units, loop_page

_NAME = re.compile(r"^[a-z_]{1,30}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


@loop_page
@require_GET
def destinations(request: HttpRequest) -> HttpResponse:
    """The units ``from`` may send a person to, of the ``kinds`` asked, narrowed by the words and
    the county and township chosen — the same directory the form accepts, never more."""
    scope = Scope.of(request.user)
    unit = Unit.objects.select_related("jurisdiction").filter(code=request.GET.get("from", ""), active=True).first()
    if unit is None or not (scope.acts_for(unit) or scope.reaches_unit(unit)):
        raise Http404
    kinds = [k for k in request.GET.get("kinds", "").split(",") if k in RECEIVING_KINDS]
    name = request.GET.get("name", "")
    if not kinds or not _NAME.match(name):
        raise Http404
    element_id = request.GET.get("id", "")
    attrs = {"id": element_id} if _ID.match(element_id) else {}
    picked = Picked.of(request.GET, name)
    picker = results_context(name, request.GET.get(name, ""), likely_units(unit, kinds), picked, attrs)
    picker["url"] = search_url(unit, kinds, name, element_id if attrs else "")
    return render(request, "loop/widgets/_destination_results.html", {"picker": picker})
