"""The engine: policies, appending one event, the projection and the counters written with it.

Every write of the closed loop. One function per flow, shared by the pages and the API.

Each flow appends custody events to a journey inside one transaction, stores the new projection
on the journey row, keeps the per-jurisdiction counts, and closes the journey's overdue alert when
the event it waited for arrives. A broken rule raises ``DomainError`` and changes nothing.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.core import fieldtime
from guomen.lib import clock as lib_clock
from guomen.lib.errors import Conflict, DomainError
from guomen.lib.localtime import local_day
from guomen.lib.text import clean_text
from guomen.org.models import Unit, UnitKind
from guomen.org.roles import COMMAND_ROLES
from guomen.places.models import Jurisdiction, Level, Passage

from .. import alerting
from .. import projection as proj
from ..models import (
    CustodyEvent,
    DailyCount,
    Disposition,
    EventKind,
    Journey,
    JourneyCount,
    Policy,
    Risk,
    State,
)
from ..policy import DEMO_RULES, Rules

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
OVERRIDE_ROLES = COMMAND_ROLES  # who may override a policy or act for the custodian, with a reason
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
def _now() -> datetime:
    """Every loop time comes from the one clock (``guomen.lib.clock``): tests and the demo move it there."""
    return lib_clock.now()


def _when(occurred_at: datetime | None) -> datetime:
    """The time an event happened: now, or a time sent from the field within its window
    (``core.fieldtime``: not older than the window, not ahead of the clock), in UTC — as the
    database gives it back, so that what the projection derives from it (``last_check_at``…) reads
    the same in the stored facts and in a replay of the events, whatever offset the device sent."""
    return fieldtime.occurred_at(occurred_at, now=_now()).astimezone(UTC)


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


def snapshot(j: Journey) -> proj.Projection:
    """The projection as the journey row holds it (what the next event is applied to)."""
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


def progress(j: Journey) -> proj.Projection:
    """The journey's state as stored, for pages that ask what is served and what is missing."""
    return snapshot(j)


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
    "check_plan",
    "check_plan_seq",
]


# What an event that leaves state, custody and room alone can change.
CHECK_FIELDS = ["due_at", "awaiting", "last_seq", "facts", "alert_open", "updated_at", "check_plan", "check_plan_seq"]


def _advance(j: Journey, kind: str, *, unit: Unit, actor: Any, at: datetime, data: dict[str, Any]) -> tuple[CustodyEvent, bool]:
    """Apply one event to the journey in memory. Returns the unsaved event, and whether the
    journey's open overdue alert is answered by it."""
    rules = rules_of(j)
    p = proj.apply(snapshot(j), proj.Ev(j.last_seq + 1, kind, at, unit.pk, data), rules, j.risk)
    event = CustodyEvent(
        journey=j, seq=p.last_seq, kind=kind, occurred_at=at, actor=actor if getattr(actor, "pk", None) else None, unit=unit, data=data
    )
    event.journey_opened_at = j.opened_at  # the partition key on PostgreSQL (loop.partitions)
    if p.custodian_id != j.custodian_id:
        custodian = unit if unit.pk == p.custodian_id else Unit.objects.get(pk=p.custodian_id)
        j.custodian = custodian
        j.jurisdiction_id = custodian.jurisdiction_id
    j.state, j.state_since, j.due_at, j.awaiting, j.pending_unit_id = p.state, p.state_since, p.due_at, p.awaiting, p.pending_unit_id
    j.expected_at, j.room, j.closed_at, j.last_seq, j.facts = p.expected_at, p.room, p.closed_at, p.last_seq, p.facts
    j.updated_at = timezone.now()
    j.check_plan = _plan_stored(proj.check_plan(p, rules, j.risk), rules)
    j.check_plan_seq = p.last_seq if j.check_plan is not None else None
    answered = j.alert_open and (j.closed_at is not None or j.due_at is None or j.due_at > _now())
    if answered:
        j.alert_open = False
    return event, answered


def _plan_stored(plan: proj.CheckPlan | None, rules: Rules) -> dict[str, Any] | None:
    """A journey's ``check_plan`` as stored for the single check's statement (``checks``), with the
    policy's fever line: at or above it, a check is no normal check."""
    if plan is None:
        return None
    return {
        "start": plan.start.isoformat(),
        "step": plan.step.total_seconds(),
        "other_due": plan.other_due.isoformat(),
        "other_awaiting": plan.other_awaiting,
        "fever": rules.fever_celsius,
    }


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
    # 32 letters: the low 5 bits of each random byte pick one evenly (one read of the system's randomness)
    return "GM" + "".join([CODE_ALPHABET[b & 31] for b in secrets.token_bytes(8)])


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
    # where the person came from, as typed or sent: the text rules hold (an interception's place may be longer)
    origin_place = clean_text(origin_place, "origin_place", max_length=200, label=_("where the person came from"))[:120]
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
