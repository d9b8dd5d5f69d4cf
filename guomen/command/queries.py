"""Reads for the command: the jurisdiction a user commands, its figures, trends and map.

Every figure is computed for one jurisdiction node the user reaches as a command (their subtree);
anything else is 404. Journeys are never counted row by row on the dashboard: the loop keeps
per-(jurisdiction, state) counters, summed here over the subtree (a path prefix).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from guomen.duty.models import DutyTask, Incident, IncidentStatus, TaskStatus
from guomen.duty.queries import command_figures as duty_command_figures
from guomen.lib import clock
from guomen.lib.localtime import local_day, zone
from guomen.org.models import COMMAND_LEVEL, Role, Unit, UnitKind
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope
from guomen.places.models import PORT_KINDS, BorderSegment, Jurisdiction, Level, Passage

from .models import OPEN_TASK_STATES, DailyReport, DispatchTask, LoopSnapshot, ReportLevel, ReportState


# --- time ---------------------------------------------------------------------------------------
def tz() -> ZoneInfo:
    return zone()


def local_today(now: datetime | None = None) -> date:
    return local_day(now or clock.now())


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=tz())
    return start, start + timedelta(days=1)


def parse_day(value: Any, default: date | None = None) -> date:
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return default or local_today()


# --- the node a command looks at ------------------------------------------------------------------
def is_command(scope: Scope) -> bool:
    return scope.everything or bool(scope.subtree_paths)


def roots(scope: Scope) -> list[Jurisdiction]:
    if scope.everything:
        return list(Jurisdiction.objects.filter(parent__isnull=True))
    return list(Jurisdiction.objects.filter(path__in=scope.subtree_paths))


def commands(scope: Scope, node: Jurisdiction) -> bool:
    return scope.everything or any(node.path.startswith(p) for p in scope.subtree_paths)


def node_for(scope: Scope, code: str | None = None) -> Jurisdiction:
    """The jurisdiction to show: ``code`` if the user commands it, else their own top; 404 otherwise."""
    if not is_command(scope):
        raise Http404(_("Not found."))
    if not code:
        tops = roots(scope)
        if not tops:
            raise Http404(_("Not found."))
        return tops[0]
    node = Jurisdiction.objects.filter(code=code).first()
    if node is None or not commands(scope, node):
        raise Http404(_("Not found."))
    return node


def crumbs(scope: Scope, node: Jurisdiction) -> list[Jurisdiction]:
    return [j for j in [*node.ancestors(), node] if commands(scope, j)]


def subtree_ids(node: Jurisdiction) -> list[int]:
    return list(Jurisdiction.objects.filter(path__startswith=node.path).values_list("id", flat=True))


def drill_children(node: Jurisdiction) -> list[Jurisdiction]:
    """The levels a command drills into: prefectures, counties (townships and villages are listed, not drilled)."""
    if node.level not in (Level.PROVINCE, Level.PREFECTURE):
        return []
    return list(node.children.order_by("code"))


# --- figures ------------------------------------------------------------------------------------
def state_counts(node: Jurisdiction) -> dict[str, int]:
    from guomen.loop.queries import counts_by_state

    return counts_by_state(node)


def child_state_counts(node: Jurisdiction, children: list[Jurisdiction]) -> dict[str, dict[str, int]]:
    """Journeys by state for each of ``children`` (disjoint subtrees of ``node``), from one grouped read of the counters."""
    from guomen.loop.queries import counts_under

    by_path = counts_under(c.path for c in children)
    return {c.code: by_path[c.path] for c in children}


def ports_in(node: Jurisdiction) -> list[Passage]:
    return list(Passage.objects.filter(county__path__startswith=node.path, kind__in=PORT_KINDS).order_by("code"))


def arrivals_by_unit(ids: list[int], day: date) -> dict[int, int]:
    """Arrivals on the local ``day`` per receiving unit in the jurisdictions ``ids`` (the loop's daily counters)."""
    from guomen.loop.models import DailyCount

    rows = (
        DailyCount.objects.filter(what=DailyCount.ARRIVED, day=day, unit__jurisdiction_id__in=ids)
        .values("unit_id")
        .order_by()
        .annotate(total=Sum("n"))
    )
    return {r["unit_id"]: r["total"] for r in rows if r["total"]}


def arrivals_by_port(node: Jurisdiction, ids: list[int], day: date) -> list[dict[str, Any]]:
    per_unit = arrivals_by_unit(ids, day)
    ports = {p.pk: p for p in ports_in(node)}
    units = Unit.objects.filter(pk__in=list(per_unit)).values_list("pk", "passage_id")
    per_port: dict[int | None, int] = {}
    for unit_id, passage_id in units:
        per_port[passage_id] = per_port.get(passage_id, 0) + per_unit[unit_id]
    out = [{"port": p, "code": p.code, "name": p.name, "n": per_port.get(pk, 0)} for pk, p in ports.items()]
    other = sum(n for pk, n in per_port.items() if pk not in ports)
    if other:
        out.append({"port": None, "code": "", "name": _("Other units"), "n": other})
    return out


def quarantine_capacity(node: Jurisdiction) -> int:
    return (
        Unit.objects.filter(kind=UnitKind.QUARANTINE_FACILITY, active=True, jurisdiction__path__startswith=node.path).aggregate(
            c=Sum("capacity")
        )["c"]
        or 0
    )


def handover_ages(ids: list[int], now: datetime) -> dict[str, Any]:
    """Handovers waiting: the oldest offer's age and how many are overdue (index on jurisdiction, state, state_since)."""
    from guomen.loop.models import Journey, State

    agg = Journey.objects.filter(state=State.HANDOVER_OFFERED, jurisdiction_id__in=ids).aggregate(
        oldest=Min("state_since"), overdue=Count("id", filter=Q(due_at__lt=now))
    )
    oldest = agg["oldest"]
    return {"oldest_hours": round((now - oldest).total_seconds() / 3600, 1) if oldest else None, "overdue": agg["overdue"] or 0}


def alerts_by_level(scope: Scope, node: Jurisdiction) -> dict[int, int]:
    """Open alerts raised in ``node``'s subtree by level: the same query as the list behind them."""
    from guomen.alerts import queries as alert_queries

    return alert_queries.by_level(alert_queries.within(scope, node.path))


def positives(ids: list[int], day: date) -> int:
    """Positive test results recorded on the local ``day`` by units in the jurisdictions ``ids`` (the daily counters)."""
    from guomen.loop.models import DailyCount

    return (
        DailyCount.objects.filter(what=DailyCount.POSITIVE, day=day, unit__jurisdiction_id__in=ids).aggregate(total=Sum("n"))["total"] or 0
    )


def segments_unassigned(node: Jurisdiction) -> dict[str, int] | None:
    qs = BorderSegment.objects.filter(county__path__startswith=node.path)
    agg = qs.aggregate(total=Count("id"), unassigned=Count("id", filter=Q(responsible_person__isnull=True)))
    return {"total": agg["total"], "unassigned": agg["unassigned"]}


DUTY_FIGURES_SECONDS = 60


def duty_figures(scope: Scope, node: Jurisdiction, now: datetime) -> dict[str, Any]:
    """Patrol coverage and roster gaps from the duty app's own reads; open incidents and tasks."""
    # A week's patrol coverage and the next day's roster gaps move slowly and cost a roster
    # computation: computed at most once a minute per jurisdiction and reach.
    reach = hashlib.sha256(repr((scope.everything, scope.subtree_paths, sorted(scope.unit_ids))).encode()).hexdigest()[:16]
    key = f"command:duty:{node.code}:{reach}"
    figures = cache.get(key)
    if figures is None:
        figures = duty_command_figures(scope=scope, jurisdiction=node, now=now)
        cache.set(key, figures, DUTY_FIGURES_SECONDS)
    ids_q = Q(jurisdiction__path__startswith=node.path)
    return {
        "coverage_week": figures.get("patrol_coverage_week"),
        "uncovered_hours": figures.get("uncovered_post_hours_24h"),
        "incidents_open": Incident.objects.filter(ids_q).exclude(status=IncidentStatus.CLOSED).count(),
        "tasks_open": DutyTask.objects.filter(ids_q, status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS]).count(),
    }


