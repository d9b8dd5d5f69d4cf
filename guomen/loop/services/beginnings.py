"""How a journey begins: declared, arriving at a port, intercepted or found locally."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.alerts.services import alert_raise
from guomen.lib.errors import DomainError
from guomen.org.models import Unit
from guomen.places.models import Jurisdiction, Passage
from guomen.places.services import ALERT_CLOSED_PASSAGE, CrossingFinding, crossing_check

from ..models import (
    EventKind,
    Journey,
    Origin,
    Risk,
    State,
)
from .authority import _act_for, _port_unit, require_state
from .engine import _append, _locked, _now, _open, _start, _when


# --- flows: beginnings ---------------------------------------------------------------------------
def expected_window(now: datetime) -> tuple[datetime, datetime]:
    """The earliest and latest expected arrival a declaration may give at ``now`` (settings
    ``GUOMEN_EXPECTED_PAST_DAYS``, ``GUOMEN_EXPECTED_AHEAD_DAYS``)."""
    return now - timedelta(days=settings.GUOMEN_EXPECTED_PAST_DAYS), now + timedelta(days=settings.GUOMEN_EXPECTED_AHEAD_DAYS)


def expected_check(expected_at: datetime, window: tuple[datetime, datetime] | None = None) -> None:
    """Refuse an expected arrival too far in the past (a stale or mistyped year) or too far ahead."""
    earliest, latest = window or expected_window(_now())
    if expected_at < earliest:
        raise DomainError(
            "expected_at_past",
            _("Expected arrival %(at)s is too far in the past: at most %(days)d days ago.")
            % {"at": timezone.localtime(expected_at).strftime("%Y-%m-%d %H:%M"), "days": settings.GUOMEN_EXPECTED_PAST_DAYS},
            status=422,
            details={"field": "expected_at"},
        )
    if expected_at > latest:
        raise DomainError(
            "expected_at_ahead",
            _("Expected arrival %(at)s is too far ahead: at most %(days)d days from now.")
            % {"at": timezone.localtime(expected_at).strftime("%Y-%m-%d %H:%M"), "days": settings.GUOMEN_EXPECTED_AHEAD_DAYS},
            status=422,
            details={"field": "expected_at"},
        )


@transaction.atomic
def journey_declare(
    *,
    actor: Any,
    port_unit: Unit,
    person: Any,
    expected_at: datetime,
    risk: str = Risk.MEDIUM,
    origin_country: str = "",
    origin_place: str = "",
    destination: Jurisdiction | None = None,
    source: str = "",
) -> Journey:
    _act_for(actor, port_unit)
    _port_unit(port_unit)
    if timezone.is_naive(expected_at):
        raise DomainError("naive_time", _("Give the time with its time zone."), status=422)
    now = _now()
    expected_check(expected_at, expected_window(now))
    j = _open(
        person=person,
        origin=Origin.DECLARATION,
        unit=port_unit,
        risk=risk,
        at=now,
        port=port_unit.passage,
        origin_country=origin_country,
        origin_place=origin_place,
        destination=destination,
    )
    return _start(
        j, EventKind.DECLARED, unit=port_unit, actor=actor, at=now, data={"expected_at": expected_at.isoformat(), "source": source[:200]}
    )


@transaction.atomic
def journey_arrive(
    *,
    actor: Any,
    unit: Unit,
    journey: Journey | None = None,
    person: Any = None,
    risk: str = Risk.MEDIUM,
    origin_country: str = "",
    origin_place: str = "",
    destination: Jurisdiction | None = None,
    occurred_at: datetime | None = None,
) -> Journey:
    """Arrival at the port: of a declared journey, or of someone who was not declared."""
    _act_for(actor, unit)
    _port_unit(unit)
    at = _when(occurred_at)
    if journey is not None:
        j = _locked(journey)
        require_state(j, State.DECLARED)
        if j.custodian_id != unit.pk:
            raise DomainError("wrong_port", _("This person was declared at another port."), status=422)
        _append(j, EventKind.ARRIVED, unit=unit, actor=actor, at=at)
    else:
        if person is None:
            raise DomainError("person_required", _("Register the person first."), status=422)
        j = _open(
            person=person,
            origin=Origin.PORT_ARRIVAL,
            unit=unit,
            risk=risk,
            at=at,
            port=unit.passage,
            origin_country=origin_country,
            origin_place=origin_place,
            destination=destination,
        )
        j = _start(j, EventKind.ARRIVED, unit=unit, actor=actor, at=at, data={})
    _passage_check(j, at)
    return j


@transaction.atomic
def journey_intercept(
    *,
    actor: Any,
    unit: Unit,
    person: Any,
    place: str = "",
    passage: Passage | None = None,
    found_locally: bool = False,
    risk: str = Risk.HIGH,
    occurred_at: datetime | None = None,
    details: dict[str, Any] | None = None,
    origin_country: str = "",
    origin_place: str | None = None,
    destination: Jurisdiction | None = None,
) -> Journey:
    """Someone who came in outside a port: intercepted on the border, or found locally by a village.
    ``origin_place`` is where they came from (a returnee says it); without it an interception keeps
    the place it happened, and a person found locally has none (the village is not where they came from)."""
    _act_for(actor, unit)
    at = _when(occurred_at)
    origin = Origin.FOUND_LOCALLY if found_locally else Origin.INTERCEPTED
    j = _open(
        person=person,
        origin=origin,
        unit=unit,
        risk=risk,
        at=at,
        port=passage,
        origin_country=origin_country,
        origin_place=origin_place if origin_place is not None else ("" if found_locally else place),
        destination=destination,
    )
    kind = EventKind.FOUND_LOCALLY if found_locally else EventKind.INTERCEPTED
    j = _start(j, kind, unit=unit, actor=actor, at=at, data={"place": place[:200], **(details or {})})
    if passage is not None:
        _passage_check(j, at)
    return j


def _passage_check(j: Journey, at: datetime) -> None:
    """A crossing recorded at a passage that is closed at that time is flagged (places owns the
    rule and says who answers for the passage; loop raises the alert)."""
    if j.port_id is None:
        return
    crossing_record(j.port, at, journey=j)


def crossing_record(passage: Passage, at: datetime, *, journey: Journey | None = None) -> tuple[CrossingFinding, Any]:
    """Read what places finds about a crossing at ``passage`` at ``at`` and, when it is flagged,
    raise a ``closed_passage`` alert with the unit that answers for the passage (about the journey,
    when there is one). Answers the finding and the alert (None when nothing was raised)."""
    finding = crossing_check(passage, at)
    if not finding.flagged or finding.unit is None:
        return finding, None
    ref = {"ref_type": "journey", "ref": journey.pk, "ref_code": journey.code} if journey is not None else {}
    raised = alert_raise(kind=ALERT_CLOSED_PASSAGE, unit=finding.unit, subject=finding.message, details=finding.details, due_at=at, **ref)
    return finding, raised
