"""Daily reports: who reports at which level, the pre-filled figures, the roll-up, who acknowledges."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from guomen.org.models import COMMAND_LEVEL, Role, Unit, UnitKind
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction, Level

from ..models import DailyReport, ReportLevel, ReportState
from .nodes import day_bounds, jurisdiction_column, subtree_ids


# --- daily reports: who reports, pre-fill, roll-up ---------------------------------------------------
def report_level_of(unit: Unit) -> str | None:
    if unit.kind == UnitKind.PORT_HEALTH_STATION:
        return ReportLevel.PORT
    if unit.kind == UnitKind.COMMAND_OFFICE:
        return {Level.COUNTY: ReportLevel.COUNTY, Level.PREFECTURE: ReportLevel.PREFECTURE}.get(unit.jurisdiction.level)
    return None


def _reporters(node: Jurisdiction) -> QuerySet[Unit]:
    # The jurisdiction's path and level read by key for each unit (``jurisdiction_column``), not joined.
    units = Unit.objects.alias(jurisdiction_path=jurisdiction_column("path"), jurisdiction_level=jurisdiction_column("level"))
    return units.filter(active=True, jurisdiction_path__startswith=node.path).filter(
        Q(kind=UnitKind.PORT_HEALTH_STATION) | Q(kind=UnitKind.COMMAND_OFFICE, jurisdiction_level__in=[Level.COUNTY, Level.PREFECTURE])
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