def dispatch_figures(ids: list[int], now: datetime) -> dict[str, int]:
    agg = DispatchTask.objects.filter(jurisdiction_id__in=ids, state__in=OPEN_TASK_STATES, exercise=False).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now))
    )
    return {"open": agg["open"] or 0, "overdue": agg["overdue"] or 0}


def report_status(node: Jurisdiction, day: date) -> dict[str, int]:
    expected = list(_reporters(node).values_list("pk", flat=True))
    got = set(
        DailyReport.objects.filter(day=day, unit_id__in=expected, state__in=[ReportState.SUBMITTED, ReportState.ACKNOWLEDGED]).values_list(
            "unit_id", flat=True
        )
    )
    return {"expected": len(expected), "submitted": len(got), "missing": len(expected) - len(got)}


@dataclass
class Dashboard:
    node: Jurisdiction
    day: date
    states: dict[str, int]
    total: int
    open_total: int
    arrivals: list[dict[str, Any]]
    arrivals_total: int
    in_facility: int
    capacity: int
    handovers: int
    handover_oldest_hours: float | None
    handover_overdue: int
    alerts: dict[int, int]
    alerts_total: int
    positives_today: int
    in_hospital: int
    segments: dict[str, int] | None
    duty: dict[str, Any]
    dispatch: dict[str, int]
    reports: dict[str, int]
    children: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "jurisdiction": {"code": self.node.code, "name": self.node.name, "level": self.node.level},
            "day": self.day.isoformat(),
            "journeys_by_state": self.states,
            "journeys_total": self.total,
            "journeys_open": self.open_total,
            "arrivals_today": [{"port": a["code"], "name": str(a["name"]), "n": a["n"]} for a in self.arrivals],
            "arrivals_today_total": self.arrivals_total,
            "quarantine": {"in_facility": self.in_facility, "capacity": self.capacity},
            "handovers_waiting": {"n": self.handovers, "oldest_hours": self.handover_oldest_hours, "overdue": self.handover_overdue},
            "alerts_open_by_level": {str(k): v for k, v in self.alerts.items()},
            "alerts_open": self.alerts_total,
            "positives_today": self.positives_today,
            "in_hospital": self.in_hospital,
            "segments": self.segments,
            "duty": self.duty,
            "dispatch_tasks": self.dispatch,
            "daily_reports": self.reports,
            "children": [
                {"code": c["node"].code, "name": c["node"].name, **{k: v for k, v in c.items() if k != "node"}} for c in self.children
            ],
        }


