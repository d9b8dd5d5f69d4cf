"""Rooms needed per county for the next 14 days, against capacity.

Each day's occupancy is the people already in quarantine who have not reached their scheduled
release (their start plus their policy version's days for their risk level) plus the admissions
still to come, each staying ``W`` days (the policy in force):

- today: the people at a port gate or intercepted (times the county's recent share of quarantine
  dispositions), and those on their way to a quarantine facility;
- each later day: the larger of the declarations expected that day (times the same share) and the
  recent admission rate λ (admissions to quarantine per day over the last 7 days) — declarations are
  a floor, not the whole inflow: most travellers arrive undeclared.

With a constant λ and stay W the forecast settles at λ·W rooms (Little's law): ``project`` is the
pure part and the tests check that convergence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q

from guomen.lib import clock
from guomen.lib.localtime import local_day
from guomen.org.models import UnitKind
from guomen.places.models import Jurisdiction, Level

from . import queries

HORIZON = 14
RATE_DAYS = 7
SHARE_DAYS = 14


def project(release_days: Sequence[int], admissions: Sequence[float], stay_days: int, horizon: int = HORIZON) -> list[float]:
    """Occupied rooms on days 0..horizon-1.

    ``release_days``: for each person in now, the day (0 = today) they leave — they occupy a room on
    the days before it. ``admissions[k]``: people admitted on day k, each occupying a room on days
    k..k+stay_days-1."""
    out = []
    for d in range(horizon):
        staying = sum(1 for r in release_days if r > d)
        coming = sum(a for k, a in enumerate(admissions[: d + 1]) if k + stay_days > d)
        out.append(staying + coming)
    return out


@dataclass
class CountyForecast:
    county: Jurisdiction
    capacity: int
    occupied_now: int
    rate: float  # λ: admissions per day over the last RATE_DAYS days
    share: float  # share of dispositions that went to centralised quarantine
    stay_days: int  # W for new admissions
    days: list[date] = field(default_factory=list)
    rooms: list[float] = field(default_factory=list)
    release: list[int] = field(default_factory=list, repr=False)
    admissions: list[float] = field(default_factory=list, repr=False)

    def rooms_with_stay(self, stay_days: int) -> list[float]:
        """The same inflow under another length of quarantine for the new admissions."""
        return project(self.release, self.admissions, stay_days, len(self.days))

    @property
    def steady_state(self) -> float:
        return self.rate * self.stay_days

    @property
    def peak(self) -> int:
        return round(max(self.rooms)) if self.rooms else 0

    @property
    def runs_out_on(self) -> date | None:
        """The first day the rooms needed exceed the capacity (a county without rooms never "runs out")."""
        if not self.capacity:
            return None
        return next((d for d, n in zip(self.days, self.rooms, strict=True) if round(n) > self.capacity), None)

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"day": d, "rooms": round(n), "over": bool(self.capacity) and round(n) > self.capacity}
            for d, n in zip(self.days, self.rooms, strict=True)
        ]


def counties(node: Jurisdiction) -> list[Jurisdiction]:
    if node.level == Level.COUNTY:
        return [node]
    return list(Jurisdiction.objects.filter(level=Level.COUNTY, path__startswith=node.path).order_by("code"))


def _release_day(facts: dict[str, Any], days: int, today: date) -> int:
    """The day (0 = today) a person in quarantine leaves their room; one already past their release
    (released, or waiting for it) still holds it today."""
    start = facts.get("quarantine_started_at")
    if facts.get("released_at") or not start:
        return 1
    return max(1, (local_day(datetime.fromisoformat(start) + timedelta(days=days)) - today).days)


def _rules(policy_rules: dict[int, Any], pid: int) -> Any:
    from guomen.loop.models import Policy
    from guomen.loop.policy import Rules

    if pid not in policy_rules:
        policy_rules[pid] = Rules.model_validate(Policy.objects.get(pk=pid).rules)
    return policy_rules[pid]


def county_forecast(county: Jurisdiction, *, stay_days: int | None = None, now: datetime | None = None) -> CountyForecast:
    """The 14-day forecast of one county. ``stay_days`` replaces the policy in force for new admissions."""
    from guomen.loop.models import CustodyEvent, EventKind, Journey, State
    from guomen.loop.services import policy_current

    now = now or clock.now()
    today = local_day(now)
    inside = Q(jurisdiction__path__startswith=county.path)
    if stay_days is None:
        stay_days = _rules({}, policy_current().pk).quarantine_days["medium"]

    cache: dict[int, Any] = {}
    release = [
        _release_day(facts or {}, _rules(cache, pid).quarantine_days.get(risk, 14), today)
        for facts, risk, pid in Journey.objects.filter(inside, state=State.IN_FACILITY).values_list("facts", "risk", "policy_id")
    ]

    unit_inside = Q(unit__jurisdiction__path__startswith=county.path)
    disposed = CustodyEvent.objects.filter(unit_inside, kind=EventKind.DISPOSED, occurred_at__gte=now - timedelta(days=SHARE_DAYS))
    tally = disposed.aggregate(all=Count("pk"), q=Count("pk", filter=Q(data__disposition="quarantine")))
    share = tally["q"] / tally["all"] if tally["all"] else 1.0
    admitted = CustodyEvent.objects.filter(
        unit_inside, kind=EventKind.HANDOVER_ACCEPTED, data__to_state=State.IN_FACILITY, occurred_at__gte=now - timedelta(days=RATE_DAYS)
    ).count()
    rate = admitted / RATE_DAYS

    at_gate = Journey.objects.filter(inside, state__in=[State.AT_GATE, State.INTERCEPTED]).count()
    to_facility = (
        Journey.objects.filter(Q(pending_unit__jurisdiction__path__startswith=county.path), state=State.HANDOVER_OFFERED)
        .filter(pending_unit__kind=UnitKind.QUARANTINE_FACILITY)
        .count()
    )
    declared: dict[int, int] = defaultdict(int)
    for exp in Journey.objects.filter(inside, state=State.DECLARED, expected_at__isnull=False).values_list("expected_at", flat=True):
        k = (local_day(exp) - today).days
        if 0 <= k < HORIZON:
            declared[k] += 1
    admissions = [max(rate, declared[k] * share) for k in range(HORIZON)]
    admissions[0] += at_gate * share + to_facility

    return CountyForecast(
        county=county,
        capacity=queries.quarantine_capacity(county),
        occupied_now=len(release),
        rate=rate,
        share=share,
        stay_days=stay_days,
        days=[today + timedelta(days=k) for k in range(HORIZON)],
        rooms=project(release, admissions, stay_days),
        release=release,
        admissions=admissions,
    )


def forecast(node: Jurisdiction, *, stay_days: int | None = None, now: datetime | None = None) -> list[CountyForecast]:
    return [county_forecast(c, stay_days=stay_days, now=now) for c in counties(node)]


def warnings(forecasts: list[CountyForecast]) -> list[CountyForecast]:
    """The counties that will run out of rooms within the horizon — what a contingency plan hooks on."""
    return [f for f in forecasts if f.runs_out_on is not None]
