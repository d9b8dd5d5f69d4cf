"""The command's pages: dashboard, lists with exports, trends, map, daily reports, dispatch tasks, the PDF sitrep."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guomen.core.links import opens_for
from guomen.core.replica import replica_reads
from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.models import Unit
from guomen.org.scoping import Scope

from . import lists, mapdata, queries, services
from .models import DailyReport, TaskState
from .templatetags.command_links import command_urls

MAP_FILES = {
    "countries": "ne_50m_admin0_chn_mmr_lao_vnm.geojson",
    "border": "ne_10m_boundary_lines_chn_mmr_lao_vnm.geojson",
    "province": "yunnan_outline.geojson",
    "prefectures": "yunnan_border_prefectures.geojson",
}


def _node(request: HttpRequest) -> tuple[Scope, Any]:
    scope = Scope.of(request.user)
    return scope, queries.node_for(scope, request.GET.get("j") or request.POST.get("j"))


def _params(request: HttpRequest) -> dict[str, str]:
    return {k: v for k, v in request.GET.items() if k not in ("j", "page", "format") and "\x00" not in v}


def _blocks(scope: Any, node: Any) -> list[tuple[str, dict[str, Any]]]:
    """Figures higher apps register for the dashboard (e.g. the exchange's health)."""
    from guomen.core import registry

    return [(b.template, c) for b in registry.DASHBOARD if (c := b.context(scope, node)) is not None]


def _render_blocks(request: HttpRequest, scope: Any, node: Any) -> str:
    """The registered blocks, rendered by Django with what a page's template may use — the request
    (its user, its language) and ``{% csrf_token %}`` for a form — without the context processors of
    a whole page."""
    context = {"blocks": _blocks(scope, node), "request": request, "csrf_token": SimpleLazyObject(lambda: get_token(request))}
    return mark_safe(render_to_string("command/_blocks.html", context))  # noqa: S308 - Django rendered it, escaped


@login_required
@replica_reads
def dashboard(request: HttpRequest) -> HttpResponse:
    scope, node = _node(request)
    d = queries.dashboard(scope, node)
    from guomen.alerts.models import AlertLevel
    from guomen.loop.models import State

    urls = command_urls()
    # Each figure's link built here once, not put together from several lookups per item in the template.
    here = f"?j={node.code}"
    states = [(s, label, d.states.get(s, 0), f"{urls['list_journeys']}{here}&state={s}") for s, label in State.choices]
    alerts = [(lvl, label, d.alerts.get(lvl, 0), f"{urls['list_alerts']}{here}&level={lvl}") for lvl, label in AlertLevel.choices]
    arrivals = [{**a, "href": f"{urls['list_arrivals']}{here}&port={a['code']}" if a["code"] else ""} for a in d.arrivals]
    children = [{**c, "href": f"{urls['dashboard']}?j={c['node'].code}"} for c in d.children]
    ctx = {
        "d": d,
        "node": node,
        "crumbs": queries.crumbs(scope, node),
        "states": states,
        "alert_levels": alerts,
        "arrivals": arrivals,
        "children": children,
        "occupancy_pct": round(100 * d.in_facility / d.capacity) if d.capacity else None,
        "may_dispatch": services.may_dispatch(request.user),
        "blocks": _render_blocks(request, scope, node),
        "urls": urls,
    }
    # The figures in Jinja2 (command/jinja2/command/figures.html: compiled once, kept by Jinja2's own cache).
    figures = mark_safe(engines["jinja2"].get_template("command/figures.html").render(ctx))  # noqa: S308 - Jinja2 rendered it, autoescaped
    if request.htmx:  # the minute's refresh: the figures alone
        return HttpResponse(figures)
    return render(request, "command/dashboard.html", {"node": node, "d": d, "crumbs": ctx["crumbs"], "urls": urls, "figures": figures})


@login_required
@replica_reads
def list_view(request: HttpRequest, key: str) -> HttpResponse:
    scope, node = _node(request)
    t = lists.table(key, scope, node, _params(request))
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        return lists.export(t, node, fmt)
    page = Paginator(t.rows, 50).get_page(request.GET.get("page"))
    query = {"j": node.code, **{k: v for k, v in t.params.items() if v}}
    from urllib.parse import urlencode

    qs = urlencode(query)
    ctx = {
        "t": t,
        "node": node,
        "crumbs": queries.crumbs(scope, node),
        "page": page,
        "rows": t.cells(page.object_list),
        "headers": [c.header for c in t.columns],
        "qs": qs,
        "total": page.paginator.count,
    }
    return render(request, "command/list.html", ctx)


@login_required
@replica_reads
def trends(request: HttpRequest) -> HttpResponse:
    scope, node = _node(request)
    days = _days(request)
    data = queries.trends(node, days=days)
    ctx = {
        "node": node,
        "crumbs": queries.crumbs(scope, node),
        "days": days,
        "data": data,
        "chart_labels": {
            "arrivals": _("Daily arrivals by port"),
            "in_loop": _("People in the loop"),
            "alerts": _("Alerts opened and closed"),
            "opened": _("Opened"),
            "closed": _("Closed"),
        },
    }
    return render(request, "command/trends.html", ctx)


def _days(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("days", 30)), 366))
    except ValueError:
        return 30


