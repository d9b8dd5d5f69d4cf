"""The alert inbox and an alert's own page. Compact rows with filters and paging (usable on a
phone); every action posts to a service; reads go through ``Scope``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.models import Role, Unit
from guomen.org.scoping import Scope

from . import queries, registry, services
from .models import Alert, AlertLevel

INBOX_ROLES = tuple(r for r in Role.values if r not in (Role.PARTNER_LIAISON, Role.INFORMATION_OFFICER))
PAGE_SIZE = 25


def _scope(request: HttpRequest) -> Scope:
    scope = Scope.of(request.user)
    if not scope.everything and not scope.has_role(*INBOX_ROLES):
        raise PermissionDenied(_("Alerts are for the units that hold people and for the command."))
    return scope


def _age(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return _("%(m)d min") % {"m": mins}


def ref_url(a: Alert) -> str:
    rt = registry.REFS.get(a.ref_type)
    if rt is None or not a.ref_code:
        return ""
    try:
        return rt.url(a.ref_code)
    except NoReverseMatch:
        return ""


def state_label(a: Alert) -> Any:
    rt = registry.REFS.get(a.ref_type)
    return rt.state_label(a.state) if rt and a.state else a.state


def _decorate(rows: list[Alert], now: datetime) -> list[Alert]:
    names: dict[tuple[str, int], str] = {}
    for rt in {a.ref_type for a in rows if a.ref is not None}:
        hook = registry.REFS.get(rt)
        if hook is not None and hook.names is not None:
            names.update({(rt, k): v for k, v in hook.names([a.ref for a in rows if a.ref_type == rt]).items()})
    for a in rows:
        a.age = _age((a.closed_at or now) - a.opened_at)
        a.ref_link = ref_url(a)
        a.state_text = state_label(a)
        a.who = names.get((a.ref_type, a.ref), "") if a.ref is not None else ""
    return rows


WHAT = {
    "opened": gettext_lazy("opened"),
    "escalated": gettext_lazy("escalated"),
    "acknowledged": gettext_lazy("acknowledged"),
    "assigned": gettext_lazy("assigned"),
    "closed": gettext_lazy("closed"),
}


def _history(a: Alert) -> list[dict[str, Any]]:
    names = queries.jurisdiction_names({e.get("jurisdiction", "") for e in a.history})
    out = []
    for e in a.history:
        try:
            at = timezone.localtime(datetime.fromisoformat(e["at"]))
        except (KeyError, TypeError, ValueError):
            at = None
        out.append(
            {
                **e,
                "at": at,
                "name": names.get(e.get("jurisdiction", ""), e.get("jurisdiction", "")),
                "level_label": AlertLevel(e.get("level", 0)).label,
                "what_label": WHAT.get(e.get("what", ""), e.get("what", "")),
            }
        )
    return out


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    f = queries.Filters.parse(request.GET)
    qs = queries.inbox(scope, f)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _decorate(list(page.object_list), clock.now())
    units = Unit.objects.filter(pk__in=queries.within(scope, state=f.state).values("unit_id")).order_by("code")
    params = f.as_params()
    ctx = {
        "rows": rows,
        "page": page,
        "f": f,
        "query": urlencode(params),
        "kinds": registry.choices(),
        "levels": AlertLevel.choices,
        "units": units[:300],
        "write": not scope.read_only,
        "total": page.paginator.count,
    }
    if request.htmx and request.GET.get("part") == "list":
        return render(request, "alerts/inbox.html#list", ctx)
    return render(request, "alerts/inbox.html", ctx)


@login_required
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    scope = _scope(request)
    a = queries.get(scope, public_id)
    _decorate([a], clock.now())
    ctx = {
        "a": a,
        "history": _history(a),
        "write": not scope.read_only and a.closed_at is None,
        "assignees": services.assignable(scope, a) if not scope.read_only else [],
    }
    return render(request, "alerts/detail.html", ctx)


@login_required
@require_POST
def act(request: HttpRequest, public_id: str, action: str) -> HttpResponseRedirect:
    scope = _scope(request)
    a = queries.get(scope, public_id)
    back = _next(request, reverse("alerts:detail", args=[a.public_id]))
    try:
        if action == "acknowledge":
            services.alert_acknowledge(actor=request.user, alert=a)
            messages.success(request, _("Alert acknowledged."))
        elif action == "close":
            services.alert_close(actor=request.user, alert=a, note=request.POST.get("note", ""))
            messages.success(request, _("Alert closed."))
        elif action == "assign":
            services.alert_assign(actor=request.user, alert=a, username=request.POST.get("to", ""))
            messages.success(request, _("Alert assigned."))
        else:
            raise Http404
    except DomainError as e:
        messages.error(request, e.message)
    return redirect(back)


def legacy_inbox(request: HttpRequest) -> HttpResponseRedirect:
    """The inbox used to live at /loop/alerts/."""
    query = request.GET.urlencode()
    return redirect(reverse("alerts:inbox") + (f"?{query}" if query else ""), permanent=True)
