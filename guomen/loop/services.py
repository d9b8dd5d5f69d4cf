"""Every write of the closed loop. One function per flow, shared by the pages and the API.

Each flow appends custody events to a journey inside one transaction, stores the new projection
on the journey row, keeps the per-jurisdiction counts, and closes the journey's overdue alert when
the event it waited for arrives. A broken rule raises ``DomainError`` and changes nothing.
"""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib.errors import Conflict, DomainError
from guomen.lib.localtime import local_day
from guomen.org.models import Role, Unit, UnitKind
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction, Level, Passage

from . import alerting, queries
from . import projection as proj
from .alerting import AlertKind
from .models import (
    OPEN_STATES,
    CustodyEvent,
    DailyCount,
    Disposition,
    EventKind,
    Journey,
    JourneyCount,
    Origin,
    Policy,
    Risk,
    State,
)
from .policy import DEMO_RULES, Rules
from .rules import destination_check

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud and typed on phones
RECEIVER_STATE = {
    UnitKind.TRANSFER_TEAM: State.IN_TRANSIT,
    UnitKind.QUARANTINE_FACILITY: State.IN_FACILITY,
    UnitKind.HOSPITAL: State.IN_HOSPITAL,
    UnitKind.VILLAGE_COMMITTEE: State.HOME_MONITORING,
    UnitKind.PORT_HEALTH_STATION: State.AT_GATE,
}
DISPOSITION_KIND = {
    Disposition.QUARANTINE: UnitKind.QUARANTINE_FACILITY,
    Disposition.HOSPITAL: UnitKind.HOSPITAL,
    Disposition.HOME: UnitKind.VILLAGE_COMMITTEE,
}
OVERRIDE_ROLES = (Role.COUNTY_COMMAND, Role.PREFECTURE_COMMAND, Role.PROVINCE_COMMAND)
MAX_CLOCK_SKEW = timedelta(minutes=10)


# --- policy -----------------------------------------------------------------------------------
def policy_current(*, code: str = "yunnan-border") -> Policy:
    """The newest version in force; the demo policy is created on first use."""
    now = timezone.now()
    p = Policy.objects.filter(code=code, effective_from__lte=now).order_by("-version").first()
    if p is None:
        p, _created = Policy.objects.get_or_create(
            code=code,
            version=1,
            defaults={
                "name_zh": "云南边境入境人员闭环管理（示例政策）",
                "name_en": "Yunnan border inbound closed loop (demo policy)",
                "effective_from": datetime(2020, 3, 1, tzinfo=UTC),
                "rules": DEMO_RULES.model_dump(),
            },
        )
    return p


def policy_publish(*, code: str, name_zh: str, name_en: str, rules: dict[str, Any], effective_from: datetime | None = None) -> Policy:
    """A new version of a policy; journeys already open keep theirs."""
    checked = Rules.model_validate(rules)
    last = Policy.objects.filter(code=code).order_by("-version").first()
    return Policy.objects.create(
        code=code,
        version=(last.version + 1) if last else 1,
        name_zh=name_zh,
        name_en=name_en,
        effective_from=effective_from or timezone.now(),
        rules=checked.model_dump(),
    )


_RULES: dict[int, Rules] = {}


def rules_of(journey: Journey) -> Rules:
    """The journey's policy rules, validated once per policy version (versions are never edited)."""
    rules = _RULES.get(journey.policy_id)
    if rules is None:
        rules = _RULES[journey.policy_id] = Rules.model_validate(journey.policy.rules)
    return rules


# --- the engine: append one event ------------------------------------------------------------
_CLOCK: ContextVar[Callable[[], datetime] | None] = ContextVar("loop_clock", default=None)


def _now() -> datetime:
    clock = _CLOCK.get()
    return clock() if clock is not None else timezone.now()


@contextmanager
def clock(now: Callable[[], datetime]) -> Iterator[None]:
    """Run flows at another time (the demo generator replays weeks of history with it)."""
    token = _CLOCK.set(now)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def _when(occurred_at: datetime | None) -> datetime:
    now = _now()
    if occurred_at is None:
        return now
    if timezone.is_naive(occurred_at):
        raise DomainError("naive_time", _("Give the time with its time zone."), status=422)
    if occurred_at > now + MAX_CLOCK_SKEW:
        raise DomainError("time_in_future", _("The time given is in the future."), status=422)
    return occurred_at


def _counts(jurisdiction_id: int, state: str, delta: int) -> None:
    if JourneyCount.objects.filter(jurisdiction_id=jurisdiction_id, state=state).update(n=F("n") + delta):
        return
    try:
        with transaction.atomic():
            JourneyCount.objects.create(jurisdiction_id=jurisdiction_id, state=state, n=delta)
    except IntegrityError:  # created by a concurrent transaction meanwhile
        JourneyCount.objects.filter(jurisdiction_id=jurisdiction_id, state=state).update(n=F("n") + delta)


def _daily(unit_id: int, at: datetime, what: str) -> None:
    day = local_day(at)
    if DailyCount.objects.filter(unit_id=unit_id, day=day, what=what).update(n=F("n") + 1):
        return
    try:
        with transaction.atomic():
            DailyCount.objects.create(unit_id=unit_id, day=day, what=what, n=1)
    except IntegrityError:  # created by a concurrent transaction meanwhile
        DailyCount.objects.filter(unit_id=unit_id, day=day, what=what).update(n=F("n") + 1)


