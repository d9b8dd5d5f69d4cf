"""The loop's writes that a field device may queue offline (``core.sync``), and what it keeps.

Each kind calls the same service as the pages and the API; the sync rules they follow are in
those services (``checks``: a late check, a check after the person moved on; ``handover``: an
accept of a withdrawn or redirected offer, a transfer team's handover at arrival timed before it
took the person or sent twice)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.http import Http404
from ninja import Schema
from pydantic import Field

from guomen.lib import clock
from guomen.lib.localtime import local_day, zone
from guomen.org.models import Unit, UnitKind
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction, Level
from guomen.places.queries import my_villages

from . import projection, queries, services
from .models import Journey, State
from .services.inputs import SYMPTOMS


class CheckPayload(Schema):
    journey: str = Field(min_length=1, max_length=16)
    temperature: float
    symptoms: list[str] = Field(default_factory=list, max_length=len(SYMPTOMS))


class ReturneePayload(Schema):
    village: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=120)
    phone: str = Field("", max_length=40)
    came_from_country: str = Field("", max_length=3)
    came_from: str = Field("", max_length=120)
    place: str = Field("", max_length=200)
    risk: str = Field("high", max_length=10)


class AcceptPayload(Schema):
    code: str = Field(min_length=1, max_length=16, description="the loop card's code, scanned or typed")
    room: str = Field("", max_length=20)
    without_card_reason: str = Field("", max_length=300)


class OfferPayload(Schema):
    journey: str = Field(min_length=1, max_length=16, description="the loop card's code")
    to_unit: str = Field(min_length=1, max_length=40, description="the receiving unit's code (the transfer's destination)")


def _check(*, actor: Any, payload: CheckPayload, occurred_at: datetime, key: str) -> dict[str, Any]:
    e = services.health_check_by_code(
        actor=actor,
        code=payload.journey.strip().upper(),
        temperature=payload.temperature,
        symptoms=payload.symptoms,
        occurred_at=occurred_at,
    )
    return {
        "journey": e.journey.code,
        "seq": e.seq,
        "occurred_at": e.occurred_at,
        "custody_moved": bool(e.data.get(projection.CUSTODY_MOVED)),
    }


def _returnee(*, actor: Any, payload: ReturneePayload, occurred_at: datetime, key: str) -> dict[str, Any]:
    village = Jurisdiction.objects.filter(code=payload.village, level=Level.VILLAGE).first()
    if village is None:
        raise Http404
    j = services.returnee_report(
        actor=actor,
        village=village,
        name=payload.name,
        phone=payload.phone,
        came_from_country=payload.came_from_country,
        came_from=payload.came_from,
        place=payload.place,
        risk=payload.risk,
        occurred_at=occurred_at,
    )
    return {"journey": j.code, "occurred_at": j.opened_at}


def _accept(*, actor: Any, payload: AcceptPayload, occurred_at: datetime, key: str) -> dict[str, Any]:
    j = services.handover_accept_by_code(
        actor=actor,
        code=payload.code,
        card_code=payload.code,
        room=payload.room,
        without_card_reason=payload.without_card_reason,
        occurred_at=occurred_at,
    )
    return {"journey": j.code, "state": j.state, "custodian": j.custodian.code}


def _handover(*, actor: Any, payload: OfferPayload, occurred_at: datetime, key: str) -> dict[str, Any]:
    scope = Scope.of(actor)
    j = queries.journey_get(scope, payload.journey.strip().upper())
    to_unit = Unit.objects.filter(code=payload.to_unit, active=True).first()
    if to_unit is None:
        raise Http404
    e = services.handover_offer(actor=actor, journey=j, to_unit=to_unit, occurred_at=occurred_at)
    return {"journey": j.code, "to_unit": to_unit.code, "occurred_at": e.occurred_at}


def register() -> None:
    from guomen.core import registry

    registry.sync_kind("health_check", CheckPayload, _check, "A health check (facility or home)")
    registry.sync_kind("returnee", ReturneePayload, _returnee, "A returnee found locally")
    registry.sync_kind("handover_accept", AcceptPayload, _accept, "Accept a handover with the loop card's code")
    registry.sync_kind("handover_offer", OfferPayload, _handover, "Hand over at arrival (a transfer team to the destination)")
    registry.hook("core.field_pack", field_pack)


PACK_LIMIT = 500


def _row(j: Journey, now: datetime) -> dict[str, Any]:
    on_road = j.state == State.IN_TRANSIT or (j.pending_unit is not None and j.pending_unit.kind == UnitKind.TRANSFER_TEAM)
    dest = queries.destination_unit(j) if on_road else None
    return {
        "code": j.code,
        "name": j.person.name_native,
        "state": j.state,
        "awaiting": j.awaiting,
        "due_at": j.due_at,
        "overdue": bool(j.due_at and j.due_at < now),
        "room": j.room,
        "unit": j.custodian.code,
        "flags": projection.flags(j.facts),
        "destination": {"code": dest.code, "name": dest.name} if dest else None,
    }


def field_pack(*, user: Any) -> dict[str, Any]:
    """The people in the custody of the user's own units (not a command's subtree), what is due
    for them by the end of today (and, in transit, where they are going), those offered to these
    units, whether accepting needs a room (a quarantine facility), and the user's villages."""
    scope = Scope.of(user)
    units = sorted(scope.unit_ids)
    if not units:
        return {}
    now = clock.now()
    end_of_day = datetime.combine(local_day(now) + timedelta(days=1), time(0), tzinfo=zone())
    held = list(queries.in_custody(scope, units).select_related("person").order_by("due_at")[:PACK_LIMIT])
    offered = queries.journeys(scope).filter(pending_unit__in=units, closed_at__isnull=True).order_by("expected_at")[:PACK_LIMIT]
    return {
        "custody": [_row(j, now) for j in held],
        "due_today": [j.code for j in held if j.due_at and j.due_at <= end_of_day],
        # to_state: where an accept made offline puts the person, so the phone can go on with the
        # next step (a transfer team's handover at arrival, a facility's first check) before it syncs
        "offered": [
            {
                **_row(j, now),
                "to_unit": j.pending_unit.code,
                "to_state": services.RECEIVER_STATE.get(j.pending_unit.kind),
                "expected_at": j.expected_at,
                "from_unit": j.custodian.name,
            }
            for j in offered
        ],
        "needs_room": Unit.objects.filter(pk__in=units, kind=UnitKind.QUARANTINE_FACILITY).exists(),
        "villages": [{"code": v.code, "name": v.name_zh} for v in my_villages(user)[:50]],
    }
