"""The dashboard's figures for one node: counts by state, ports, capacity, handovers, alerts, duty, tasks, reports."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, DateField, DateTimeField, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from guomen.duty.models import DutyTask, Incident, IncidentStatus, TaskStatus
from guomen.duty.queries import command_figures as duty_command_figures
from guomen.lib import clock, prepared
from guomen.lib.prepared import Slot, statement
from guomen.org.models import Unit, UnitKind
from guomen.org.scoping import Scope
from guomen.places.models import PORT_KINDS, BorderSegment, Jurisdiction, Passage

from ..models import OPEN_TASK_STATES, DailyReport, DispatchTask, ReportState
from .nodes import drill_children, jurisdiction_column, local_today, subtree_ids
from .reports import _reporters


# --- figures ------------------------------------------------------------------------------------
def state_counts(node: Jurisdiction) -> dict[str, int]:
    from guomen.loop.queries import counts_by_state

    return counts_by_state(node)


def child_state_counts(node: Jurisdiction, children: list[Jurisdiction]) -> dict[str, dict[str, int]]:
    """Journeys by state for each of ``children`` (disjoint subtrees of ``node``), from one grouped read of the counters."""
    from guomen.loop.queries import counts_under

    by_path = counts_under(c.path for c in children)
    return {c.code: by_path[c.path] for c in children}


def _ports(node: Jurisdiction) -> QuerySet[Passage]:
    return Passage.objects.filter(county__path__startswith=node.path, kind__in=PORT_KINDS).order_by("code")


def ports_in(node: Jurisdiction) -> list[Passage]:
    return list(_ports(node))


def arrivals_by_unit(ids: QuerySet[Jurisdiction], day: date) -> dict[int, int]:
    """Arrivals on the local ``day`` per receiving unit in the jurisdictions ``ids`` (the loop's daily counters)."""
    from guomen.loop.models import DailyCount

    rows = (
        DailyCount.objects.filter(what=DailyCount.ARRIVED, day=day, unit__jurisdiction_id__in=ids)
        .values("unit_id")
        .order_by()
        .annotate(total=Sum("n"))
    )
    return {r["unit_id"]: r["total"] for r in rows if r["total"]}


_PORT_COLUMNS = ("id", "code", "name_zh", "name_en")


def _arrived(ids: QuerySet[Jurisdiction], day: Any) -> QuerySet:
    """The daily counters of arrivals on ``day`` at units in the jurisdictions ``ids`` (those of ``arrivals_by_unit``)."""
    from guomen.loop.models import DailyCount

    return DailyCount.objects.filter(what=DailyCount.ARRIVED, day=day, unit__jurisdiction_id__in=ids)


def _other_arrivals(node: Jurisdiction, ids: QuerySet[Jurisdiction], day: Any) -> Part:
    """Of those, the arrivals at units that are at none of the node's ports."""
    return _arrived(ids, day).exclude(unit__passage__in=_ports(node).values("pk")), {"n": Sum("n")}


def _port_arrivals(node: Jurisdiction) -> prepared.Statement:
    """Each port of ``node``'s subtree (by code) with its arrivals on the slot ``day``: one statement, built once."""

    def build() -> QuerySet:
        per_port = (
            _arrived(subtree_ids(node), Slot("day", DateField()))
            .filter(unit__passage=OuterRef("pk"))
            .order_by()
            .values("unit__passage")
            .annotate(total=Sum("n"))
            .values("total")
        )
        return _ports(node).annotate(arrived=Subquery(per_port)).values_list(*_PORT_COLUMNS, "arrived")

    return statement(("command.port_arrivals", node.path), build)


def _arrivals_list(node: Jurisdiction, day: date, other: int | None) -> list[dict[str, Any]]:
    out = []
    for row in _port_arrivals(node).rows(day=day):
        p = prepared.instance(Passage, _PORT_COLUMNS, row[:4])
        out.append({"port": p, "code": p.code, "name": p.name, "n": row[4] or 0})
    if other:
        out.append({"port": None, "code": "", "name": _("Other units"), "n": other})
    return out


def arrivals_by_port(node: Jurisdiction, day: date) -> list[dict[str, Any]]:
    """Arrivals on the local ``day`` at each port of ``node``'s subtree, and those at units at none of
    them summed apart: the rows of ``arrivals_by_unit``, by the receiving unit's passage."""
    qs, aggs = _other_arrivals(node, subtree_ids(node), day)
    return _arrivals_list(node, day, qs.aggregate(**aggs)["n"])


# --- the single figures: each defined once as (rows, aggregates), read alone by its function or, on
# the dashboard, together with the others in one statement (``prepared.read_together``) ------------
Part = prepared.Part


def _capacity(node: Jurisdiction) -> Part:
    facilities = Unit.objects.alias(jurisdiction_path=jurisdiction_column("path")).filter(
        kind=UnitKind.QUARANTINE_FACILITY, active=True, jurisdiction_path__startswith=node.path
    )
    return facilities, {"c": Sum("capacity")}


def quarantine_capacity(node: Jurisdiction) -> int:
    qs, aggs = _capacity(node)
    return qs.aggregate(**aggs)["c"] or 0


def _handovers(ids: QuerySet[Jurisdiction], now: datetime) -> Part:
    from guomen.loop.models import Journey, JourneyCount, State

    # Read by the jurisdictions that hold waiting handovers, found in the counters kept with the
    # events (a few rows), each one's waiting journeys from the partial index on jurisdiction:
    # not every waiting journey matched against every jurisdiction of the subtree (thousands of
    # them down to the villages). The same journeys: a jurisdiction holds some exactly when its
    # counter is above zero.
    holding = JourneyCount.objects.filter(state=State.HANDOVER_OFFERED, n__gt=0, jurisdiction_id__in=ids).values("jurisdiction_id")
    waiting = Journey.objects.filter(state=State.HANDOVER_OFFERED, jurisdiction_id__in=holding)
    return waiting, {"oldest": Min("state_since"), "overdue": Count("due_at", filter=Q(due_at__lt=now))}


def handover_ages(ids: QuerySet[Jurisdiction], now: datetime) -> dict[str, Any]:
    """Handovers waiting: the oldest offer's age and how many are overdue (index on jurisdiction, state, state_since)."""
    qs, aggs = _handovers(ids, now)
    return _handover_ages(qs.aggregate(**aggs), now)


def _handover_ages(agg: dict[str, Any], now: datetime) -> dict[str, Any]:
    oldest = agg["oldest"]
    return {"oldest_hours": round((now - oldest).total_seconds() / 3600, 1) if oldest else None, "overdue": agg["overdue"] or 0}


def alerts_by_level(scope: Scope, node: Jurisdiction) -> dict[int, int]:
    """Open alerts raised in ``node``'s subtree by level: what the list behind them counts
    (``by_level(within(...))``), summed from the counters the database keeps with the alerts."""
    from guomen.alerts import queries as alert_queries

    return alert_queries.open_by_level(scope, node.path)


def _positives(ids: QuerySet[Jurisdiction], day: date) -> Part:
    from guomen.loop.models import DailyCount

    return DailyCount.objects.filter(what=DailyCount.POSITIVE, day=day, unit__jurisdiction_id__in=ids), {"total": Sum("n")}


def positives(ids: QuerySet[Jurisdiction], day: date) -> int:
    """Positive test results recorded on the local ``day`` by units in the jurisdictions ``ids`` (the daily counters)."""
    qs, aggs = _positives(ids, day)
    return qs.aggregate(**aggs)["total"] or 0


def _segments(node: Jurisdiction) -> Part:
    qs = BorderSegment.objects.filter(county__path__startswith=node.path)
    return qs, {"total": Count("id"), "unassigned": Count("id", filter=Q(responsible_person__isnull=True))}


def segments_unassigned(node: Jurisdiction) -> dict[str, int] | None:
    qs, aggs = _segments(node)
    agg = qs.aggregate(**aggs)
    return {"total": agg["total"], "unassigned": agg["unassigned"]}


DUTY_FIGURES_SECONDS = 60


def _duty_open(node: Jurisdiction) -> dict[str, Part]:
    ids_q = Q(jurisdiction__path__startswith=node.path)
    return {
        "incidents": (Incident.objects.filter(ids_q).exclude(status=IncidentStatus.CLOSED), {"n": Count("id")}),
        "duty_tasks": (DutyTask.objects.filter(ids_q, status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS]), {"n": Count("id")}),
    }