def _snapshot(j: Journey) -> proj.Projection:
    return proj.Projection(
        state=j.state,
        state_since=j.state_since,
        custodian_id=j.custodian_id,
        due_at=j.due_at,
        awaiting=j.awaiting,
        pending_unit_id=j.pending_unit_id,
        expected_at=j.expected_at,
        room=j.room,
        closed_at=j.closed_at,
        last_seq=j.last_seq,
        facts=j.facts,
    )


PROJECTED_FIELDS = [
    "custodian",
    "jurisdiction",
    "state",
    "state_since",
    "due_at",
    "awaiting",
    "pending_unit",
    "expected_at",
    "room",
    "closed_at",
    "last_seq",
    "facts",
    "alert_open",
    "updated_at",
]


# What an event that leaves state, custody and room alone can change.
CHECK_FIELDS = ["due_at", "awaiting", "last_seq", "facts", "alert_open", "updated_at"]


def _advance(j: Journey, kind: str, *, unit: Unit, actor: Any, at: datetime, data: dict[str, Any]) -> tuple[CustodyEvent, bool]:
    """Apply one event to the journey in memory. Returns the unsaved event, and whether the
    journey's open overdue alert is answered by it."""
    p = proj.apply(_snapshot(j), proj.Ev(j.last_seq + 1, kind, at, unit.pk, data), rules_of(j), j.risk)
    event = CustodyEvent(
        journey=j, seq=p.last_seq, kind=kind, occurred_at=at, actor=actor if getattr(actor, "pk", None) else None, unit=unit, data=data
    )
    if p.custodian_id != j.custodian_id:
        custodian = unit if unit.pk == p.custodian_id else Unit.objects.get(pk=p.custodian_id)
        j.custodian = custodian
        j.jurisdiction_id = custodian.jurisdiction_id
    j.state, j.state_since, j.due_at, j.awaiting, j.pending_unit_id = p.state, p.state_since, p.due_at, p.awaiting, p.pending_unit_id
    j.expected_at, j.room, j.closed_at, j.last_seq, j.facts = p.expected_at, p.room, p.closed_at, p.last_seq, p.facts
    j.updated_at = timezone.now()
    answered = j.alert_open and (j.closed_at is not None or j.due_at is None or j.due_at > _now())
    if answered:
        j.alert_open = False
    return event, answered


def _close_overdue_alert(j: Journey, seq: int) -> None:
    alerting.overdue_answered(j, seq, _now())


def _append(j: Journey, kind: str, *, unit: Unit, actor: Any, at: datetime, data: dict[str, Any] | None = None) -> CustodyEvent:
    """Append one event and store the projection. The caller holds the journey row lock."""
    before = (j.state, j.custodian_id, j.pending_unit_id, j.expected_at, j.room, j.closed_at, j.state_since)
    before_state, before_jur = j.state, j.jurisdiction_id
    event, answered = _advance(j, kind, unit=unit, actor=actor, at=at, data=data or {})
    event.save()
    if answered:
        _close_overdue_alert(j, event.seq)
    if kind == EventKind.ARRIVED or (kind == EventKind.TEST_RESULT and event.data.get("result") == "positive"):
        _daily(unit.pk, at, DailyCount.ARRIVED if kind == EventKind.ARRIVED else DailyCount.POSITIVE)
    same = before == (j.state, j.custodian_id, j.pending_unit_id, j.expected_at, j.room, j.closed_at, j.state_since)
    j.save(update_fields=CHECK_FIELDS if same else PROJECTED_FIELDS)
    if before_state and (before_state, before_jur) != (j.state, j.jurisdiction_id):
        _counts(before_jur, before_state, -1)
        _counts(j.jurisdiction_id, j.state, +1)
    return event


def _locked(journey: Journey) -> Journey:
    """The journey row, locked for this transaction (PostgreSQL); SQLite's write lock serialises anyway.

    A journey already read with ``queries.journey_for_update`` inside the caller's transaction is
    used as it is, saving a second read on the hot path of health checks."""
    if getattr(journey, "_row_locked", False) and transaction.get_connection().in_atomic_block:
        return journey
    return Journey.objects.select_for_update(of=("self",)).select_related("policy", "custodian", "pending_unit").get(pk=journey.pk)


def _new_code() -> str:
    return "GM" + "".join(secrets.choice(CODE_ALPHABET) for _i in range(8))


def _open(
    *,
    person: Any,
    origin: str,
    unit: Unit,
    risk: str,
    at: datetime,
    port: Passage | None = None,
    origin_country: str = "",
    origin_place: str = "",
    destination: Jurisdiction | None = None,
) -> Journey:
    if risk not in Risk.values:
        raise DomainError("invalid_risk", _("Unknown risk level."), status=422)
    if destination is not None and destination.level not in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
        raise DomainError("invalid_destination", _("The destination must be a county, township or village."), status=422)
    open_journey = Journey.objects.filter(person=person, closed_at__isnull=True).first()
    if open_journey is not None:
        raise Conflict(
            "journey_open",
            _("This person already has an open journey (%(code)s).") % {"code": open_journey.code},
            details={"journey": open_journey.code},
        )
    return Journey(
        code=_new_code(),
        person=person,
        origin=origin,
        port=port,
        origin_country=origin_country[:3].upper(),
        origin_place=origin_place[:120],
        destination=destination,
        risk=risk,
        policy=policy_current(),
        opened_at=at,
        state="",
        custodian=unit,
        jurisdiction_id=unit.jurisdiction_id,
    )


