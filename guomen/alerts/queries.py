"""Reads of alerts, always through ``org.scoping.Scope``. One definition of "open alerts within a
jurisdiction" (``within``): the inbox, the command's lists, its figures and its reports all count
from it, so a figure and its list cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.db.models import Count, Model, Q, QuerySet, Sum
from django.utils import timezone

from guomen.org.scoping import Scope

from . import registry
from .models import Alert, AlertCount, AlertLevel

M = TypeVar("M", bound=Model)

STATES = ("open", "closed", "all")


def view_level(path: str) -> int:
    """The level of the command that looks at the subtree at ``path``: province, prefecture, county, else a unit."""
    depth = len(path.strip("/").split("/"))
    return {1: AlertLevel.PROVINCE, 2: AlertLevel.PREFECTURE, 3: AlertLevel.COUNTY}.get(depth, AlertLevel.UNIT)


def _subtree(qs: QuerySet[M], path: str | None, *, summarise: bool, level: int | None) -> QuerySet[M]:
    """Rows of alerts or of their counters raised under ``path``, without the kinds summarised at the view's level."""
    if path:
        qs = qs.filter(unit__jurisdiction__path__startswith=path)
    if level is None and path:
        level = view_level(path)
    if summarise and level:
        hidden = registry.summarised_at(level)
        if hidden:
            qs = qs.exclude(kind__in=hidden)
    return qs


def in_subtree(path: str | None = None, *, state: str = "open", summarise: bool = True, level: int | None = None) -> QuerySet[Alert]:
    """The alerts raised in the jurisdiction subtree at ``path`` (all when None): where an alert
    was raised never changes, so every command above keeps counting it whatever its level. A view
    above a kind's summary level (a prefecture and missing reports) sees the summary instead."""
    qs = _subtree(Alert.objects.all(), path, summarise=summarise, level=level)
    if state == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif state == "closed":
        qs = qs.filter(closed_at__isnull=False)
    return qs


def scope_level(scope: Scope) -> int:
    """The widest command level a user looks from (a unit's staff: the unit level)."""
    if scope.everything:
        return AlertLevel.PROVINCE
    return max((view_level(p) for p in scope.subtree_paths), default=AlertLevel.UNIT)


def within(scope: Scope, path: str | None = None, *, state: str = "open", summarise: bool = True) -> QuerySet[Alert]:
    """``in_subtree`` as far as ``scope`` reaches: what a user's inbox, list and figures count."""
    level = None if path else scope_level(scope)
    return scope.filter(in_subtree(path, state=state, summarise=summarise, level=level))


def level_counts(qs: QuerySet[Alert]) -> QuerySet:
    """(level, alerts) of ``qs``, one row per level that has any."""
    return qs.values_list("level").order_by().annotate(n=Count("id"))


def by_level(qs: QuerySet[Alert] | None, rows: list[tuple[int, int]] | None = None) -> dict[int, int]:
    """Alerts of ``qs`` by level, every level present (``rows``: those of ``level_counts(qs)``, read already)."""
    out = dict.fromkeys(AlertLevel.values, 0)
    for level, n in level_counts(qs) if rows is None else rows:
        out[level] = n
    return out


def open_counts(scope: Scope, path: str | None = None) -> QuerySet[AlertCount]:
    """The counter rows of the open alerts ``within(scope, path)`` counts: the same subtree,
    summary rule and reach. Sum their ``n`` (by level) for what counting the alerts would give."""
    level = None if path else scope_level(scope)
    return scope.filter(_subtree(AlertCount.objects.all(), path, summarise=True, level=level))


def open_by_level(scope: Scope, path: str | None = None) -> dict[int, int]:
    """``by_level(within(scope, path))`` — the open alerts by level — summed from the counters the
    database keeps (``AlertCount``): the same subtree, summary rule and reach, a few hundred rows."""
    qs = open_counts(scope, path)
    out = dict.fromkeys(AlertLevel.values, 0)
    for r in qs.values("level").order_by().annotate(n=Sum("n")):
        out[r["level"]] = r["n"] or 0
    return out


@dataclass
class Filters:
    state: str = "open"
    kind: str = ""
    level: int | None = None
    unit: str = ""  # unit code
    day_from: date | None = None
    day_to: date | None = None
    q: str = ""  # loop code or subject

    @classmethod
    def parse(cls, params: Any) -> Filters:
        def day(v: Any) -> date | None:
            try:
                return date.fromisoformat(str(v)) if v else None
            except ValueError:
                return None

        state = str(params.get("state") or ("closed" if params.get("closed") == "1" else "open"))
        level = str(params.get("level") or "")
        return cls(
            state=state if state in STATES else "open",
            kind=str(params.get("kind") or "")[:30],
            level=int(level) if level.isdigit() and int(level) in AlertLevel.values else None,
            unit=str(params.get("unit") or "")[:40],
            day_from=day(params.get("from")),
            day_to=day(params.get("to")),
            q=str(params.get("q") or "").strip()[:40],
        )

    def as_params(self) -> dict[str, str]:
        out = {
            "state": self.state if self.state != "open" else "",
            "kind": self.kind,
            "level": "" if self.level is None else str(self.level),
            "unit": self.unit,
            "from": self.day_from.isoformat() if self.day_from else "",
            "to": self.day_to.isoformat() if self.day_to else "",
            "q": self.q,
        }
        return {k: v for k, v in out.items() if v}


def _start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min), timezone.get_current_timezone())


def inbox(scope: Scope, f: Filters, path: str | None = None) -> QuerySet[Alert]:
    qs = within(scope, path, state=f.state, summarise=not f.kind).select_related("unit__jurisdiction", "acknowledged_by", "assigned_to")
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.level is not None:
        qs = qs.filter(level=f.level)
    if f.unit:
        qs = qs.filter(unit__code=f.unit)
    if f.day_from:
        qs = qs.filter(opened_at__gte=_start(f.day_from))
    if f.day_to:
        qs = qs.filter(opened_at__lt=_start(f.day_to + timedelta(days=1)))
    if f.q:
        qs = qs.filter(Q(ref_code=f.q.upper()) | Q(subject__icontains=f.q))
    if f.state == "closed":
        return qs.order_by("-closed_at", "-id")
    return qs.order_by("-level", "opened_at", "id")


def get(scope: Scope, public_id: Any) -> Alert:
    return scope.get(Alert.objects.select_related("unit__jurisdiction", "acknowledged_by", "assigned_to", "closed_by"), public_id=public_id)


def jurisdiction_names(codes: set[str]) -> dict[str, str]:
    """Names of jurisdictions by code, read through the unit's relation (no import of the app above)."""
    from guomen.org.models import Unit

    model = Unit._meta.get_field("jurisdiction").related_model
    return {j.code: j.name for j in model.objects.filter(code__in=codes)}
