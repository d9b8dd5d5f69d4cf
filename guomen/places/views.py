from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guomen.org.models import Unit, UnitKind
from guomen.org.scoping import Scope

from .models import Jurisdiction, Passage


@login_required
def jurisdiction_list(request: HttpRequest) -> HttpResponse:
    """The top of the user's reach: the jurisdictions whose parent is outside it."""
    scope = Scope.of(request.user)
    reach = scope.filter(Jurisdiction.objects.all())
    tops = reach.exclude(parent__in=reach).annotate(n_children=Count("children"))
    return render(request, "places/jurisdiction_list.html", {"tops": tops})


@login_required
def jurisdiction_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    j = scope.get(Jurisdiction.objects.select_related("parent"), code=code)
    children = scope.filter(j.children.all()).annotate(
        n_units=Count("units", distinct=True),
    )
    units = scope.filter(Unit.objects.filter(jurisdiction=j).select_related("passage"))
    sub_units = [
        (UnitKind(r["kind"]).label, r["n"])
        for r in scope.filter(Unit.objects.filter(jurisdiction__path__startswith=j.path))
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    ]
    passages = scope.filter(Passage.objects.filter(Q(county__path__startswith=j.path)).select_related("county"))
    ancestors = [a for a in j.ancestors() if scope.filter(Jurisdiction.objects.filter(pk=a.pk)).exists()]
    return render(
        request,
        "places/jurisdiction_detail.html",
        {"j": j, "children": children, "units": units, "sub_units": sub_units, "passages": passages, "ancestors": ancestors},
    )
