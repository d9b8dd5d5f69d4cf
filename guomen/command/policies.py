"""Comparing quarantine policies side by side, and publishing one as a new version.

A candidate is days of centralised quarantine, test days and days of home monitoring. For each the
command sees the residual risk (``loop.science``), the rooms it needs at the current admission rate
(Little's law: λ·W, against the capacity) and the person-days and tests it costs per 1,000 arrivals.
Publishing goes through ``loop.services.policy_publish`` — a new version of the policy in force; the
journeys already open keep theirs. Only the province command publishes (the approval of a policy
is the province's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError

from guomen.lib.errors import DomainError
from guomen.lib.text import clean_text
from guomen.org.models import Role
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

MAX_DAYS = 60
PUBLISH_ROLES = (Role.PROVINCE_COMMAND,)
# The examples a command starts from: 14 + 7 days, 14 days, 7 days with a test on day 6.
DEFAULT_CANDIDATES = (("14", "7", ""), ("14", "0", ""), ("7", "0", "6"))


@dataclass(frozen=True)
class Candidate:
    quarantine_days: int
    home_days: int
    test_days: tuple[int, ...]

    def plan(self) -> Any:
        from guomen.loop.science import Plan

        return Plan(self.quarantine_days, self.test_days, self.home_days)

    @property
    def query(self) -> str:
        return ",".join(str(d) for d in self.test_days)


def _days(value: Any, field: str) -> int:
    try:
        n = int(str(value).strip() or "0")
    except ValueError:
        raise DomainError(
            "invalid_days", _("Give %(field)s as a whole number of days.") % {"field": field}, status=422, details={"field": field}
        ) from None
    if not 0 <= n <= MAX_DAYS:
        raise DomainError(
            "invalid_days",
            _("Give %(field)s between 0 and %(n)d days.") % {"field": field, "n": MAX_DAYS},
            status=422,
            details={"field": field},
        )
    return n


def parse_candidate(quarantine: Any, home: Any, tests: Any) -> Candidate:
    """A candidate from form values; a clear error (422) for anything else."""
    q = _days(quarantine, _("days of quarantine"))
    h = _days(home, _("days of home monitoring"))
    raw = [t for t in str(tests or "").replace("，", ",").replace(" ", ",").split(",") if t]
    try:
        days = sorted({int(t) for t in raw})
    except ValueError:
        raise DomainError(
            "invalid_test_days",
            _("Give the test days as numbers separated by commas, e.g. 1,7,13."),
            status=422,
            details={"field": "tests"},
        ) from None
    if any(d < 1 or d > q for d in days):
        raise DomainError(
            "test_day_outside_quarantine",
            _("Test days fall within the quarantine: between day 1 and day %(n)d.") % {"n": q},
            status=422,
            details={"field": "tests"},
        )
    return Candidate(q, h, tuple(days))


def current_candidate(rules: Any, risk: str = "medium") -> Candidate:
    q = rules.quarantine_days[risk]
    return Candidate(q, rules.home_days[risk], tuple(sorted({d for d in rules.test_days if 1 <= d <= q})))


@dataclass(frozen=True)
class Column:
    candidate: Candidate
    current: bool
    risk: Any  # loop.science.Residual
    rooms: float  # λ·W at the node's current admission rate
    peak: int  # the most rooms needed on one day of the next 14
    last: int  # the rooms needed on the last day of the 14
    capacity: int
    quarantine_person_days: int  # per 1,000 arrivals
    home_person_days: int
    tests: int  # per 1,000 arrivals

    @property
    def fits(self) -> bool:
        return not self.capacity or max(round(self.rooms), self.peak) <= self.capacity


def compare(node: Jurisdiction, candidates: list[Candidate], current: Candidate, *, forecasts: list[Any]) -> list[Column]:
    """One column per policy (the one in force first) for the jurisdiction ``node``."""
    from guomen.loop.science import residual_risk

    rate = sum(f.rate for f in forecasts)
    capacity = sum(f.capacity for f in forecasts)
    out = []
    for i, c in enumerate([current, *candidates]):
        per_day = [sum(day) for day in zip(*(f.rooms_with_stay(c.quarantine_days) for f in forecasts), strict=True)]
        out.append(
            Column(
                candidate=c,
                current=i == 0,
                risk=residual_risk(c.plan()),
                rooms=rate * c.quarantine_days,
                peak=round(max(per_day)) if per_day else 0,
                last=round(per_day[-1]) if per_day else 0,
                capacity=capacity,
                quarantine_person_days=1000 * c.quarantine_days,
                home_person_days=1000 * c.home_days,
                tests=1000 * len(c.test_days),
            )
        )
    return out


def publish(*, actor: Any, candidate: Candidate, name_zh: str, name_en: str) -> Any:
    """A new version of the policy in force with the candidate's days for every risk level."""
    from guomen.loop.policy import Rules
    from guomen.loop.services import policy_current, policy_publish

    scope = Scope.of(actor)
    scope.require_write()
    if not scope.has_role(*PUBLISH_ROLES):
        raise PermissionDenied(_("Only the province command publishes a policy."))
    name_zh = clean_text(name_zh, "name_zh", max_length=120, label=_("name (Chinese)"), required=True)
    name_en = clean_text(name_en, "name_en", max_length=120, label=_("name (English)"), required=True)
    with transaction.atomic():
        current = policy_current()
        rules = dict(current.rules)
        rules["quarantine_days"] = dict.fromkeys(("low", "medium", "high"), candidate.quarantine_days)
        rules["home_days"] = dict.fromkeys(("low", "medium", "high"), candidate.home_days)
        rules["test_days"] = list(candidate.test_days)
        try:
            Rules.model_validate(rules)
        except ValidationError as exc:
            raise DomainError(
                "invalid_policy", _("These rules are not a valid policy."), status=422, details={"errors": str(exc)}
            ) from None
        return policy_publish(code=current.code, name_zh=name_zh, name_en=name_en, rules=rules)