def _start(j: Journey, kind: str, *, unit: Unit, actor: Any, at: datetime, data: dict[str, Any]) -> Journey:
    j.state = ""
    j.save()
    _append(j, kind, unit=unit, actor=actor, at=at, data=data)
    _counts(j.jurisdiction_id, j.state, +1)
    return j


# --- authority ---------------------------------------------------------------------------------
def _act_for(actor: Any, unit: Unit) -> Scope:
    scope = Scope.of(actor)
    scope.require_write()
    if not scope.acts_for(unit):
        raise PermissionDenied(_("Only a member of %(unit)s may do this.") % {"unit": unit})
    return scope


def _custodian(actor: Any, j: Journey) -> None:
    _act_for(actor, j.custodian)


def _require_state(j: Journey, *states: str) -> None:
    if j.state not in states:
        raise Conflict(
            "wrong_state",
            _("Not possible now: the journey is “%(state)s”.") % {"state": State(j.state).label if j.state else "—"},
            details={"state": j.state, "allowed": list(states)},
        )


def _port_unit(unit: Unit) -> None:
    if unit.kind != UnitKind.PORT_HEALTH_STATION:
        raise DomainError("not_a_port", _("Only a port health station can do this."), status=422)


# --- flows: beginnings ---------------------------------------------------------------------------
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
        _require_state(j, State.DECLARED)
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
    destination: Jurisdiction | None = None,
) -> Journey:
    """Someone who came in outside a port: intercepted on the border, or found locally by a village."""
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
        origin_place=place,
        destination=destination,
    )
    kind = EventKind.FOUND_LOCALLY if found_locally else EventKind.INTERCEPTED
    j = _start(j, kind, unit=unit, actor=actor, at=at, data={"place": place[:200], **(details or {})})
    if passage is not None:
        _passage_check(j, at)
    return j


def _passage_check(j: Journey, at: datetime) -> None:
    """A crossing recorded at a passage that is closed at that time is flagged (places owns the rule)."""
    if j.port_id is None:
        return
    from guomen.places.services import crossing_check

    crossing_check(j.port, at, journey=j)


# --- flows: at the gate ---------------------------------------------------------------------------
GATE_STATES = (State.AT_GATE, State.INTERCEPTED)


FINDING_ALERTS = {
    "watchlist_hit": AlertKind.WATCHLIST_HIT,
    "duplicate_document": AlertKind.DUPLICATE_DOCUMENT,
    "border_pass_outside": AlertKind.BORDER_PASS_OUTSIDE,
}


@transaction.atomic
def document_check(*, actor: Any, journey: Journey, document: Any, occurred_at: datetime | None = None) -> CustodyEvent:
    """Check a document at the gate: expired, watch-listed, held by another person or by another
    open journey, a border pass outside its county. Findings are recorded on the event; those that
    need command's attention raise an alert to the command of the port's county."""
    from guomen.people.services import document_findings

    j = _locked(journey)
    _custodian(actor, j)
    _require_state(j, *GATE_STATES, State.DECLARED)
    if document.person_id != j.person_id:
        raise DomainError("wrong_document", _("This document belongs to someone else."), status=422)
    at = _when(occurred_at)
    findings = [
        (f.kind, f.message, f.details) for f in document_findings(document, used_in=j.custodian.jurisdiction, today=timezone.localdate(at))
    ]
    twins = list(
        Journey.objects.filter(closed_at__isnull=True, person__documents__number_lookup=document.number_lookup)
        .exclude(pk=j.pk)
        .values_list("code", flat=True)
        .distinct()[:5]
    )
    if twins:
        findings.append(
            (
                "duplicate_document",
                _("The same document is used by another open journey: %(codes)s.") % {"codes": ", ".join(twins)},
                {"journeys": twins},
            )
        )
    event = _append(
        j,
        EventKind.DOCUMENT_CHECKED,
        unit=j.custodian,
        actor=actor,
        at=at,
        data={
            "document": str(document.public_id),
            "kind": document.kind,
            "last4": document.last4,
            "expired": any(k == "expired" for k, _m, _d in findings),
            "findings": [{"kind": k, "message": str(m)} for k, m, _d in findings],
        },
    )
    raised = set()
    for kind, message, details in findings:
        if kind in FINDING_ALERTS and kind not in raised:
            raised.add(kind)
            alerting.journey_alert(
                j,
                kind=FINDING_ALERTS[kind],
                unit=alerting.command_unit(j.custodian) or j.custodian,
                subject=f"{j.code} · {document.get_kind_display()} ••••{document.last4}",
                details={"finding": kind, "message": str(message), **details},
                now=_now(),
            )
    return event