@login_required
@require_GET
def trends_json(request: HttpRequest) -> JsonResponse:
    _scope, node = _node(request)
    return JsonResponse(queries.trends(node, days=_days(request)))


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    scope, node = _node(request)
    figure = request.GET.get("figure")
    if figure not in mapdata.FIGURES:
        figure = "open"
    figure_labels = {
        "open": _("People in the loop"),
        "arrivals_today": _("Arrivals today"),
        "alerts_open": _("Open alerts"),
        "uncovered_posts": _("Posts not fully staffed (next 24 h)"),
    }
    return render(
        request,
        "command/map.html",
        {
            "node": node,
            "crumbs": queries.crumbs(scope, node),
            "figure": figure,
            "figure_choices": list(figure_labels.items()),
            "map_config": {
                "node": node.code,
                "level": node.level,
                "figure": figure,
                "figures": reverse("command:map_figures") + f"?j={node.code}",
                "countries": reverse("command:map_base", args=["countries"]),
                "province": reverse("command:map_base", args=["province"]),
                "prefectures": reverse("command:map_base", args=["prefectures"]),
                "segments": reverse("api:segments_geojson") + "?links=true",
                "passages": reverse("api:passages_geojson") + "?links=true&date=" + timezone.localdate().isoformat(),
                "villages": reverse("api:villages_geojson"),
                "facilities": reverse("api:facilities_geojson"),
                "map": reverse("command:map"),
                "dashboard": reverse("command:dashboard"),
                "figure_labels": figure_labels,
                "labels": {
                    "open": _("In the loop"),
                    "in_facility": _("In quarantine"),
                    "handover_offered": _("Handovers waiting"),
                    "alerts_open": _("Open alerts"),
                    "arrivals_today": _("Arrivals today"),
                    "uncovered_posts": _("Posts not fully staffed"),
                    "at_gate": _("At the port"),
                    "open_dashboard": _("Open the dashboard"),
                    "open_map": _("Open the county map"),
                    "legend": _("Legend"),
                    "fill": _("County fill"),
                    "none": _("none"),
                    "segments": _("Border segments by risk"),
                    "risk_low": _("low risk"),
                    "risk_medium": _("medium risk"),
                    "risk_high": _("high risk"),
                    "unowned": _("no named person"),
                    "passages": _("Passages by status"),
                    "status_open": _("open"),
                    "status_restricted": _("restricted"),
                    "status_closed": _("closed"),
                    "port": _("port"),
                    "path": _("informal path or ford"),
                    "symbols": _("Symbols"),
                    "village": _("village committee"),
                    "facility": _("quarantine facility"),
                    "province": _("province and prefecture outline"),
                    "click": _("Click a county to open its map."),
                    "hidden": _("Labels that would overlap are hidden; zoom in to see them."),
                    "length": _("Length (km)"),
                    "risk": _("Risk"),
                    "status": _("Status"),
                    "owner": _("Responsible"),
                    "capacity": _("Capacity"),
                    "grids": _("Grids"),
                    "township": _("Township"),
                },
            },
        },
    )


@login_required
@require_GET
def map_figures(request: HttpRequest) -> JsonResponse:
    scope, node = _node(request)
    resp = JsonResponse(mapdata.map_features(scope, node))
    resp["Content-Type"] = "application/geo+json"
    return resp


@login_required
@require_GET
def map_base(request: HttpRequest, name: str) -> FileResponse:
    filename = MAP_FILES.get(name)
    if filename is None:
        raise Http404(_("Not found."))
    path = Path(settings.BASE_DIR) / "guomen" / "places" / "data" / filename
    resp = FileResponse(path.open("rb"), content_type="application/geo+json")
    resp["Cache-Control"] = "private, max-age=86400"
    return resp


