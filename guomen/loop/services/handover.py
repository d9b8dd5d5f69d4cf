"""Handover between units: offer, accept, refuse; the sender's withdraw and redirect of an offer
not yet accepted, and the receiver's proof of having the person in front of them (the loop card).

Withdraw and redirect are custody events through the same engine as every other flow, so the
projection, the counts and the overdue alert follow. Custody changes only when a receiver accepts:
the sender keeps the person until then.

Accepting without the card's code is allowed, not refused: a card gets lost, soaked or left in
the ambulance, and a refusal would push the receiver to take the person anyway and record it
later or never. Instead the acceptance says "accepted without the card" with the receiver's
reason, on the event, for anyone who reads the journey afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib.errors import Conflict, DomainError
from guomen.lib.text import clean_text
from guomen.org.models import Unit, UnitKind
from guomen.org.scoping import Scope

from .. import projection as proj
from ..models import (
    CustodyEvent,
    EventKind,
    Journey,
    State,
)
from ..rules import TOWARDS_HOSPITAL, destination_check, flag_labels
from .authority import _act_for, _custodian, may_override, require_state
from .engine import RECEIVER_STATE, _append, _locked, _now, _when, rules_of


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
    at: datetime | None = None,
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
    return _append(j, kind, unit=j.custodian, actor=actor, at=at or _now(), data=data)


def _holder_or_override(actor: Any, j: Journey, override_reason: str) -> None:
    """The custodian acts; with an override reason, a command user within reach may act instead."""
    if not (override_reason and may_override(actor, j)):
        _custodian(actor, j)


@transaction.atomic
def handover_offer(
    *,
    actor: Any,
    journey: Journey,
    to_unit: Unit,
    expected_at: datetime | None = None,
    override_reason: str = "",
    occurred_at: datetime | None = None,
) -> CustodyEvent:
    """The holder offers custody to ``to_unit`` — a transfer team at arrival, perhaps offline and sent
    later with the time it happened (``occurred_at``). Sync rules: an offer timed before the holder
    took the person is refused (``before_custody``); one already offered to the same unit is refused
    (``already_offered``) and changes nothing; a holder who no longer holds the person is refused."""
    j = _locked(journey)
    override_reason = clean_text(override_reason, "override_reason", max_length=300, multiline=True, label=_("the reason for the override"))
    _holder_or_override(actor, j, override_reason)
    if j.state == State.HANDOVER_OFFERED and j.pending_unit_id == to_unit.pk:
        raise Conflict(
            "already_offered", _("This person is already handed over to %(unit)s.") % {"unit": to_unit}, details={"journey": j.code}
        )
    at = _when(occurred_at) if occurred_at is not None else _now()
    if occurred_at is not None and j.state_since and at < j.state_since:
        raise DomainError("before_custody", _("The time of the handover is before your unit took the person."), status=422)
    require_state(j, State.AT_GATE, State.INTERCEPTED, State.IN_TRANSIT, State.IN_FACILITY, State.IN_HOSPITAL)
    if j.state == State.IN_FACILITY and not j.facts.get("released_at") and to_unit.kind != UnitKind.HOSPITAL:
        raise DomainError("not_released", _("Release the person from quarantine before handing them over."), status=422)
    expected_at = expected_at or at + rules_of(j).hours("transfer_hours")
    return _offer(j, actor, to_unit, expected_at, override_reason=override_reason, at=at)


def _offered_unit(journey: Journey, unit: Unit | None) -> Unit:
    if unit is not None:
        return unit
    require_state(journey, State.HANDOVER_OFFERED)
    if journey.pending_unit is None:
        raise Conflict("not_offered", _("Not possible now: no handover is offered."))
    return journey.pending_unit


@transaction.atomic
def handover_accept(
    *,
    actor: Any,
    journey: Journey,
    unit: Unit | None = None,
    room: str = "",
    card_code: str = "",
    without_card_reason: str = "",
    occurred_at: datetime | None = None,
) -> Journey:
    """The receiver takes custody — with the loop card's code (scanned or typed), or from its list
    with a reason why the card was not at hand (``card_presence``). Custody changes only here.
    Without ``unit``, the unit the journey is offered to accepts."""
    j = _locked(journey)
    unit = _offered_unit(j, unit)
    _act_for(actor, unit)
    require_state(j, State.HANDOVER_OFFERED)
    if j.pending_unit_id != unit.pk:
        raise DomainError("not_offered_to_you", _("This person was not handed over to your unit."), status=422)
    how = card_presence(j, card_code=card_code, without_card_reason=without_card_reason)
    accept_check(j, unit)
    to_state = RECEIVER_STATE[UnitKind(unit.kind)]
    room = clean_text(room, "room", max_length=20, label=_("the room number"))
    if to_state == State.IN_FACILITY:
        if not room:
            raise DomainError("room_required", _("Give the room number."), status=422)
        # The rooms held: a person released from quarantine and waiting for the onward handover holds none.
        occupied = Journey.objects.filter(custodian=unit, state=State.IN_FACILITY).exclude(room="").select_for_update()
        if unit.capacity is not None and occupied.count() >= unit.capacity:
            raise Conflict("facility_full", _("%(unit)s is full: %(n)d of %(n)d rooms are taken.") % {"unit": unit, "n": unit.capacity})
        if occupied.filter(room=room).exists():
            raise Conflict("room_taken", _("Room %(room)s is already taken.") % {"room": room})
    flags = proj.flags(j.facts)
    data = {"to_state": to_state, "room": room, **how, **({"flags": flags} if flags else {})}
    at = _when(occurred_at)
    offered = j.events.filter(kind__in=_OFFERS).order_by("-seq").values_list("occurred_at", flat=True).first()
    if offered is not None and at < offered:
        raise DomainError("before_offer", _("The time of acceptance is before the handover was offered."), status=422)
    _append(j, EventKind.HANDOVER_ACCEPTED, unit=unit, actor=actor, at=at, data=data)
    return j


_OFFERS = (EventKind.HANDOVER_OFFERED, EventKind.HANDOVER_REDIRECTED)
_HANDOVER_EVENTS = (*_OFFERS, EventKind.HANDOVER_WITHDRAWN, EventKind.HANDOVER_ACCEPTED, EventKind.HANDOVER_REFUSED)


def handover_accept_by_code(
    *, actor: Any, code: str, room: str = "", card_code: str = "", without_card_reason: str = "", occurred_at: datetime | None = None
) -> Journey:
    """The receiver accepts with the loop card's code — scanned in the field, perhaps offline and
    sent later. Conflict rules, each with its reason: an offer the sender withdrew meanwhile is
    refused (``handover_withdrawn``: the person stays with the sender), and so is one redirected
    to another unit (``handover_redirected``); one already accepted by the same unit is a no-op
    refusal (``already_accepted``). The card's code is the journey's code."""
    code = "".join(str(card_code or code or "").split()).upper()
    if not without_card_reason:
        card_code = code  # the code was read from the card
    with transaction.atomic():
        j = Journey.objects.select_related("pending_unit", "custodian").filter(code=code).first()
        if j is None:
            raise DomainError("not_found", _("Not found."), status=404)
        if j.pending_unit_id is not None and Scope.of(actor).acts_for(j.pending_unit):
            return handover_accept(
                actor=actor,
                journey=j,
                unit=j.pending_unit,
                room=room,
                card_code=card_code,
                without_card_reason=without_card_reason,
                occurred_at=occurred_at,
            )
        _explain_no_offer(actor, j)
        raise DomainError("not_found", _("Not found."), status=404)  # never offered to this user's units: nothing to tell


def _explain_no_offer(actor: Any, j: Journey) -> None:
    """Why a unit that was offered this person can no longer accept: the latest handover step
    that named one of the user's units. Nothing is told about a journey never offered to them."""
    mine = Scope.of(actor).unit_ids
    for e in j.events.filter(kind__in=_HANDOVER_EVENTS).order_by("-seq")[:20]:
        if e.kind == EventKind.HANDOVER_WITHDRAWN and e.data.get("from_unit") in mine:
            raise Conflict(
                "handover_withdrawn",
                _("The sender withdrew this handover (%(reason)s): the person stays with %(unit)s. Do not take them; call the sender.")
                % {"reason": e.data.get("reason", ""), "unit": j.custodian},
                details={"journey": j.code, "withdrawn_at": e.occurred_at.isoformat()},
            )
        if e.kind == EventKind.HANDOVER_REDIRECTED and e.data.get("from_unit") in mine:
            raise Conflict(
                "handover_redirected",
                _("The sender redirected this handover to another unit: do not take the person; call the sender."),
                details={"journey": j.code},
            )
        if e.kind == EventKind.HANDOVER_ACCEPTED and e.unit_id in mine:
            raise Conflict("already_accepted", _("Your unit has already accepted this person."), details={"journey": j.code})
        if e.kind == EventKind.HANDOVER_REFUSED and e.unit_id in mine:
            raise Conflict("already_refused", _("Your unit refused this handover; the sender decides again."), details={"journey": j.code})