@transaction.atomic
def journey_screen(
    *, actor: Any, journey: Journey, temperature: float, symptoms: Sequence[str] = (), occurred_at: datetime | None = None
) -> CustodyEvent:
    j = _locked(journey)
    _custodian(actor, j)
    _require_state(j, *GATE_STATES)
    t = _temperature(temperature)
    fever = t >= rules_of(j).fever_celsius
    return _append(
        j,
        EventKind.SCREENED,
        unit=j.custodian,
        actor=actor,
        at=_when(occurred_at),
        data={"temperature": t, "symptoms": _symptoms(symptoms), "fever": fever},
    )


@transaction.atomic
def journey_sample(*, actor: Any, journey: Journey, sample_id: str, occurred_at: datetime | None = None) -> CustodyEvent:
    j = _locked(journey)
    _custodian(actor, j)
    _require_state(j, *GATE_STATES, State.IN_FACILITY, State.HOME_MONITORING, State.IN_HOSPITAL)
    sid = _text(sample_id, 40, "sample_id")
    if not sid:
        raise DomainError("sample_id_required", _("Give the sample's number."), status=422)
    return _append(j, EventKind.SAMPLED, unit=j.custodian, actor=actor, at=_when(occurred_at), data={"sample_id": sid})


@transaction.atomic
def journey_test_result(*, actor: Any, journey: Journey, sample_id: str, result: str, occurred_at: datetime | None = None) -> CustodyEvent:
    j = _locked(journey)
    _custodian(actor, j)
    _require_state(j, *OPEN_STATES)
    if result not in ("positive", "negative"):
        raise DomainError("invalid_result", _("A result is positive or negative."), status=422)
    event = _append(
        j,
        EventKind.TEST_RESULT,
        unit=j.custodian,
        actor=actor,
        at=_when(occurred_at),
        data={"sample_id": _text(sample_id, 40, "sample_id"), "result": result},
    )
    if result == "positive":
        _to_hospital(j, actor, reason="positive")
    return event


@transaction.atomic
def journey_dispose(
    *,
    actor: Any,
    journey: Journey,
    disposition: str,
    to_unit: Unit | None = None,
    via_unit: Unit | None = None,
    expected_at: datetime | None = None,
    note: str = "",
    override_reason: str = "",
) -> Journey:
    """Decide where the person goes; offers the first handover (or closes the journey on release).
    A person with fever, symptoms or a positive result goes to hospital unless command overrides."""
    j = _locked(journey)
    override_reason = _text(override_reason, 300, "override_reason")
    _holder_or_override(actor, j, override_reason)
    _require_state(j, *GATE_STATES)
    if disposition not in Disposition.values:
        raise DomainError("invalid_disposition", _("Unknown disposition."), status=422)
    moving = destination_check(
        j, actor=actor, to_unit=None if disposition == Disposition.RELEASE else to_unit, override_reason=override_reason
    )
    now = _now()
    if disposition == Disposition.RELEASE:
        _append(
            j,
            EventKind.DISPOSED,
            unit=j.custodian,
            actor=actor,
            at=now,
            data={"disposition": disposition, "note": _text(note, 300, "note"), **moving},
        )
        _append(j, EventKind.CLOSED, unit=j.custodian, actor=actor, at=now, data={"reason": "released_at_gate"})
        return j
    if to_unit is None or to_unit.kind != DISPOSITION_KIND[disposition]:
        raise DomainError("invalid_destination", _("Choose a destination of the right kind for this disposition."), status=422)
    receiver = via_unit or to_unit
    if via_unit is not None and via_unit.kind != UnitKind.TRANSFER_TEAM:
        raise DomainError("invalid_transfer", _("Only a transfer team can carry out a transfer."), status=422)
    _append(
        j,
        EventKind.DISPOSED,
        unit=j.custodian,
        actor=actor,
        at=now,
        data={
            "disposition": disposition,
            "to_unit": to_unit.pk,
            "to_code": to_unit.code,
            "via_unit": via_unit.pk if via_unit else None,
            "note": _text(note, 300, "note"),
            **moving,
        },
    )
    _offer(
        j,
        actor,
        receiver,
        expected_at or now + rules_of(j).hours("transfer_hours"),
        destination=to_unit if via_unit else None,
        override_reason=override_reason,
    )
    return j


# --- flows: handover ----------------------------------------------------------------------------------
def _offer(
    j: Journey,
    actor: Any,
    to_unit: Unit,
    expected_at: datetime,
    destination: Unit | None = None,
    reason: str = "",
    override_reason: str = "",
    kind: str = EventKind.HANDOVER_OFFERED,
    extra: dict[str, Any] | None = None,
) -> CustodyEvent:
    """Every offer of custody goes through here, so the moving rule (``loop.rules``) holds for all."""
    if to_unit.pk == j.custodian_id:
        raise DomainError("handover_to_self", _("A unit cannot hand over to itself."), status=422)
    if to_unit.kind not in RECEIVER_STATE or not to_unit.active:
        raise DomainError("invalid_receiver", _("This unit cannot take custody of a person."), status=422)
    if timezone.is_naive(expected_at):
        raise DomainError("naive_time", _("Give the time with its time zone."), status=422)
    data: dict[str, Any] = {"to_unit": to_unit.pk, "to_code": to_unit.code, "expected_at": expected_at.isoformat()}
    if destination is not None:
        data["destination"] = destination.pk
        data["destination_code"] = destination.code
    if reason:
        data["reason"] = reason
    data.update(extra or {})
    data.update(destination_check(j, actor=actor, to_unit=destination or to_unit, override_reason=override_reason))
    return _append(j, kind, unit=j.custodian, actor=actor, at=_now(), data=data)