# --- daily reports --------------------------------------------------------------------------------
@login_required
def reports(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    day = queries.parse_day(request.GET.get("day"))
    mine = queries.reporting_units(scope)
    if not queries.is_command(scope):
        if not mine:
            raise Http404(_("Not found."))
        return render(request, "command/reports.html", {"day": day, "mine": mine, "node": None})
    node = queries.node_for(scope, request.GET.get("j"))
    roll = queries.rollup(node, day)
    labels = queries.figure_labels()
    ctx = {
        "day": day,
        "prev_day": day - timedelta(days=1),
        "node": node,
        "crumbs": queries.crumbs(scope, node),
        "mine": mine,
        "roll": roll,
        "totals": [(labels[k], roll["totals"][k]) for k in queries.FIGURE_KEYS],
        "deadline": "{:02d}:{:02d}".format(*services.report_deadline()),
    }
    return render(request, "command/reports.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def report_write(request: HttpRequest, unit_code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    unit = scope.get(Unit.objects.select_related("jurisdiction"), code=unit_code)
    if unit not in queries.reporting_units(scope):
        raise Http404(_("Not found."))
    day = queries.parse_day(request.POST.get("day") or request.GET.get("day"))
    from .models import DailyReport

    existing = DailyReport.objects.filter(unit=unit, day=day).first()
    if request.method == "POST":
        try:
            r = services.report_save(
                actor=request.user, unit=unit, day=day, text=request.POST.get("text", ""), submit=request.POST.get("action") == "submit"
            )
        except (DomainError, PermissionDenied) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, _("The report was submitted.") if r.state != "draft" else _("The draft was saved."))
            return redirect("command:report_detail", public_id=r.public_id)
    if existing and existing.level == "prefecture":
        figures = queries.rollup(unit.jurisdiction, day)["totals"]
    else:
        figures = queries.report_prefill(unit, day)
    labels = queries.figure_labels()
    return render(
        request,
        "command/report_write.html",
        {
            "unit": unit,
            "day": day,
            "existing": existing,
            "figures": [(labels[k], figures.get(k, 0)) for k in queries.FIGURE_KEYS],
            "text": request.POST.get("text", existing.text if existing else ""),
        },
    )


@login_required
def report_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    scope = Scope.of(request.user)
    r = scope.get(DailyReport.objects.select_related("unit", "jurisdiction", "submitted_by", "acknowledged_by"), public_id=public_id)
    labels = queries.figure_labels()
    return render(
        request,
        "command/report_detail.html",
        {
            "r": r,
            "figures": [(labels[k], r.figures.get(k, 0)) for k in queries.FIGURE_KEYS],
            "may_ack": r.state == "submitted" and queries.may_acknowledge(scope, r),
            "may_edit": r.state != "acknowledged" and r.unit in queries.reporting_units(scope),
        },
    )


@login_required
@require_POST
def report_ack(request: HttpRequest, public_id: str) -> HttpResponse:
    scope = Scope.of(request.user)
    r = scope.get(DailyReport.objects.all(), public_id=public_id)
    try:
        services.report_acknowledge(actor=request.user, report=r, note=request.POST.get("note", ""))
        messages.success(request, _("The report was acknowledged."))
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("command:report_detail", public_id=r.public_id)


# --- dispatch tasks -------------------------------------------------------------------------------
def _parse_due(value: str) -> datetime | None:
    try:
        t = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return t if timezone.is_aware(t) else t.replace(tzinfo=queries.tz())


@login_required
@opens_for(services.may_dispatch)
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest) -> HttpResponse:
    scope, node = _node(request)
    data = request.POST if request.method == "POST" else request.GET
    units = queries.assignable_units(scope, node)
    alert = None
    alert_id = data.get("alert", "")
    if alert_id:
        from guomen.alerts.models import Alert

        alert = scope.get(Alert.objects.select_related("unit"), public_id=alert_id)
    if request.method == "POST":
        unit = units.filter(code=data.get("unit", "")).first()
        due = _parse_due(data.get("due_at", ""))
        problems = services.task_problems(title=data.get("title", ""), details=data.get("details", ""), due_at=due)
        if unit is None:
            messages.error(request, _("Choose the unit that is to do the task."))
        for problem in problems:  # every missing or wrong field at once
            messages.error(request, problem.message)
        if unit is not None and not problems:
            try:
                t = services.task_create(
                    actor=request.user,
                    unit=unit,
                    title=data.get("title", ""),
                    details=data.get("details", ""),
                    due_at=due,
                    source=data.get("source", ""),
                    source_ref=data.get("ref", ""),
                    alert=alert,
                )
            except (DomainError, PermissionDenied) as exc:
                messages.error(request, getattr(exc, "message", str(exc)))
            else:
                messages.success(request, _("The task was dispatched."))
                return redirect("command:task_detail", public_id=t.public_id)
    default_due = timezone.localtime(clock.now() + timedelta(hours=4), queries.tz()).strftime("%Y-%m-%dT%H:%M")
    title = data.get("title", "")
    if not title and alert is not None:
        title = _("Deal with the alert: %(alert)s") % {"alert": alert}
    elif not title and data.get("source"):
        title = _("Follow up: %(what)s in %(where)s") % {
            "what": lists.LABELS.get(data.get("source"), data.get("source")),
            "where": node.name,
        }
    return render(
        request,
        "command/task_new.html",
        {
            "node": node,
            "units": units.order_by("jurisdiction__path", "kind", "code")[:500],
            "unit_code": data.get("unit", ""),
            "title": title,
            "details": data.get("details", ""),
            "due_at": data.get("due_at", default_due),
            "source": data.get("source", ""),
            "ref": data.get("ref", ""),
            "alert": alert,
        },
    )


