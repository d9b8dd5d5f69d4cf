"""Duty's writes that a field device may queue offline (``core.sync``), and what a patrol keeps.

Patrol check-ins carry the device's item key as their ``client_id``, so a check-in sent both
directly and in a sync batch is recorded once. The sync rule for a patrol that ended meanwhile is
in ``services.patrol_checkin``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from guomen.lib.errors import DomainError
from guomen.org.models import Unit, UnitKind
from guomen.org.scoping import Scope
from guomen.places.models import BorderSegment

from . import queries, services
from .models import Incident, IncidentKind, Patrol


class CheckinPayload(Schema):
    patrol: UUID
    lat: float
    lon: float
    accuracy: float | None = None


class IncidentPayload(Schema):
    unit: str = Field(min_length=1, max_length=40)
    kind: str = Field(min_length=1, max_length=40)
    description: str = Field("", max_length=4000)
    place: str = Field("", max_length=160)
    lat: float | None = None
    lon: float | None = None
    patrol: UUID | None = None
    segment: str | None = Field(None, max_length=40)


class PersonPayload(Schema):
    name_native: str = Field(min_length=1, max_length=120)
    name_latin: str = Field("", max_length=120)
    sex: str = Field("X", max_length=1)
    nationality: str = Field(min_length=3, max_length=3)
    phone: str = Field("", max_length=40)
    category: str = Field("traveller", max_length=20)


class InterceptionPayload(IncidentPayload):
    kind: str = IncidentKind.INTERCEPTION
    persons: list[PersonPayload] = Field(min_length=1, max_length=50)


def _patrol(scope: Scope, public_id: UUID | None) -> Patrol | None:
    return scope.get(Patrol.objects.select_related("team", "jurisdiction"), public_id=public_id) if public_id else None


def _where(actor: Any, p: IncidentPayload, occurred_at: datetime) -> dict[str, Any]:
    scope = Scope.of(actor)
    return {
        "unit": scope.get(Unit.objects.select_related("jurisdiction"), code=p.unit),
        "patrol": _patrol(scope, p.patrol),
        "segment": scope.get(BorderSegment.objects.all(), code=p.segment) if p.segment else None,
        "description": p.description,
        "place": p.place,
        "lat": p.lat,
        "lon": p.lon,
        "found_at": occurred_at,
    }


def _incident_result(i: Incident) -> dict[str, Any]:
    return {
        "incident": i.code,
        "found_at": i.found_at,
        "journeys": [p.journey.code for p in i.persons.select_related("journey") if p.journey_id],
    }


def _checkin(*, actor: Any, payload: CheckinPayload, occurred_at: datetime, key: str) -> dict[str, Any]:
    patrol = _patrol(Scope.of(actor), payload.patrol)
    point, created = services.patrol_checkin(
        actor=actor, patrol=patrol, client_id=key[:64], lat=payload.lat, lon=payload.lon, accuracy=payload.accuracy, at=occurred_at
    )
    return {"patrol": str(patrol.public_id), "at": point.at, "created": created}


def _incident(*, actor: Any, payload: IncidentPayload, occurred_at: datetime, key: str) -> dict[str, Any]:
    if payload.kind == IncidentKind.INTERCEPTION:
        raise DomainError("use_interceptions", _("Record an interception with its persons."), status=422)
    return _incident_result(services.incident_report(actor=actor, kind=payload.kind, **_where(actor, payload, occurred_at)))


def _interception(*, actor: Any, payload: InterceptionPayload, occurred_at: datetime, key: str) -> dict[str, Any]:
    persons = [p.dict() for p in payload.persons]
    return _incident_result(services.incident_intercept(actor=actor, persons=persons, **_where(actor, payload, occurred_at)))


def register() -> None:
    from guomen.core import registry

    registry.sync_kind("patrol_checkin", CheckinPayload, _checkin, "A patrol's position with its time")
    registry.sync_kind("incident", IncidentPayload, _incident, "An incident found on duty")
    registry.sync_kind("interception", InterceptionPayload, _interception, "An interception: the persons enter the closed loop")
    registry.hook("core.field_pack", field_pack)


def field_pack(*, user: Any) -> dict[str, Any]:
    """The user's planned and running patrols with their segments (codes, lines) and teams; the
    patrol teams and border posts the user reports incidents for, and the kinds of incident."""
    out: dict[str, Any] = {}
    units = Unit.objects.filter(pk__in=Scope.of(user).unit_ids, kind__in=(UnitKind.PATROL_TEAM, UnitKind.BORDER_POST), active=True)
    duty_units = [{"code": u.code, "name": u.name} for u in units.order_by("code")[:20]]
    if duty_units:
        out["duty_units"] = duty_units
        out["incident_kinds"] = [{"code": k, "name": str(label)} for k, label in IncidentKind.choices if k != IncidentKind.INTERCEPTION]
    rows = []
    for p in queries.my_patrols(user).prefetch_related("segments")[:20]:
        rows.append(
            {
                "id": str(p.public_id),
                "team": p.team.code,
                "status": p.status,
                "window_start": p.window_start,
                "window_end": p.window_end,
                "segments": [{"code": s.code, "length_km": s.length_km, "geometry": s.geometry} for s in p.segments.all()],
            }
        )
    if rows:
        out["patrols"] = rows
    return out