def _holder_or_override(actor: Any, j: Journey, override_reason: str) -> None:
    """The custodian acts; with an override reason, a command user within reach may act instead."""
    if not (override_reason and _may_override(actor, j)):
        _custodian(actor, j)


@transaction.atomic
def handover_offer(
    *, actor: Any, journey: Journey, to_unit: Unit, expected_at: datetime | None = None, override_reason: str = ""
) -> CustodyEvent:
    j = _locked(journey)
    override_reason = _text(override_reason, 300, "override_reason")
    _holder_or_override(actor, j, override_reason)
    _require_state(j, State.AT_GATE, State.INTERCEPTED, State.IN_TRANSIT, State.IN_FACILITY, State.IN_HOSPITAL)
    if j.state == State.IN_FACILITY and not j.facts.get("released_at") and to_unit.kind != UnitKind.HOSPITAL:
        raise DomainError("not_released", _("Release the person from quarantine before handing them over."), status=422)
    expected_at = expected_at or _now() + rules_of(j).hours("transfer_hours")
    return _offer(j, actor, to_unit, expected_at, override_reason=override_reason)


@transaction.atomic
def handover_accept(
    *, actor: Any, journey: Journey, unit: Unit, room: str = "", card_code: str = "", without_card_reason: str = ""
) -> Journey:
    """The receiver takes custody — with the loop card's code (scanned or typed), or from its list
    with a reason why the card was not at hand (``handover.card_presence``). Custody changes only here."""
    from .handover import accept_check, card_presence

    _act_for(actor, unit)
    j = _locked(journey)
    _require_state(j, State.HANDOVER_OFFERED)
    if j.pending_unit_id != unit.pk:
        raise DomainError("not_offered_to_you", _("This person was not handed over to your unit."), status=422)
    how = card_presence(j, card_code=card_code, without_card_reason=without_card_reason)
    accept_check(j, unit)
    to_state = RECEIVER_STATE[UnitKind(unit.kind)]
    room = _text(room, 20, "room")
    if to_state == State.IN_FACILITY:
        if not room:
            raise DomainError("room_required", _("Give the room number."), status=422)
        occupied = Journey.objects.filter(custodian=unit, state=State.IN_FACILITY).select_for_update()
        if unit.capacity is not None and occupied.count() >= unit.capacity:
            raise Conflict("facility_full", _("%(unit)s is full: %(n)d of %(n)d rooms are taken.") % {"unit": unit, "n": unit.capacity})
        if occupied.filter(room=room).exists():
            raise Conflict("room_taken", _("Room %(room)s is already taken.") % {"room": room})
    flags = proj.flags(j.facts)
    data = {"to_state": to_state, "room": room, **how, **({"flags": flags} if flags else {})}
    _append(j, EventKind.HANDOVER_ACCEPTED, unit=unit, actor=actor, at=_now(), data=data)
    return j


@transaction.atomic
def handover_refuse(*, actor: Any, journey: Journey, unit: Unit, reason: str) -> Journey:
    """The receiver refuses: the journey returns to the sender, who must decide again."""
    _act_for(actor, unit)
    j = _locked(journey)
    _require_state(j, State.HANDOVER_OFFERED)
    if j.pending_unit_id != unit.pk:
        raise DomainError("not_offered_to_you", _("This person was not handed over to your unit."), status=422)
    reason = _text(reason, 300, "reason")
    if not reason:
        raise DomainError("reason_required", _("Say why the handover is refused."), status=422)
    _append(j, EventKind.HANDOVER_REFUSED, unit=unit, actor=actor, at=_now(), data={"reason": reason})
    return j


# --- flows: quarantine, hospital, home ------------------------------------------------------------------
@transaction.atomic(savepoint=False)  # the hot path: inside a caller's transaction, no savepoint round trips
def health_check(
    *, actor: Any, journey: Journey, temperature: float, symptoms: Sequence[str] = (), occurred_at: datetime | None = None
) -> CustodyEvent:
    j = _locked(journey)
    _custodian(actor, j)
    return _check(j, actor, temperature, symptoms, _when(occurred_at))


def health_check_by_code(
    *, actor: Any, code: str, temperature: float, symptoms: Sequence[str] = (), occurred_at: datetime | None = None
) -> CustodyEvent:
    """A health check for the journey with this loop code — the API's single check, the loop's
    busiest write.

    On PostgreSQL a normal check (no fever, no open overdue alert) is written optimistically: one
    unlocked read that also checks authority, then one statement that updates the journey only if
    no other event or alert has touched it since the read, and inserts the event only if it did.
    Anything else — fever, an open alert, a journey changed meanwhile, a journey not found this
    way — takes the locked path, which gives the full answers and errors."""
    t, syms, at = _temperature(temperature), _symptoms(symptoms), _when(occurred_at)
    if connection.vendor == "postgresql":
        j = queries.journey_in_custody(actor, code)
        if j is not None and j.state in (State.IN_FACILITY, State.HOME_MONITORING) and not j.alert_open and not _fever(j, t, syms):
            seen = j.last_seq
            event, _answered = _advance(
                j, EventKind.HEALTH_CHECK, unit=j.custodian, actor=actor, at=at, data={"temperature": t, "symptoms": syms, "fever": False}
            )
            if _write_check_unless_changed(event, j, seen):
                return event
    with transaction.atomic():
        j = queries.journey_for_update(Scope.of(actor), code)
        return health_check(actor=actor, journey=j, temperature=t, symptoms=syms, occurred_at=at)