@login_required
def task_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    scope = Scope.of(request.user)
    t = queries.task_get(scope, public_id)
    return render(
        request,
        "command/task_detail.html",
        {
            "t": t,
            "progress": t.progress.select_related("by"),
            "may_progress": t.is_open and not scope.read_only and (scope.acts_for(t.unit) or scope.acts_for(t.issued_by_unit)),
            "may_cancel": t.is_open and not scope.read_only and scope.acts_for(t.issued_by_unit),
            "overdue": t.is_open and t.due_at < clock.now(),
        },
    )


@login_required
@require_POST
def task_progress(request: HttpRequest, public_id: str) -> HttpResponse:
    scope = Scope.of(request.user)
    t = queries.task_get(scope, public_id)
    state = TaskState.DONE if request.POST.get("action") == "done" else TaskState.IN_PROGRESS
    try:
        services.task_progress(actor=request.user, task=t, text=request.POST.get("text", ""), state=state)
        messages.success(request, _("Progress recorded."))
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("command:task_detail", public_id=t.public_id)


@login_required
@require_POST
def task_cancel(request: HttpRequest, public_id: str) -> HttpResponse:
    scope = Scope.of(request.user)
    t = queries.task_get(scope, public_id)
    try:
        services.task_cancel(actor=request.user, task=t, reason=request.POST.get("reason", ""))
        messages.success(request, _("The task was cancelled."))
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("command:task_detail", public_id=t.public_id)


# --- the daily situation report as PDF ----------------------------------------------------------------
def sitrep_pdf_bytes(scope: Scope, node: Any, day: Any, lang: str) -> bytes:
    from weasyprint import HTML

    from guomen.alerts.models import AlertLevel
    from guomen.loop.models import State

    with translation.override(lang):
        d = queries.dashboard(scope, node)
        roll = queries.rollup(node, day)
        labels = queries.figure_labels()
        html = render_to_string(
            "command/sitrep.html",
            {
                "node": node,
                "day": day,
                "d": d,
                "lang": lang,
                "states": [(State(s).label, d.states.get(s, 0)) for s in State.values],
                "alert_levels": [(AlertLevel(v).label, d.alerts.get(v, 0)) for v in AlertLevel.values],
                "totals": [(labels[k], roll["totals"][k]) for k in queries.FIGURE_KEYS],
                "roll": roll,
                "generated": timezone.localtime(clock.now(), queries.tz()),
            },
        )
    return HTML(string=html).write_pdf()


@login_required
@require_GET
def sitrep_pdf(request: HttpRequest) -> HttpResponse:
    scope, node = _node(request)
    day = queries.parse_day(request.GET.get("day"))
    lang = "en" if request.GET.get("lang") == "en" else "zh-hans"
    pdf = sitrep_pdf_bytes(scope, node, day, lang)
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="sitrep-{node.code}-{day.isoformat()}-{lang}.pdf"'
    return resp