@transaction.atomic
def handover_refuse(*, actor: Any, journey: Journey, reason: str, unit: Unit | None = None) -> Journey:
    """The receiver refuses: the journey returns to the sender, who must decide again.
    Without ``unit``, the unit the journey is offered to refuses."""
    j = _locked(journey)
    unit = _offered_unit(j, unit)
    _act_for(actor, unit)
    require_state(j, State.HANDOVER_OFFERED)
    if j.pending_unit_id != unit.pk:
        raise DomainError("not_offered_to_you", _("This person was not handed over to your unit."), status=422)
    reason = clean_text(reason, "reason", max_length=300, multiline=True, label=_("the reason"))
    if not reason:
        raise DomainError("reason_required", _("Say why the handover is refused."), status=422)
    _append(j, EventKind.HANDOVER_REFUSED, unit=unit, actor=actor, at=_now(), data={"reason": reason})
    return j


# --- the card, and the sender's side of an offer not yet accepted ----------------------------------------
def card_presence(j: Journey, *, card_code: str = "", without_card_reason: str = "") -> dict[str, Any]:
    """What an acceptance records about the loop card: its code matched, or the reason it was not at hand."""
    code = "".join(str(card_code or "").split()).upper()
    if code:
        if code != j.code:
            raise DomainError("wrong_card", _("This loop card belongs to another person."), status=422, details={"field": "card_code"})
        return {"card": True}
    reason = clean_text(
        without_card_reason, "without_card_reason", max_length=300, multiline=True, label=_("the reason for accepting without the card")
    )
    if not reason:
        raise DomainError(
            "card_or_reason_required",
            _("Scan or type the code on the person's loop card, or say why the card is not at hand."),
            status=422,
            details={"field": "without_card_reason"},
        )
    return {"card": False, "without_card_reason": reason}