@functools.cache
def _guarded_check_sql() -> tuple[str, list[Any], list[Any]]:
    """The statement of ``_write_check_unless_changed`` and the fields whose values it takes, in order."""
    journey_fields = [Journey._meta.get_field(name) for name in CHECK_FIELDS]
    event_fields = [CustodyEvent._meta.get_field(name) for name in _EVENT_COLUMNS]
    sets = ", ".join(f'"{f.column}" = %s' for f in journey_fields)
    columns = ", ".join(f'"{f.column}"' for f in event_fields)
    values = ", ".join(f"%s::{f.db_type(connection)}" for f in event_fields)
    sql = (
        f'WITH u AS (UPDATE "{Journey._meta.db_table}" SET {sets} WHERE id = %s AND last_seq = %s AND NOT alert_open RETURNING id) '  # noqa: S608 - fixed names
        f'INSERT INTO "{CustodyEvent._meta.db_table}" ({columns}) SELECT {values} FROM u RETURNING id'
    )
    return sql, journey_fields, event_fields


def _write_check_unless_changed(event: CustodyEvent, j: Journey, seen_seq: int) -> bool:
    """PostgreSQL: store a normal check computed from an unlocked read, in one statement — the
    journey's UPDATE guarded by the sequence number read (and no alert opened since), the event's
    INSERT fed by that UPDATE's row. False, and nothing written, if the guard failed."""
    event.recorded_at = timezone.now()
    sql, journey_fields, event_fields = _guarded_check_sql()
    params = [f.get_db_prep_save(getattr(j, f.attname), connection) for f in journey_fields] + [j.pk, seen_seq]
    params += [f.get_db_prep_save(getattr(event, f.attname), connection) for f in event_fields]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    if row is None:
        return False
    event.pk = row[0]
    event._state.adding, event._state.db = False, connection.alias
    return True


def _fever(j: Journey, temperature: float, symptoms: Sequence[str]) -> bool:
    return temperature >= rules_of(j).fever_celsius or bool(symptoms)


def _check(j: Journey, actor: Any, temperature: float, symptoms: Sequence[str], at: datetime) -> CustodyEvent:
    _require_state(j, State.IN_FACILITY, State.HOME_MONITORING)
    t = _temperature(temperature)
    syms = _symptoms(symptoms)
    if _fever(j, t, syms):
        event = _append(
            j, EventKind.HEALTH_CHECK, unit=j.custodian, actor=actor, at=at, data={"temperature": t, "symptoms": syms, "fever": True}
        )
        _to_hospital(j, actor, reason="fever")
        return event
    event, answered = _advance(
        j, EventKind.HEALTH_CHECK, unit=j.custodian, actor=actor, at=at, data={"temperature": t, "symptoms": syms, "fever": False}
    )
    _write_checks([event], [j])
    if answered:
        _close_overdue_alert(j, event.seq)
    return event


_EVENT_COLUMNS = ("journey", "seq", "kind", "occurred_at", "recorded_at", "actor", "unit", "data")
_ROWS_PER_STATEMENT = 500