def dashboard(scope: Scope, node: Jurisdiction, *, now: datetime | None = None) -> Dashboard:
    from guomen.loop.models import OPEN_STATES, State

    now = now or clock.now()
    day = local_today(now)
    ids = subtree_ids(node)
    states = state_counts(node)
    arrivals = arrivals_by_port(node, ids, day)
    ages = handover_ages(ids, now)
    alerts = alerts_by_level(scope, node)
    kids = drill_children(node)
    per_child = child_state_counts(node, kids)
    children = [
        {
            "node": c,
            "open": sum(per_child[c.code].get(s, 0) for s in OPEN_STATES),
            "at_gate": per_child[c.code].get(State.AT_GATE, 0),
            "handover_offered": per_child[c.code].get(State.HANDOVER_OFFERED, 0),
            "in_facility": per_child[c.code].get(State.IN_FACILITY, 0),
            "home_monitoring": per_child[c.code].get(State.HOME_MONITORING, 0),
        }
        for c in kids
    ]
    return Dashboard(
        node=node,
        day=day,
        states=states,
        total=sum(states.values()),
        open_total=sum(states[s] for s in OPEN_STATES),
        arrivals=arrivals,
        arrivals_total=sum(a["n"] for a in arrivals),
        in_facility=states.get(State.IN_FACILITY, 0),
        capacity=quarantine_capacity(node),
        handovers=states.get(State.HANDOVER_OFFERED, 0),
        handover_oldest_hours=ages["oldest_hours"],
        handover_overdue=ages["overdue"],
        alerts=alerts,
        alerts_total=sum(alerts.values()),
        positives_today=positives(ids, day),
        in_hospital=states.get(State.IN_HOSPITAL, 0),
        segments=segments_unassigned(node),
        duty=duty_figures(scope, node, now),
        dispatch=dispatch_figures(ids, now),
        reports=report_status(node, day),
        children=children,
    )


