"""Undo: a step taken by mistake is taken back by a new event, never by an edit.

Only the journey's last event, only by the person who took it, only within ``UNDO_WINDOW`` and
only for the steps that change nothing outside the journey: an arrival (back to declared), a
release from quarantine, a closure. The ``undone`` event records the journey as it stood before
the step (replayed from the events), and the projection returns to it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from guomen.lib.errors import Conflict
from guomen.lib.localtime import local_day
from guomen.org.scoping import Scope

from .. import projection as proj
from ..models import CustodyEvent, DailyCount, EventKind, Journey
from .engine import _append, _locked, _now, rules_of

UNDO_WINDOW = timedelta(minutes=5)
UNDOABLE = (EventKind.ARRIVED, EventKind.RELEASED, EventKind.CLOSED)


def undoable(j: Journey, actor: Any) -> CustodyEvent | None:
    """The step this user may still undo on this journey, or None."""
    if not getattr(actor, "pk", None):
        return None
    last = j.events.filter(seq=j.last_seq).first()
    if last is None or last.kind not in UNDOABLE or last.actor_id != actor.pk or last.seq == 1:
        return None
    if last.kind == EventKind.CLOSED and (last.data or {}).get("reason"):
        return None  # a release at the gate closes after its disposition: decide again instead
    if not timedelta(0) <= _now() - last.occurred_at <= UNDO_WINDOW:
        return None
    return last


@transaction.atomic
def step_undo(*, actor: Any, journey: Journey, seq: int) -> CustodyEvent:
    """Take back step ``seq`` (the last one) as a new ``undone`` event."""
    j = _locked(journey)
    last = undoable(j, actor)
    if last is None or last.seq != seq:
        raise Conflict("not_undoable", _("This step can no longer be undone: undo only your own last step, within five minutes."))
    Scope.of(actor).require_write()  # who took the step had the authority to; they still need to write
    if last.kind == EventKind.CLOSED and Journey.objects.filter(person_id=j.person_id, closed_at__isnull=True).exclude(pk=j.pk).exists():
        raise Conflict("journey_open", _("This person already has another open journey."))
    events = [proj.Ev(e.seq, e.kind, e.occurred_at, e.unit_id, e.data) for e in j.events.filter(seq__lt=seq).order_by("seq")]
    before = proj.replay(events, rules_of(j), j.risk)
    restore = {
        "state": before.state,
        "custodian_id": before.custodian_id,
        "due_at": before.due_at.isoformat() if before.due_at else None,
        "awaiting": before.awaiting,
        "pending_unit_id": before.pending_unit_id,
        "expected_at": before.expected_at.isoformat() if before.expected_at else None,
        "room": before.room,
        "facts": before.facts,
    }
    event = _append(
        j, EventKind.UNDONE, unit=last.unit, actor=actor, at=_now(), data={"undoes": seq, "undone": last.kind, "restore": restore}
    )
    if last.kind == EventKind.ARRIVED:
        DailyCount.objects.filter(unit_id=last.unit_id, day=local_day(last.occurred_at), what=DailyCount.ARRIVED, n__gt=0).update(
            n=F("n") - 1
        )
    return event
