"""Handover between units: offer, accept, refuse."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib.errors import Conflict, DomainError
from guomen.org.models import Unit, UnitKind

from .. import projection as proj
from ..models import (
    CustodyEvent,
    EventKind,
    Journey,
    State,
)
from ..rules import destination_check
from .authority import _act_for, _custodian, _may_override, _require_state
from .engine import RECEIVER_STATE, _append, _locked, _now, rules_of
from .inputs import _text


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


def _offered_unit(journey: Journey, unit: Unit | None) -> Unit:
    if unit is not None:
        return unit
    _require_state(journey, State.HANDOVER_OFFERED)
    if journey.pending_unit is None:
        raise Conflict("not_offered", _("Not possible now: no handover is offered."))
    return journey.pending_unit


@transaction.atomic
def handover_accept(
    *, actor: Any, journey: Journey, unit: Unit | None = None, room: str = "", card_code: str = "", without_card_reason: str = ""
) -> Journey:
    """The receiver takes custody — with the loop card's code (scanned or typed), or from its list
    with a reason why the card was not at hand (``handover.card_presence``). Custody changes only here.
    Without ``unit``, the unit the journey is offered to accepts."""
    from ..handover import accept_check, card_presence

    j = _locked(journey)
    unit = _offered_unit(j, unit)
    _act_for(actor, unit)
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
def handover_refuse(*, actor: Any, journey: Journey, reason: str, unit: Unit | None = None) -> Journey:
    """The receiver refuses: the journey returns to the sender, who must decide again.
    Without ``unit``, the unit the journey is offered to refuses."""
    j = _locked(journey)
    unit = _offered_unit(j, unit)
    _act_for(actor, unit)
    _require_state(j, State.HANDOVER_OFFERED)
    if j.pending_unit_id != unit.pk:
        raise DomainError("not_offered_to_you", _("This person was not handed over to your unit."), status=422)
    reason = _text(reason, 300, "reason")
    if not reason:
        raise DomainError("reason_required", _("Say why the handover is refused."), status=422)
    _append(j, EventKind.HANDOVER_REFUSED, unit=unit, actor=actor, at=_now(), data={"reason": reason})
    return j
