"""Reads of the closed loop, always through the caller's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet, Sum

from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

from .models import OPEN_STATES, Alert, Journey, JourneyCount, State


def journeys(scope: Scope) -> QuerySet[Journey]:
    return scope.filter(Journey.objects.select_related("person", "custodian", "pending_unit", "port", "jurisdiction"))


def journey_get(scope: Scope, code: str) -> Journey:
    return scope.get(Journey.objects.select_related("person", "custodian__jurisdiction", "pending_unit", "port", "policy"), code=code)


def journey_for_update(scope: Scope, code: str) -> Journey:
    """One journey within reach, locked for the caller's transaction (which must be open)."""
    j = scope.get(Journey.objects.select_for_update(of=("self",)).select_related("policy", "custodian", "pending_unit"), code=code)
    j._row_locked = True
    return j


def journey_search(
    scope: Scope, *, state: str = "", unit_code: str = "", q: str = "", overdue: bool = False, now: Any = None
) -> QuerySet[Journey]:
    qs = journeys(scope)
    if state in State.values:
        qs = qs.filter(state=state)
    if unit_code:
        qs = qs.filter(Q(custodian__code=unit_code) | Q(pending_unit__code=unit_code))
    if q:
        from guomen.people.queries import people_search

        qs = qs.filter(Q(code__iexact=q.strip()) | Q(person__in=people_search(scope=scope, q=q).values("pk")))
    if overdue:
        from django.utils import timezone

        qs = qs.filter(closed_at__isnull=True, due_at__lt=now or timezone.now())
    return qs


def alerts(scope: Scope, *, open_only: bool = True) -> QuerySet[Alert]:
    qs = scope.filter(Alert.objects.select_related("journey", "unit", "jurisdiction"))
    return qs.filter(closed_at__isnull=True) if open_only else qs


def counts_by_state(jurisdiction: Jurisdiction) -> dict[str, int]:
    """Journeys by state in a jurisdiction's subtree, from the counters kept with the events."""
    rows = JourneyCount.objects.filter(jurisdiction__path__startswith=jurisdiction.path).values("state").annotate(total=Sum("n"))
    out = {s: 0 for s in State.values}
    for r in rows:
        out[r["state"]] = r["total"] or 0
    return out


def open_total(counts: dict[str, int]) -> int:
    return sum(counts[s] for s in OPEN_STATES)