def accept_check(j: Journey, unit: Unit) -> None:
    """A flag that arose while the offer waited (a positive result, say) stops a receiver that is
    not a hospital, unless the offer itself carried a command override: the sender redirects."""
    standing = proj.flags(j.facts)
    if not standing or unit.kind in TOWARDS_HOSPITAL:
        return
    offer = (
        CustodyEvent.objects.filter(journey=j, kind__in=(EventKind.HANDOVER_OFFERED, EventKind.HANDOVER_REDIRECTED))
        .order_by("-seq")
        .values_list("data", flat=True)
        .first()
    )
    if not (offer or {}).get("override"):
        raise DomainError(
            "flagged_goes_to_hospital",
            _("%(flags)s: this person goes to hospital. Ask the sender to redirect the handover.")
            % {"flags": ", ".join(flag_labels(standing)).capitalize()},
            status=422,
            details={"flags": standing},
        )


def _sender(actor: Any, journey: Journey, override_reason: str = "") -> Journey:
    j = _locked(journey)
    _holder_or_override(actor, j, override_reason)  # while offered, the custodian is the sender
    require_state(j, State.HANDOVER_OFFERED)
    return j


@transaction.atomic
def handover_withdraw(*, actor: Any, journey: Journey, reason: str) -> Journey:
    """The sender takes back an offer not yet accepted; the journey returns to the sender's decision."""
    j = _sender(actor, journey)
    reason = clean_text(reason, "reason", max_length=300, multiline=True, label=_("the reason"))
    if not reason:
        raise DomainError("reason_required", _("Say why the handover is withdrawn."), status=422, details={"field": "reason"})
    _append(
        j,
        EventKind.HANDOVER_WITHDRAWN,
        unit=j.custodian,
        actor=actor,
        at=_now(),
        data={"reason": reason, "from_unit": j.pending_unit_id, "from_code": j.pending_unit.code if j.pending_unit else ""},
    )
    return j


@transaction.atomic
def handover_redirect(
    *,
    actor: Any,
    journey: Journey,
    to_unit: Unit,
    reason: str,
    expected_at: datetime | None = None,
    override_reason: str = "",
) -> CustodyEvent:
    """The sender names another receiver for an offer not yet accepted. The moving rule applies
    to the new receiver as to any offer; the first receiver's pending list loses the person."""
    override_reason = clean_text(override_reason, "override_reason", max_length=300, multiline=True, label=_("the reason for the override"))
    j = _sender(actor, journey, override_reason)
    reason = clean_text(reason, "reason", max_length=300, multiline=True, label=_("the reason"))
    if not reason:
        raise DomainError("reason_required", _("Say why the handover is redirected."), status=422, details={"field": "reason"})
    if to_unit.pk == j.pending_unit_id:
        raise DomainError("same_receiver", _("The handover is already offered to this unit."), status=422)
    if expected_at is not None and timezone.is_naive(expected_at):
        raise DomainError("naive_time", _("Give the time with its time zone."), status=422)
    previous = j.pending_unit
    return _offer(
        j,
        actor,
        to_unit,
        expected_at or _now() + rules_of(j).hours("transfer_hours"),
        reason=reason,
        override_reason=override_reason,
        kind=EventKind.HANDOVER_REDIRECTED,
        extra={"from_unit": previous.pk if previous else None, "from_code": previous.code if previous else ""},
    )
