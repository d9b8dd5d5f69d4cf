from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Unit, UnitKind
from .scoping import Scope


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    qs = scope.filter(Unit.objects.select_related("jurisdiction", "passage"))
    kind = request.GET.get("kind") or ""
    if kind in UnitKind.values:
        qs = qs.filter(kind=kind)
    q = (request.GET.get("q") or "").strip()
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(code__icontains=q))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    template = "org/unit_list.html#rows" if request.htmx else "org/unit_list.html"
    return render(request, template, {"page": page, "kinds": UnitKind.choices, "kind": kind, "q": q})


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    unit = scope.get(Unit.objects.select_related("jurisdiction", "passage"), code=code)
    members = unit.memberships.select_related("user").order_by("role", "user__username")
    return render(request, "org/unit_detail.html", {"unit": unit, "members": members})
