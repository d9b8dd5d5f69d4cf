"""The sender's side of a handover that was never accepted — withdraw it, or redirect it to
another receiver — and the receiver's proof of having the person in front of them (the loop card).

Both are custody events through the same engine as every other flow (``services._append``), so
the projection, the counts and the overdue alert follow. Custody never changes here: the sender
keeps the person until a receiver accepts.

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

from guomen.lib.errors import DomainError
from guomen.org.models import Unit

from . import projection as proj
from .models import CustodyEvent, EventKind, Journey, State
from .rules import TOWARDS_HOSPITAL, flag_labels


def _services() -> Any:
    from . import services

    return services


def card_presence(j: Journey, *, card_code: str = "", without_card_reason: str = "") -> dict[str, Any]:
    """What an acceptance records about the loop card: its code matched, or the reason it was not at hand."""
    s = _services()
    code = "".join(str(card_code or "").split()).upper()
    if code:
        if code != j.code:
            raise DomainError("wrong_card", _("This loop card belongs to another person."), status=422, details={"field": "card_code"})
        return {"card": True}
    reason = s._text(without_card_reason, 300, "without_card_reason")
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
    s = _services()
    j = s._locked(journey)
    s._holder_or_override(actor, j, override_reason)  # while offered, the custodian is the sender
    s._require_state(j, State.HANDOVER_OFFERED)
    return j


@transaction.atomic
def handover_withdraw(*, actor: Any, journey: Journey, reason: str) -> Journey:
    """The sender takes back an offer not yet accepted; the journey returns to the sender's decision."""
    s = _services()
    j = _sender(actor, journey)
    reason = s._text(reason, 300, "reason")
    if not reason:
        raise DomainError("reason_required", _("Say why the handover is withdrawn."), status=422, details={"field": "reason"})
    s._append(
        j,
        EventKind.HANDOVER_WITHDRAWN,
        unit=j.custodian,
        actor=actor,
        at=s._now(),
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
    s = _services()
    override_reason = s._text(override_reason, 300, "override_reason")
    j = _sender(actor, journey, override_reason)
    reason = s._text(reason, 300, "reason")
    if not reason:
        raise DomainError("reason_required", _("Say why the handover is redirected."), status=422, details={"field": "reason"})
    if to_unit.pk == j.pending_unit_id:
        raise DomainError("same_receiver", _("The handover is already offered to this unit."), status=422)
    if expected_at is not None and timezone.is_naive(expected_at):
        raise DomainError("naive_time", _("Give the time with its time zone."), status=422)
    previous = j.pending_unit
    return s._offer(
        j,
        actor,
        to_unit,
        expected_at or s._now() + s.rules_of(j).hours("transfer_hours"),
        reason=reason,
        override_reason=override_reason,
        kind=EventKind.HANDOVER_REDIRECTED,
        extra={"from_unit": previous.pk if previous else None, "from_code": previous.code if previous else ""},
    )
