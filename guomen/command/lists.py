"""The lists behind the dashboard's figures: one definition serves the page and the CSV/XLSX export.

Every list is of one jurisdiction node the user commands, read through Scope; personal data is
masked exactly as on screen.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guomen.lib import clock
from guomen.org.models import Unit, UnitKind
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

from . import queries, services
from .models import OPEN_TASK_STATES, TaskState

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def mask_name(name: str) -> str:
    """Keep the first letter of each word: 王芳 → 王*, Aung Kyaw → A*** K***."""
    name = (name or "").strip()
    if not name:
        return ""
    if " " not in name:
        return name[0] + "*" * max(1, len(name) - 1)
    return " ".join(w[0] + "*" * max(1, len(w) - 1) for w in name.split() if w)


def when(t: datetime | None) -> str:
    if t is None:
        return ""
    return date_format(timezone.localtime(t, queries.tz()), "Y-m-d H:i")


@dataclass
class Column:
    header: Any
    value: Callable[[Any], Any]
    link: Callable[[Any], str | None] | None = None


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: QuerySet[Any] | list[Any]
    params: dict[str, str] = field(default_factory=dict)

    def total(self) -> int:
        return self.rows.count() if isinstance(self.rows, QuerySet) else len(self.rows)

    def cells(self, rows: Iterable[Any]) -> list[list[tuple[Any, str | None]]]:
        return [[(c.value(r), c.link(r) if c.link else None) for c in self.columns] for r in rows]


LABELS = {
    "journeys": gettext_lazy("Journeys"),
    "arrivals": gettext_lazy("Arrivals"),
    "quarantine": gettext_lazy("Centralised quarantine: occupancy"),
    "handovers": gettext_lazy("Handovers waiting"),
    "alerts": gettext_lazy("Open alerts"),
    "positives": gettext_lazy("Positive results"),
    "segments": gettext_lazy("Border segments without a named person"),
    "tasks": gettext_lazy("Dispatch tasks"),
    "reports": gettext_lazy("Daily reports"),
}


def _journeys(scope: Scope, node: Jurisdiction, p: dict[str, str]) -> Table:
    from guomen.loop.models import Journey, State

    qs = scope.filter(Journey.objects.filter(jurisdiction__path__startswith=node.path))
    state = p.get("state", "")
    title = str(LABELS["journeys"])
    if state in State.values:
        qs = qs.filter(state=state)
        title = f"{title}: {State(state).label}"
    else:
        state = ""
    qs = qs.select_related("person", "custodian", "port").order_by("-opened_at", "-id")
    cols = [
        Column(_("Loop code"), lambda j: j.code),
        Column(_("Person"), lambda j: mask_name(j.person.name_native)),
        Column(_("Nationality"), lambda j: j.person.nationality),
        Column(_("State"), lambda j: j.get_state_display()),
        Column(_("Custodian"), lambda j: j.custodian.name),
        Column(_("Port"), lambda j: j.port.name if j.port else ""),
        Column(_("Risk"), lambda j: j.get_risk_display()),
        Column(_("Opened"), lambda j: when(j.opened_at)),
        Column(_("Next step due"), lambda j: when(j.due_at)),
    ]
    return Table("journeys", title, cols, qs, {"state": state})


def _arrivals(scope: Scope, node: Jurisdiction, p: dict[str, str]) -> Table:
    from guomen.loop.models import CustodyEvent, EventKind, Journey

    day = queries.parse_day(p.get("day"))
    start, end = queries.day_bounds(day)
    journeys = scope.filter(Journey.objects.all()).values("pk")
    qs = CustodyEvent.objects.filter(
        kind=EventKind.ARRIVED,
        occurred_at__gte=start,
        occurred_at__lt=end,
        unit__jurisdiction__path__startswith=node.path,
        journey__in=journeys,
    )
    port = p.get("port", "")
    if port:
        qs = qs.filter(unit__passage__code=port)
    qs = qs.select_related("journey__person", "unit__passage").order_by("-occurred_at", "-id")
    cols = [
        Column(_("Time"), lambda e: when(e.occurred_at)),
        Column(_("Loop code"), lambda e: e.journey.code),
        Column(_("Person"), lambda e: mask_name(e.journey.person.name_native)),
        Column(_("Nationality"), lambda e: e.journey.person.nationality),
        Column(_("Port"), lambda e: e.unit.passage.name if e.unit.passage else e.unit.name),
    ]
    return Table("arrivals", f"{LABELS['arrivals']} · {day.isoformat()}", cols, qs, {"day": day.isoformat(), "port": port})


def _quarantine(scope: Scope, node: Jurisdiction, p: dict[str, str]) -> Table:
    from guomen.loop.models import Journey, State

    occupied = (
        Journey.objects.filter(custodian=OuterRef("pk"), state=State.IN_FACILITY).values("custodian").annotate(n=Count("id")).values("n")
    )
    qs = (
        scope.filter(Unit.objects.filter(kind=UnitKind.QUARANTINE_FACILITY, active=True, jurisdiction__path__startswith=node.path))
        .annotate(occupied=Subquery(occupied))
        .select_related("jurisdiction")
        .order_by("jurisdiction__path", "code")
    )
    cols = [
        Column(_("Facility"), lambda u: u.name, lambda u: reverse("unit_detail", args=[u.code])),
        Column(_("Jurisdiction"), lambda u: u.jurisdiction.name),
        Column(_("In quarantine"), lambda u: u.occupied or 0),
        Column(_("Capacity"), lambda u: u.capacity or 0),
        Column(_("Free"), lambda u: max(0, (u.capacity or 0) - (u.occupied or 0))),
    ]
    return Table("quarantine", str(LABELS["quarantine"]), cols, qs)


def _handovers(scope: Scope, node: Jurisdiction, p: dict[str, str]) -> Table:
    from guomen.loop.models import CustodyEvent, EventKind, Journey, State

    now = clock.now()
    offered = (
        CustodyEvent.objects.filter(journey=OuterRef("pk"), kind=EventKind.HANDOVER_OFFERED).order_by("-seq").values("occurred_at")[:1]
    )
    qs = (
        scope.filter(Journey.objects.filter(state=State.HANDOVER_OFFERED, jurisdiction__path__startswith=node.path))
        .annotate(offered_at=Subquery(offered))
        .select_related("person", "custodian", "pending_unit")
        .order_by("offered_at", "id")
    )

    def age(j: Any) -> str:
        return f"{(now - j.offered_at).total_seconds() / 3600:.1f}" if j.offered_at else ""

    cols = [
        Column(_("Loop code"), lambda j: j.code),
        Column(_("Person"), lambda j: mask_name(j.person.name_native)),
        Column(_("From"), lambda j: j.custodian.name),
        Column(_("To"), lambda j: j.pending_unit.name if j.pending_unit else ""),
        Column(_("Offered"), lambda j: when(j.offered_at)),
        Column(_("Waiting (hours)"), age),
        Column(_("Due"), lambda j: when(j.due_at)),
    ]
    return Table("handovers", str(LABELS["handovers"]), cols, qs)


def _alerts(scope: Scope, node: Jurisdiction, p: dict[str, str]) -> Table:
    from guomen.alerts.models import AlertLevel
    from guomen.alerts.queries import within

    qs = within(scope, node.path)  # the same query as the dashboard's figure
    level = p.get("level", "")
    title = str(LABELS["alerts"])
    if level.isdigit() and int(level) in AlertLevel.values:
        qs = qs.filter(level=int(level))
        title = f"{title}: {AlertLevel(int(level)).label}"
    else:
        level = ""
    qs = qs.select_related("unit").order_by("-level", "opened_at")
    cols = [
        Column(_("Opened"), lambda a: when(a.opened_at)),
        Column(_("Kind"), lambda a: a.get_kind_display()),
        Column(_("Level"), lambda a: a.get_level_display()),
        Column(_("Unit"), lambda a: a.unit.name),
        Column(_("About"), lambda a: a.ref_code or a.subject, lambda a: reverse("alerts:detail", args=[a.public_id])),
    ]
    if services.scope_dispatches(scope):  # the rule of the task page: no link the user cannot follow
        cols.append(
            Column(
                _("Dispatch"),
                lambda a: _("dispatch"),
                lambda a: reverse("command:task_new") + f"?j={node.code}&source=alert&alert={a.public_id}&unit={a.unit.code}",
            )
        )
    return Table("alerts", title, cols, qs, {"level": level})


def _positives(scope: Scope, node: Jurisdiction, p: dict[str, str]) -> Table:
    from guomen.loop.models import CustodyEvent, EventKind, Journey

    day = queries.parse_day(p.get("day"))
    start, end = queries.day_bounds(day)
    qs = (
        CustodyEvent.objects.filter(
            kind=EventKind.TEST_RESULT,
            occurred_at__gte=start,
            occurred_at__lt=end,
            data__result="positive",
            unit__jurisdiction__path__startswith=node.path,
            journey__in=scope.filter(Journey.objects.all()).values("pk"),
        )
        .select_related("journey__person", "unit")
        .order_by("-occurred_at")
    )
    cols = [
        Column(_("Time"), lambda e: when(e.occurred_at)),
        Column(_("Loop code"), lambda e: e.journey.code),
        Column(_("Person"), lambda e: mask_name(e.journey.person.name_native)),
        Column(_("Unit"), lambda e: e.unit.name),
    ]
    return Table("positives", f"{LABELS['positives']} · {day.isoformat()}", cols, qs, {"day": day.isoformat()})


def _segments(scope: Scope, node: Jurisdiction, p: dict[str, str]) -> Table:
    from guomen.places.models import BorderSegment

    qs = (
        scope.filter(BorderSegment.objects.filter(county__path__startswith=node.path, responsible_person__isnull=True))
        .select_related("county", "responsible_unit")
        .order_by("county__path", "code")
    )
    cols = [
        Column(_("Segment"), lambda s: s.code),
        Column(_("County"), lambda s: s.county.name),
        Column(_("Neighbour"), lambda s: s.get_neighbour_display()),
        Column(_("Length (km)"), lambda s: round(s.length_km, 1)),
        Column(_("Risk"), lambda s: s.get_risk_display()),
        Column(_("Responsible unit"), lambda s: s.responsible_unit.name if s.responsible_unit else ""),
    ]
    if services.scope_dispatches(scope):
        cols.append(
            Column(
                _("Dispatch"),
                lambda s: _("dispatch"),
                lambda s: reverse("command:task_new") + f"?j={node.code}&source=segment&ref={s.code}",
            )
        )
    return Table("segments", str(LABELS["segments"]), cols, qs)


def _tasks(scope: Scope, node: Jurisdiction, p: dict[str, str]) -> Table:
    qs = queries.tasks(scope, node)
    state = p.get("state", "open")
    if state == "open":
        qs = qs.filter(state__in=OPEN_TASK_STATES)
    elif state == "overdue":
        qs = qs.filter(state__in=OPEN_TASK_STATES, due_at__lt=clock.now())
    elif state in TaskState.values:
        qs = qs.filter(state=state)
    else:
        state = "all"
    cols = [
        Column(_("Task"), lambda t: t.title, lambda t: reverse("command:task_detail", args=[t.public_id])),
        Column(_("Assigned unit"), lambda t: t.unit.name),
        Column(_("Issued by"), lambda t: t.issued_by_unit.name),
        Column(_("Due"), lambda t: when(t.due_at)),
        Column(_("State"), lambda t: t.get_state_display()),
        Column(_("Escalated"), lambda t: when(t.escalated_at)),
    ]
    return Table("tasks", str(LABELS["tasks"]), cols, qs.order_by("due_at", "id"), {"state": state})


def _reports(scope: Scope, node: Jurisdiction, p: dict[str, str]) -> Table:
    day = queries.parse_day(p.get("day"))
    qs = queries.reports(scope, node, day).order_by("jurisdiction__path", "unit__code")
    labels = queries.figure_labels()
    cols = [
        Column(_("Unit"), lambda r: r.unit.name, lambda r: reverse("command:report_detail", args=[r.public_id])),
        Column(_("Level"), lambda r: r.get_level_display()),
        Column(_("State"), lambda r: r.get_state_display()),
        Column(_("Submitted"), lambda r: when(r.submitted_at)),
        *[
            Column(labels[k], (lambda key: lambda r: r.figures.get(key, 0))(k))
            for k in ("arrivals", "in_quarantine", "positives", "alerts_open")
        ],
        Column(_("Text"), lambda r: r.text),
    ]
    return Table("reports", f"{LABELS['reports']} · {day.isoformat()}", cols, qs, {"day": day.isoformat()})


BUILDERS: dict[str, Callable[[Scope, Jurisdiction, dict[str, str]], Table]] = {
    "journeys": _journeys,
    "arrivals": _arrivals,
    "quarantine": _quarantine,
    "handovers": _handovers,
    "alerts": _alerts,
    "positives": _positives,
    "segments": _segments,
    "tasks": _tasks,
    "reports": _reports,
}


def table(key: str, scope: Scope, node: Jurisdiction, params: dict[str, str]) -> Table:
    builder = BUILDERS.get(key)
    if builder is None:
        raise Http404(_("Not found."))
    return builder(scope, node, params)


# --- export ---------------------------------------------------------------------------------------
def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    return CONTROL.sub("", str(value))


def _csv_safe(value: Any) -> Any:
    """Keep spreadsheet programs from reading a cell as a formula."""
    value = _cell(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def export(t: Table, node: Jurisdiction, fmt: str) -> HttpResponse:
    headers = [str(c.header) for c in t.columns]
    name = f"{t.key}-{node.code}-{queries.local_today().isoformat()}"
    rows = t.rows.iterator(chunk_size=2000) if isinstance(t.rows, QuerySet) else t.rows
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")  # so that spreadsheet programs read UTF-8
        w = csv.writer(buf)
        w.writerow(headers)
        for r in rows:
            w.writerow([_csv_safe(c.value(r)) for c in t.columns])
        resp = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return resp
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=t.key[:31])
    ws.append([_cell(t.title)])
    ws.append(headers)
    for r in rows:
        ws.append([_csv_safe(c.value(r)) for c in t.columns])
    out = io.BytesIO()
    wb.save(out)
    resp = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return resp
