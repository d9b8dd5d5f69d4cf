"""Handing a person over across the border: the holder (or a command override) names the person
in a handover offered to a neighbouring authority; when that authority accepts, the journey
closes with an event that says to whom, where and by which exchange — never by an edit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from guomen.lib.errors import Conflict

from ..models import OPEN_STATES, CustodyEvent, EventKind, Journey, State
from .authority import _custodian, may_override, require_state
from .engine import _append, _locked, _now

# A person waiting for a receiver inside the loop is not offered abroad as well.
ABROAD_STATES = [s for s in OPEN_STATES if s != State.HANDOVER_OFFERED]


def handover_abroad_check(*, actor: Any, journey: Journey) -> None:
    """May ``actor`` offer this person to a neighbouring authority now? The custodian may (the
    same two-sided rule as inside the loop: the holder offers, the receiver accepts), or a
    command within reach; ``actor`` None is the system itself."""
    require_state(journey, *ABROAD_STATES)
    if actor is None or may_override(actor, journey):
        return
    try:
        _custodian(actor, journey)
    except PermissionDenied:
        raise PermissionDenied(_("Only the unit that holds this person, or a command, may hand them over across the border.")) from None


@transaction.atomic
def journey_close_abroad(*, journey: Journey, authority: str, unit: str, ref: str, actor: Any = None) -> CustodyEvent | None:
    """The neighbouring authority accepted the person: the journey closes with an event naming
    them. A journey already closed stays as it is (None): the acceptance is recorded by the
    exchange either way."""
    j = _locked(journey)
    if j.state == State.CLOSED:
        return None
    if j.state not in OPEN_STATES:
        raise Conflict("wrong_state", _("This journey cannot be closed now."))
    return _append(
        j,
        EventKind.CLOSED,
        unit=j.custodian,
        actor=actor,
        at=_now(),
        data={"abroad": {"authority": authority[:60], "unit": unit[:200], "ref": ref}},
    )