# --- daily reports: who reports, pre-fill, roll-up ---------------------------------------------------
def report_level_of(unit: Unit) -> str | None:
    if unit.kind == UnitKind.PORT_HEALTH_STATION:
        return ReportLevel.PORT
    if unit.kind == UnitKind.COMMAND_OFFICE:
        return {Level.COUNTY: ReportLevel.COUNTY, Level.PREFECTURE: ReportLevel.PREFECTURE}.get(unit.jurisdiction.level)
    return None


def _reporters(node: Jurisdiction) -> QuerySet[Unit]:
    return Unit.objects.filter(active=True, jurisdiction__path__startswith=node.path).filter(
        Q(kind=UnitKind.PORT_HEALTH_STATION) | Q(kind=UnitKind.COMMAND_OFFICE, jurisdiction__level__in=[Level.COUNTY, Level.PREFECTURE])
    )


def expected_reporters(node: Jurisdiction) -> list[Unit]:
    """The units that owe a daily report inside ``node``: port stations, county and prefecture commands."""
    return list(_reporters(node).select_related("jurisdiction", "passage").order_by("jurisdiction__path", "kind", "code"))


FIGURE_KEYS = (
    "arrivals",
    "intercepted",
    "disposed_quarantine",
    "disposed_hospital",
    "disposed_home",
    "disposed_release",
    "in_quarantine",
    "positives",
    "alerts_opened",
    "alerts_open",
)


def figure_labels() -> dict[str, str]:
    return {
        "arrivals": _("Arrivals"),
        "intercepted": _("Intercepted or found locally"),
        "disposed_quarantine": _("Sent to quarantine"),
        "disposed_hospital": _("Sent to hospital"),
        "disposed_home": _("Sent to home monitoring"),
        "disposed_release": _("Released at the port"),
        "in_quarantine": _("In centralised quarantine now"),
        "positives": _("Positive results"),
        "alerts_opened": _("Alerts opened"),
        "alerts_open": _("Alerts open now"),
    }


def report_prefill(unit: Unit, day: date) -> dict[str, int]:
    """The figures of a unit's day, read from the loop: the port's own, or its whole jurisdiction's."""
    from guomen.alerts.queries import in_subtree
    from guomen.loop.models import CustodyEvent, EventKind, Journey, State

    start, end = day_bounds(day)
    if unit.kind == UnitKind.PORT_HEALTH_STATION:
        ev = CustodyEvent.objects.filter(unit=unit, occurred_at__gte=start, occurred_at__lt=end)
        journeys_q = Q(custodian=unit)
        alerts = in_subtree(state="all").filter(unit=unit)
    else:
        ids = subtree_ids(unit.jurisdiction)
        ev = CustodyEvent.objects.filter(unit__jurisdiction_id__in=ids, occurred_at__gte=start, occurred_at__lt=end)
        journeys_q = Q(jurisdiction_id__in=ids)
        alerts = in_subtree(unit.jurisdiction.path, state="all")  # the same definition as the dashboard's
    kinds = dict(ev.values_list("kind").order_by().annotate(n=Count("id")).values_list("kind", "n"))
    dispositions = dict(
        ev.filter(kind=EventKind.DISPOSED)
        .values_list("data__disposition")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("data__disposition", "n")
    )
    return {
        "arrivals": kinds.get(EventKind.ARRIVED, 0),
        "intercepted": kinds.get(EventKind.INTERCEPTED, 0) + kinds.get(EventKind.FOUND_LOCALLY, 0),
        "disposed_quarantine": dispositions.get("quarantine", 0),
        "disposed_hospital": dispositions.get("hospital", 0),
        "disposed_home": dispositions.get("home", 0),
        "disposed_release": dispositions.get("release", 0),
        "in_quarantine": Journey.objects.filter(journeys_q, state=State.IN_FACILITY).count(),
        "positives": ev.filter(kind=EventKind.TEST_RESULT, data__result="positive").count(),
        "alerts_opened": alerts.filter(opened_at__gte=start, opened_at__lt=end).count(),
        "alerts_open": alerts.filter(closed_at__isnull=True).count(),
    }