def duty_figures(scope: Scope, node: Jurisdiction, now: datetime, *, read: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Patrol coverage and roster gaps from the duty app's own reads; open incidents and tasks
    (from ``read``, the parts of ``_duty_open`` already read by ``together``, if given)."""
    # A week's patrol coverage and the next day's roster gaps move slowly and cost a roster
    # computation: computed at most once a minute per jurisdiction and reach. The key names the
    # minute they are for, so figures asked for another time are computed for that time.
    reach = hashlib.sha256(repr((scope.everything, scope.subtree_paths, sorted(scope.unit_ids))).encode()).hexdigest()[:16]
    key = f"command:duty:{node.code}:{reach}:{now.astimezone(UTC):%Y%m%d%H%M}"
    figures = cache.get(key)
    if figures is None:
        figures = duty_command_figures(scope=scope, jurisdiction=node, now=now)
        cache.set(key, figures, DUTY_FIGURES_SECONDS)
    if read is None:
        read = {name: qs.aggregate(**aggs) for name, (qs, aggs) in _duty_open(node).items()}
    return {
        "coverage_week": figures.get("patrol_coverage_week"),
        "uncovered_hours": figures.get("uncovered_post_hours_24h"),
        "incidents_open": read["incidents"]["n"],
        "tasks_open": read["duty_tasks"]["n"],
    }


def _dispatch(ids: QuerySet[Jurisdiction], now: datetime) -> Part:
    qs = DispatchTask.objects.filter(jurisdiction_id__in=ids, state__in=OPEN_TASK_STATES, exercise=False)
    return qs, {"open": Count("id"), "overdue": Count("id", filter=Q(due_at__lt=now))}


def dispatch_figures(ids: QuerySet[Jurisdiction], now: datetime) -> dict[str, int]:
    qs, aggs = _dispatch(ids, now)
    agg = qs.aggregate(**aggs)
    return {"open": agg["open"] or 0, "overdue": agg["overdue"] or 0}


def _reports(node: Jurisdiction, day: date) -> dict[str, Part]:
    expected = _reporters(node)
    got = DailyReport.objects.filter(  # one report per unit and day
        day=day, unit__in=expected.values("pk"), state__in=[ReportState.SUBMITTED, ReportState.ACKNOWLEDGED]
    )
    return {"reporters": (expected, {"n": Count("id")}), "reported": (got, {"n": Count("id")})}


def report_status(node: Jurisdiction, day: date) -> dict[str, int]:
    read = {name: qs.aggregate(**aggs) for name, (qs, aggs) in _reports(node, day).items()}
    return _report_status(read)


def _report_status(read: dict[str, dict[str, Any]]) -> dict[str, int]:
    n, got = read["reporters"]["n"], read["reported"]["n"]
    return {"expected": n, "submitted": got, "missing": n - got}


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


def _reach(scope: Scope) -> tuple[Any, ...]:
    """What a query built through ``scope`` depends on (the key of a statement built with it)."""
    return (scope.user_id is None, scope.everything, scope.subtree_paths, tuple(sorted(scope.unit_ids)))


def _open_alerts(scope: Scope, node: Jurisdiction) -> Part:
    """The open alerts of ``alerts_by_level`` by level, summed from the counters the database keeps
    with the alerts (``alerts.queries.open_counts``: the list's subtree, summary rule and reach)."""
    from guomen.alerts import queries as alert_queries
    from guomen.alerts.models import AlertLevel

    return alert_queries.open_counts(scope, node.path), {str(lvl): Sum("n", filter=Q(level=lvl)) for lvl in AlertLevel.values}


def _single_figures(scope: Scope, node: Jurisdiction) -> dict[str, Part]:
    """The single-valued figures with the request's time and local day as slots: read together in
    one statement (each part's rows once), built once per jurisdiction and reach."""
    ids = subtree_ids(node)
    now, day = Slot("now", DateTimeField()), Slot("day", DateField())
    return {
        "alerts": _open_alerts(scope, node),
        "other_arrivals": _other_arrivals(node, ids, day),
        "handovers": _handovers(ids, now),
        "capacity": _capacity(node),
        "positives": _positives(ids, day),
        "segments": _segments(node),
        "dispatch": _dispatch(ids, now),
        **_duty_open(node),
        **_reports(node, day),
    }


def dashboard(scope: Scope, node: Jurisdiction, *, now: datetime | None = None) -> Dashboard:
    from guomen.lib import counts
    from guomen.loop.models import OPEN_STATES, State
    from guomen.loop.queries import journey_count_rows

    now = now or clock.now()
    day = local_today(now)
    # The counters under the node, read once for the node's figures and for each child's.
    kids = drill_children(node)
    tops = [*(c.path for c in kids), node.path]
    # Summed in the database by the path cut to the children's length (the node's own rows keep
    # their shorter path), then each to the child that holds it, the node's own to the node.
    cut = len(kids[0].path) if kids and len({len(t) for t in tops[:-1]}) == 1 else None
    by_path = counts.roll_up(journey_count_rows([node.path], cut=cut), tops, State.values)
    per_child = {c.code: by_path[c.path] for c in kids}
    states = {s: sum(by_path[p][s] for p in by_path) for s in State.values}
    # The other single-valued figures in one statement, built once for the node and the reach.
    read = prepared.read_together(("command.figures", node.path, _reach(scope)), lambda: _single_figures(scope, node), now=now, day=day)
    alerts = {int(lvl): n or 0 for lvl, n in read["alerts"].items()}
    arrivals = _arrivals_list(node, day, read["other_arrivals"]["n"])
    ages = _handover_ages(read["handovers"], now)
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
        capacity=read["capacity"]["c"] or 0,
        handovers=states.get(State.HANDOVER_OFFERED, 0),
        handover_oldest_hours=ages["oldest_hours"],
        handover_overdue=ages["overdue"],
        alerts=alerts,
        alerts_total=sum(alerts.values()),
        positives_today=read["positives"]["total"] or 0,
        in_hospital=states.get(State.IN_HOSPITAL, 0),
        segments={"total": read["segments"]["total"], "unassigned": read["segments"]["unassigned"]},
        duty=duty_figures(scope, node, now, read=read),
        dispatch={"open": read["dispatch"]["open"] or 0, "overdue": read["dispatch"]["overdue"] or 0},
        reports=_report_status(read),
        children=children,
    )
