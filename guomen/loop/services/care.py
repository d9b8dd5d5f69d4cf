"""Quarantine, hospital and home: reports, release and closure, the hospital offer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from guomen.lib.errors import Conflict, DomainError
from guomen.lib.text import clean_text
from guomen.org.models import Unit, UnitKind

from .. import alerting
from .. import projection as proj
from ..alerting import AlertKind
from ..models import (
    OPEN_STATES,
    CustodyEvent,
    EventKind,
    Journey,
    State,
)
from .authority import _custodian, may_override, require_state
from .engine import _append, _locked, _now, rules_of, snapshot
from .handover import _offer


@transaction.atomic
def hospital_report(*, actor: Any, journey: Journey, condition: str, note: str = "") -> CustodyEvent:
    j = _locked(journey)
    _custodian(actor, j)
    require_state(j, State.IN_HOSPITAL)
    if condition not in ("stable", "improving", "serious", "critical", "recovered"):
        raise DomainError("invalid_condition", _("Unknown condition."), status=422)
    return _append(
        j,
        EventKind.HOSPITAL_REPORT,
        unit=j.custodian,
        actor=actor,
        at=_now(),
        data={"condition": condition, "note": clean_text(note, "note", max_length=300, multiline=True, label=_("the note"))},
    )


@transaction.atomic
def journey_release(*, actor: Any, journey: Journey, override_reason: str = "") -> CustodyEvent:
    """Release from centralised quarantine once the policy is satisfied, or by an authorised override."""
    j = _locked(journey)
    require_state(j, State.IN_FACILITY)
    if j.facts.get("released_at"):
        raise Conflict("already_released", _("Already released."))
    override_reason = clean_text(override_reason, "override_reason", max_length=300, multiline=True, label=_("the reason for the override"))
    p, rules, now = snapshot(j), rules_of(j), _now()
    satisfied = proj.quarantine_served(p, rules, j.risk, now) and proj.tests_satisfied(p, rules)
    if override_reason:
        if not may_override(actor, j):
            raise PermissionDenied(_("Only county, prefecture or province command may override the policy."))
    else:
        _custodian(actor, j)
        if not satisfied:
            raise DomainError(
                "policy_not_satisfied",
                _("Not yet: the quarantine days are not served or a test is missing or positive."),
                status=422,
                details={"served": proj.quarantine_served(p, rules, j.risk, now), "tests": proj.tests_satisfied(p, rules)},
            )
    return _append(
        j, EventKind.RELEASED, unit=j.custodian, actor=actor, at=now, data={"override_reason": override_reason} if override_reason else {}
    )


@transaction.atomic
def journey_close(*, actor: Any, journey: Journey, override_reason: str = "") -> CustodyEvent:
    """End of follow-up: home monitoring served (or hospital discharge home), or an authorised override."""
    j = _locked(journey)
    require_state(j, *OPEN_STATES)
    override_reason = clean_text(override_reason, "override_reason", max_length=300, multiline=True, label=_("the reason for the override"))
    if override_reason:
        if not may_override(actor, j):
            raise PermissionDenied(_("Only county, prefecture or province command may override the policy."))
        return _append(j, EventKind.OVERRIDE_CLOSED, unit=j.custodian, actor=actor, at=_now(), data={"reason": override_reason})
    _custodian(actor, j)
    if j.state == State.HOME_MONITORING:
        if not proj.monitoring_served(snapshot(j), rules_of(j), j.risk, _now()):
            raise DomainError("policy_not_satisfied", _("Not yet: the days of home monitoring are not served."), status=422)
    elif j.state == State.IN_HOSPITAL:
        last = next((e for e in reversed(list(j.events.filter(kind=EventKind.HOSPITAL_REPORT)))), None)
        if last is None or last.data.get("condition") != "recovered":
            raise DomainError("not_recovered", _("Report the person as recovered before discharge."), status=422)
    else:
        raise Conflict("wrong_state", _("Only home monitoring or a hospital stay ends with closure."))
    return _append(j, EventKind.CLOSED, unit=j.custodian, actor=actor, at=_now(), data={})


@transaction.atomic
def checkup_record(
    *, actor: Any, journey: Journey, temperature: float | None, symptoms: Any = (), sample_id: str = "", result: str = ""
) -> None:
    """The check form of a facility or a village: a test result (if given) and the health check,
    in one transaction. A result alone is allowed in any open state; a check only in quarantine or
    at home."""
    from .checks import health_check
    from .gate import journey_test_result

    if result:
        journey_test_result(actor=actor, journey=journey, sample_id=sample_id, result=result)
        journey.refresh_from_db()
    if journey.state in (State.IN_FACILITY, State.HOME_MONITORING):
        health_check(actor=actor, journey=journey, temperature=temperature, symptoms=symptoms)  # type: ignore[arg-type]
    elif not result:
        require_state(journey, State.IN_FACILITY, State.HOME_MONITORING)


def _to_hospital(j: Journey, actor: Any, *, reason: str) -> None:
    """A fever or a positive result: offer the person to the county's designated hospital at once."""
    if j.state in (State.IN_HOSPITAL, State.HANDOVER_OFFERED, State.CLOSED):
        return
    county_path = "/".join(j.custodian.jurisdiction.path.split("/")[:4]) + "/"
    hospital = Unit.objects.filter(kind=UnitKind.HOSPITAL, active=True, jurisdiction__path__startswith=county_path).order_by("code").first()
    if hospital is None:
        alerting.journey_alert(
            j, kind=AlertKind.NO_HOSPITAL, unit=j.custodian, subject=f"{j.code} · {reason}", details={"reason": "no_hospital"}, now=_now()
        )
        return
    _offer(j, actor, hospital, _now() + timedelta(hours=2), reason=reason)