def rollup(node: Jurisdiction, day: date) -> dict[str, Any]:
    """A prefecture's or province's day: the sum of its county reports, and who has not reported."""
    reporters = expected_reporters(node)
    reports = {r.unit_id: r for r in DailyReport.objects.filter(day=day, unit__in=reporters).select_related("unit", "jurisdiction")}
    totals = dict.fromkeys(FIGURE_KEYS, 0)
    rows = []
    for u in reporters:
        r = reports.get(u.pk)
        submitted = r is not None and r.state in (ReportState.SUBMITTED, ReportState.ACKNOWLEDGED)
        if submitted and report_level_of(u) == ReportLevel.COUNTY:
            for k in FIGURE_KEYS:
                totals[k] += int(r.figures.get(k, 0) or 0)
        rows.append({"unit": u, "level": report_level_of(u), "report": r, "submitted": submitted})
    missing = [row for row in rows if not row["submitted"]]
    return {"totals": totals, "rows": rows, "missing": missing, "counties": sum(1 for row in rows if row["level"] == ReportLevel.COUNTY)}


def reports(scope: Scope, node: Jurisdiction, day: date | None = None):
    qs = scope.filter(DailyReport.objects.select_related("unit", "jurisdiction", "submitted_by", "acknowledged_by"))
    qs = qs.filter(jurisdiction__path__startswith=node.path)
    return qs.filter(day=day) if day else qs


def acknowledger_level(report: DailyReport) -> str:
    return {ReportLevel.PORT: Level.COUNTY, ReportLevel.COUNTY: Level.PREFECTURE, ReportLevel.PREFECTURE: Level.PROVINCE}[report.level]


def command_units(scope: Scope) -> list[Unit]:
    """The command offices the user acts for as a command (county, prefecture or province)."""
    ids = [uid for uid, roles in scope.unit_roles.items() if roles & set(COMMAND_ROLES)]
    return list(Unit.objects.filter(pk__in=ids).select_related("jurisdiction").order_by("jurisdiction__path"))


def may_acknowledge(scope: Scope, report: DailyReport) -> bool:
    level = acknowledger_level(report)
    for u in command_units(scope):
        role = COMMAND_LEVEL.get(u.jurisdiction.level)
        if (
            u.jurisdiction.level == level
            and role in scope.unit_roles.get(u.pk, ())
            and report.jurisdiction.path.startswith(u.jurisdiction.path)
        ):
            return True
    return False


def reporting_units(scope: Scope) -> list[Unit]:
    """The units this user may write a daily report for."""
    out = []
    for uid, roles in scope.unit_roles.items():
        u = Unit.objects.select_related("jurisdiction").filter(pk=uid).first()
        if u is None:
            continue
        level = report_level_of(u)
        port = level == ReportLevel.PORT and Role.PORT_OFFICER in roles
        command = level in (ReportLevel.COUNTY, ReportLevel.PREFECTURE) and roles & {Role.COUNTY_COMMAND, Role.PREFECTURE_COMMAND}
        if port or command:
            out.append(u)
    return sorted(out, key=lambda u: u.code)


# --- dispatch tasks ---------------------------------------------------------------------------------
def tasks(scope: Scope, node: Jurisdiction | None = None):
    qs = scope.filter(DispatchTask.objects.select_related("unit", "jurisdiction", "issued_by_unit", "created_by", "alert"))
    if node is not None:  # a jurisdiction's figures and lists: real tasks only (drills are never counted)
        qs = qs.filter(jurisdiction__path__startswith=node.path, exercise=False)
    return qs


def task_get(scope: Scope, public_id: Any) -> DispatchTask:
    return scope.get(
        DispatchTask.objects.select_related("unit__jurisdiction", "issued_by_unit", "created_by", "alert"), public_id=public_id
    )


def assignable_units(scope: Scope, node: Jurisdiction):
    return scope.filter(Unit.objects.filter(active=True, jurisdiction__path__startswith=node.path)).select_related("jurisdiction")