def _insert_events_sql(events: list[CustodyEvent]) -> tuple[str, list[Any]]:
    now = timezone.now()
    fields = [CustodyEvent._meta.get_field(name) for name in _EVENT_COLUMNS]
    params: list[Any] = []
    for e in events:
        e.recorded_at = now
        params += [f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(f'"{f.column}"' for f in fields)
    return f'INSERT INTO "{CustodyEvent._meta.db_table}" ({columns}) VALUES {", ".join([row] * len(events))}', params  # noqa: S608 - fixed names


def _update_journeys_sql_pg(journeys: list[Journey]) -> tuple[str, list[Any]]:
    rows = ", ".join(["(%s, %s::timestamptz, %s, %s, %s::jsonb, %s, %s::timestamptz)"] * len(journeys))
    params: list[Any] = []
    for j in journeys:
        params += [j.pk, j.due_at, j.awaiting, j.last_seq, json.dumps(j.facts), j.alert_open, j.updated_at]
    return (
        f'UPDATE "{Journey._meta.db_table}" AS j SET due_at = v.due_at, awaiting = v.awaiting, last_seq = v.last_seq, '  # noqa: S608 - fixed names
        f"facts = v.facts, alert_open = v.alert_open, updated_at = v.updated_at FROM (VALUES {rows}) "
        "AS v(id, due_at, awaiting, last_seq, facts, alert_open, updated_at) WHERE j.id = v.id"
    ), params


def _stored(events: list[CustodyEvent], rows: list[tuple[int, int, int]]) -> None:
    """Give the inserted events their ids from RETURNING rows of (id, journey id, seq)."""
    ids = {(journey_id, seq): pk for pk, journey_id, seq in rows}
    for e in events:
        e.pk = ids[(e.journey_id, e.seq)]
        e._state.adding, e._state.db = False, connection.alias


def _write_checks(events: list[CustodyEvent], journeys: list[Journey]) -> None:
    """Store normal health checks — events that leave state, custody and room alone — with plain
    SQL. Checks are the loop's busiest write, and building the ORM's statements costs several
    times what the database spends on them. On PostgreSQL the events' INSERT and the journeys'
    UPDATE … FROM VALUES go in one statement (a data-modifying WITH); on SQLite, which answers in
    process, one INSERT and an UPDATE per journey. Values go through each field's own conversion."""
    pg = connection.vendor == "postgresql"
    returning = " RETURNING id, journey_id, seq" if connection.features.can_return_rows_from_bulk_insert else ""
    if pg and 0 < len(events) <= _ROWS_PER_STATEMENT and 0 < len(journeys) <= _ROWS_PER_STATEMENT:
        insert, params = _insert_events_sql(events)
        update, more = _update_journeys_sql_pg(journeys)
        with connection.cursor() as cur:
            cur.execute(f"WITH e AS ({insert}{returning}), u AS ({update}) SELECT id, journey_id, seq FROM e", params + more)  # noqa: S608 - fixed names
            _stored(events, cur.fetchall())
        return
    for start in range(0, len(events), _ROWS_PER_STATEMENT):
        chunk = events[start : start + _ROWS_PER_STATEMENT]
        insert, params = _insert_events_sql(chunk)
        with connection.cursor() as cur:
            cur.execute(insert + returning, params)
            if returning:
                _stored(chunk, cur.fetchall())
    if pg:
        for start in range(0, len(journeys), _ROWS_PER_STATEMENT):
            update, params = _update_journeys_sql_pg(journeys[start : start + _ROWS_PER_STATEMENT])
            with connection.cursor() as cur:
                cur.execute(update, params)
        return
    fields = [Journey._meta.get_field(name) for name in CHECK_FIELDS]
    sets = ", ".join(f'"{f.column}" = %s' for f in fields)
    with connection.cursor() as cur:
        for j in journeys:
            cur.execute(
                f'UPDATE "{Journey._meta.db_table}" SET {sets} WHERE id = %s',  # noqa: S608 - fixed names
                [f.get_db_prep_save(getattr(j, f.attname), connection) for f in fields] + [j.pk],
            )


def health_checks_batch(*, actor: Any, unit: Unit, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Many checks from one facility or village at once, in one transaction: the journeys are locked
    in one query and the events written in bulk. A bad item is reported and spoils no other; an item
    with fever takes the full path (the offer to hospital)."""
    _act_for(actor, unit)
    items = list(items)
    out: list[dict[str, Any]] = []
    with transaction.atomic():
        codes = sorted({str(i.get("journey", "")) for i in items})
        journeys = {
            j.code: j
            for j in Journey.objects.select_for_update(of=("self",))
            .select_related("policy")
            .filter(code__in=codes, custodian=unit)
            .order_by("pk")
        }
        events: list[CustodyEvent] = []
        touched: dict[int, Journey] = {}
        answered: list[tuple[Journey, int]] = []
        feverish: list[tuple[int, Journey, dict[str, Any]]] = []
        for n, item in enumerate(items):
            code = str(item.get("journey", ""))
            j = journeys.get(code)
            if j is None:
                out.append(
                    {
                        "index": n,
                        "journey": code,
                        "ok": False,
                        "code": "not_found",
                        "message": _("No journey with this code is in your custody."),
                    }
                )
                continue
            try:
                _require_state(j, State.IN_FACILITY, State.HOME_MONITORING)
                t = _temperature(item.get("temperature"))
                syms = _symptoms(item.get("symptoms") or ())
                at = _when(item.get("occurred_at"))
            except DomainError as e:
                out.append({"index": n, "journey": code, "ok": False, "code": e.code, "message": e.message})
                continue
            if _fever(j, t, syms):
                feverish.append((n, j, {"temperature": t, "symptoms": syms, "at": at}))
                out.append({"index": n, "journey": code, "ok": True})
                continue
            j.custodian = unit
            event, closes = _advance(
                j, EventKind.HEALTH_CHECK, unit=unit, actor=actor, at=at, data={"temperature": t, "symptoms": syms, "fever": False}
            )
            events.append(event)
            touched[j.pk] = j
            if closes:
                answered.append((j, event.seq))
            out.append({"index": n, "journey": code, "ok": True, "seq": event.seq, "state": j.state})
        _write_checks(events, list(touched.values()))
        for j, seq in answered:
            _close_overdue_alert(j, seq)
        for n, j, check in feverish:
            try:
                with transaction.atomic():
                    event = _check(j, actor, check["temperature"], check["symptoms"], check["at"])
                out[n] = {"index": n, "journey": j.code, "ok": True, "seq": event.seq, "state": j.state}
            except DomainError as e:
                out[n] = {"index": n, "journey": j.code, "ok": False, "code": e.code, "message": e.message}
    return out


@transaction.atomic
def hospital_report(*, actor: Any, journey: Journey, condition: str, note: str = "") -> CustodyEvent:
    j = _locked(journey)
    _custodian(actor, j)
    _require_state(j, State.IN_HOSPITAL)
    if condition not in ("stable", "improving", "serious", "critical", "recovered"):
        raise DomainError("invalid_condition", _("Unknown condition."), status=422)
    return _append(
        j,
        EventKind.HOSPITAL_REPORT,
        unit=j.custodian,
        actor=actor,
        at=_now(),
        data={"condition": condition, "note": _text(note, 300, "note")},
    )


def _may_override(actor: Any, j: Journey) -> bool:
    scope = Scope.of(actor)
    return scope.has_role(*OVERRIDE_ROLES) and scope.filter(Journey.objects.filter(pk=j.pk)).exists()


@transaction.atomic
def journey_release(*, actor: Any, journey: Journey, override_reason: str = "") -> CustodyEvent:
    """Release from centralised quarantine once the policy is satisfied, or by an authorised override."""
    j = _locked(journey)
    _require_state(j, State.IN_FACILITY)
    if j.facts.get("released_at"):
        raise Conflict("already_released", _("Already released."))
    override_reason = _text(override_reason, 300, "override_reason")
    p, rules, now = _snapshot(j), rules_of(j), _now()
    satisfied = proj.quarantine_served(p, rules, j.risk, now) and proj.tests_satisfied(p, rules)
    if override_reason:
        if not _may_override(actor, j):
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
    _require_state(j, *OPEN_STATES)
    override_reason = _text(override_reason, 300, "override_reason")
    if override_reason:
        if not _may_override(actor, j):
            raise PermissionDenied(_("Only county, prefecture or province command may override the policy."))
        return _append(j, EventKind.OVERRIDE_CLOSED, unit=j.custodian, actor=actor, at=_now(), data={"reason": override_reason})
    _custodian(actor, j)
    if j.state == State.HOME_MONITORING:
        if not proj.monitoring_served(_snapshot(j), rules_of(j), j.risk, _now()):
            raise DomainError("policy_not_satisfied", _("Not yet: the days of home monitoring are not served."), status=422)
    elif j.state == State.IN_HOSPITAL:
        last = next((e for e in reversed(list(j.events.filter(kind=EventKind.HOSPITAL_REPORT)))), None)
        if last is None or last.data.get("condition") != "recovered":
            raise DomainError("not_recovered", _("Report the person as recovered before discharge."), status=422)
    else:
        raise Conflict("wrong_state", _("Only home monitoring or a hospital stay ends with closure."))
    return _append(j, EventKind.CLOSED, unit=j.custodian, actor=actor, at=_now(), data={})


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


# --- the sweep (alerts themselves live in guomen.alerts) -----------------------------------------------------
def sweep(*, now: datetime | None = None, batch: int = 500) -> int:
    """Open one alert for each open journey past its due time that has none.

    Reads the partial index on (due_at) over open journeys without an alert, so its cost grows
    with the overdue journeys, not with all journeys. A batch is claimed and its alerts written in
    one transaction. Safe with several workers: on PostgreSQL rows another worker (or a flow) holds
    are skipped until the next sweep; SQLite serialises writers; the partial unique index on open
    overdue alerts refuses a second alert for a journey in any case.
    """
    now = now or _now()
    opened = 0
    while True:
        with transaction.atomic():
            qs = Journey.objects.filter(closed_at__isnull=True, alert_open=False, due_at__lt=now).order_by("due_at")
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            rows = list(qs.select_related("custodian__jurisdiction", "policy")[:batch])
            if not rows:
                return opened
            alerting.Alert.objects.bulk_create([alerting.overdue_new(j, now) for j in rows])
            Journey.objects.filter(pk__in=[j.pk for j in rows]).update(alert_open=True)
            opened += len(rows)
        if len(rows) < batch:
            return opened


def escalate(*, now: datetime | None = None, batch: int = 500) -> int:
    """Raise unanswered alerts up the tree (``alerts.services.escalate``) on the loop's clock."""
    from guomen.alerts.services import escalate as alerts_escalate

    return alerts_escalate(now=now or _now(), batch=batch)


# --- input checks -------------------------------------------------------------------------------------------
def _temperature(value: Any) -> float:
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise DomainError("invalid_temperature", _("Give the temperature in degrees Celsius, e.g. 36.6."), status=422)
    if not 30.0 <= t <= 45.0 or t != t:
        raise DomainError("invalid_temperature", _("A body temperature is between 30 and 45 °C."), status=422)
    return round(t, 1)


SYMPTOMS = ("cough", "sore_throat", "breathless", "fatigue", "loss_of_smell", "diarrhoea", "other")


def _symptoms(values: Sequence[str]) -> list[str]:
    values = [str(v) for v in values]
    bad = [v for v in values if v not in SYMPTOMS]
    if bad:
        raise DomainError("invalid_symptom", _("Unknown symptoms: %(list)s") % {"list": ", ".join(bad)}, status=422)
    return sorted(set(values))


def _text(value: Any, limit: int, field: str) -> str:
    s = "" if value is None else str(value).strip()
    if "\x00" in s or any(ord(c) < 32 and c not in "\t\n\r" for c in s):
        raise DomainError("invalid_text", _("The text contains characters that are not allowed."), status=422, details={"field": field})
    if len(s) > limit:
        raise DomainError("text_too_long", _("At most %(n)d characters.") % {"n": limit}, status=422, details={"field": field})
    return s