# --- trends -------------------------------------------------------------------------------------------
def trends(node: Jurisdiction, *, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """Daily series over the last ``days`` local days: arrivals by port, people in the loop, alerts opened and closed."""
    from guomen.alerts.queries import in_subtree
    from guomen.loop.models import OPEN_STATES

    now = now or clock.now()
    days = max(1, min(int(days), 366))
    last = local_today(now)
    first = last - timedelta(days=days - 1)
    labels = [(first + timedelta(days=i)).isoformat() for i in range(days)]
    index = {d: i for i, d in enumerate(labels)}
    start, _end = day_bounds(first)
    _s, end = day_bounds(last)

    from guomen.loop.models import DailyCount

    ports = {p.pk: p for p in ports_in(node)}
    unit_port = dict(Unit.objects.filter(passage_id__in=list(ports)).values_list("pk", "passage_id"))
    series: dict[int, list[int]] = {pk: [0] * days for pk in ports}
    for unit_id, day, n in DailyCount.objects.filter(
        what=DailyCount.ARRIVED, day__gte=first, day__lte=last, unit_id__in=list(unit_port)
    ).values_list("unit_id", "day", "n"):
        series[unit_port[unit_id]][index[day.isoformat()]] += n

    opened = [0] * days
    closed = [0] * days
    alert_rows = in_subtree(node.path, state="all").filter(
        Q(opened_at__gte=start, opened_at__lt=end) | Q(closed_at__gte=start, closed_at__lt=end)
    )
    for o, c in alert_rows.values_list("opened_at", "closed_at"):
        if start <= o < end:
            opened[index[local_day(o).isoformat()]] += 1
        if c is not None and start <= c < end:
            closed[index[local_day(c).isoformat()]] += 1

    in_loop: list[int | None] = [None] * days
    for day, n in (
        LoopSnapshot.objects.filter(jurisdiction__path__startswith=node.path, day__gte=first, day__lte=last, state__in=OPEN_STATES)
        .values_list("day")
        .order_by()
        .annotate(total=Sum("n"))
        .values_list("day", "total")
    ):
        in_loop[index[day.isoformat()]] = n
    in_loop[-1] = sum(state_counts(node)[s] for s in OPEN_STATES)  # today: live
    return {
        "jurisdiction": node.code,
        "days": labels,
        "arrivals_by_port": [{"port": p.code, "name": p.name, "data": series[pk]} for pk, p in ports.items()],
        "in_loop": in_loop,
        "alerts_opened": opened,
        "alerts_closed": closed,
    }


# --- map figures ---------------------------------------------------------------------------------------
def map_features(scope: Scope, node: Jurisdiction, *, now: datetime | None = None) -> dict[str, Any]:
    """GeoJSON points: one per county (at its seat) and one per port, with the figures for each."""
    from guomen.loop.models import OPEN_STATES, Journey, State

    now = now or clock.now()
    day = local_today(now)
    if node.level in (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY):
        counties = list(Jurisdiction.objects.filter(path__startswith=node.path, level=Level.COUNTY).order_by("code"))
    else:
        counties = []
    features: list[dict[str, Any]] = []
    per_county = child_state_counts(node, counties)
    alerts_per_county: dict[str, int] = {}
    from guomen.alerts.queries import within

    for path, n in (
        within(scope, node.path)
        .values_list("unit__jurisdiction__path")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("unit__jurisdiction__path", "n")
    ):
        for c in counties:
            if path.startswith(c.path):
                alerts_per_county[c.code] = alerts_per_county.get(c.code, 0) + n
    for c in counties:
        if c.lon is None or c.lat is None:
            continue
        counts = per_county.get(c.code, {})
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                "properties": {
                    "kind": "county",
                    "code": c.code,
                    "name": c.name,
                    "open": sum(counts.get(s, 0) for s in OPEN_STATES),
                    "in_facility": counts.get(State.IN_FACILITY, 0),
                    "handover_offered": counts.get(State.HANDOVER_OFFERED, 0),
                    "alerts_open": alerts_per_county.get(c.code, 0),
                },
            }
        )
    ports = ports_in(node)
    port_units = dict(Unit.objects.filter(passage__in=ports).values_list("pk", "passage_id"))
    per_unit = arrivals_by_unit(subtree_ids(node), day)
    arrivals: dict[int, int] = {}
    for uid, n in per_unit.items():
        if uid in port_units:
            arrivals[port_units[uid]] = arrivals.get(port_units[uid], 0) + n
    at_gate = dict(
        Journey.objects.filter(state=State.AT_GATE, custodian_id__in=list(port_units))
        .values_list("custodian_id")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("custodian_id", "n")
    )
    for p in ports:
        if p.lon is None or p.lat is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {
                    "kind": "port",
                    "code": p.code,
                    "name": p.name,
                    "county": p.county.code,
                    "arrivals_today": arrivals.get(p.pk, 0),
                    "at_gate": sum(n for uid, n in at_gate.items() if port_units.get(uid) == p.pk),
                },
            }
        )
    return {"type": "FeatureCollection", "jurisdiction": node.code, "features": features}
