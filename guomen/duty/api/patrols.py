"""Duty API: patrols, check-ins and GPX tracks."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import File, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from guomen.core.schemas import ERRORS, Instant

from .. import queries, services
from ..gpx import patrol_gpx
from ..models import (
    Patrol,
    PatrolStatus,
)
from .common import _scope, _segments, _unit, _users, router


# --- patrols -------------------------------------------------------------------------------------
class PatrolIn(Schema):
    team: str
    leader: str
    segments: list[str]
    window_start: Instant
    window_end: Instant
    note: str = ""


class SegmentCoverageOut(Schema):
    segment: str
    length_km: float
    covered_km: float
    share: float
    walked_km: float
    hours: float


class PatrolOut(Schema):
    id: UUID
    team: str
    leader: str
    segments: list[str]
    window_start: datetime
    window_end: datetime
    status: PatrolStatus
    started_at: datetime | None
    ended_at: datetime | None
    points: int
    coverage: list[SegmentCoverageOut]


def _patrol_out(p: Patrol) -> dict[str, Any]:
    return {
        "id": p.public_id,
        "team": p.team.code,
        "leader": p.leader.username,
        "segments": [s.code for s in p.segments.all()],
        "window_start": p.window_start,
        "window_end": p.window_end,
        "status": p.status,
        "started_at": p.started_at,
        "ended_at": p.ended_at,
        "points": p.points.count(),
        "coverage": [
            {
                "segment": c.segment.code,
                "length_km": c.segment.length_km,
                "covered_km": round(c.covered_km, 3),
                "share": round(c.share, 4),
                "walked_km": round(c.walked_km, 3),
                "hours": round(c.hours, 2),
            }
            for c in p.coverage.select_related("segment").order_by("segment__code")
        ],
    }


def _patrol(request: HttpRequest, patrol_id: UUID) -> Patrol:
    return _scope(request).get(Patrol.objects.select_related("team__jurisdiction", "leader", "jurisdiction"), public_id=patrol_id)


@router.get("/patrols", response={200: list[PatrolOut], **ERRORS}, summary="Patrols within reach")
def patrol_list(request: HttpRequest, status: PatrolStatus | None = None):
    qs = queries.patrols(_scope(request))
    if status:
        qs = qs.filter(status=status)
    return [_patrol_out(p) for p in qs[:200]]


@router.post("/patrols", response={201: PatrolOut, **ERRORS}, summary="Plan a patrol")
def patrol_create(request: HttpRequest, body: PatrolIn):
    scope = _scope(request)
    p = services.patrol_plan(
        actor=request.auth,
        team=_unit(scope, body.team),
        leader=_users(scope, [body.leader])[0],
        segments=_segments(scope, body.segments),
        window_start=body.window_start,
        window_end=body.window_end,
        note=body.note,
    )
    return Status(201, _patrol_out(p))


@router.get("/patrols/{patrol_id}", response={200: PatrolOut, **ERRORS}, summary="One patrol with its coverage")
def patrol_detail(request: HttpRequest, patrol_id: UUID):
    return _patrol_out(_patrol(request, patrol_id))


@router.post("/patrols/{patrol_id}/start", response={200: PatrolOut, **ERRORS}, summary="Start a planned patrol")
def patrol_start(request: HttpRequest, patrol_id: UUID):
    return _patrol_out(services.patrol_start(actor=request.auth, patrol=_patrol(request, patrol_id)))


@router.post("/patrols/{patrol_id}/end", response={200: PatrolOut, **ERRORS}, summary="End a patrol under way")
def patrol_end(request: HttpRequest, patrol_id: UUID):
    return _patrol_out(services.patrol_end(actor=request.auth, patrol=_patrol(request, patrol_id)))


class CheckinIn(Schema):
    client_id: str
    lat: float
    lon: float
    accuracy: float | None = None
    at: Instant | None = None


class CheckinOut(Schema):
    client_id: str
    at: datetime
    lat: float
    lon: float
    created: bool


@router.post(
    "/patrols/{patrol_id}/checkins",
    response={200: CheckinOut, 201: CheckinOut, **ERRORS},
    summary="A position from the phone (idempotent by client_id)",
    description="201 when recorded, 200 when this client_id was recorded before (nothing changes).",
)
def patrol_checkin(request: HttpRequest, patrol_id: UUID, body: CheckinIn):
    point, created = services.patrol_checkin(
        actor=request.auth,
        patrol=_patrol(request, patrol_id),
        client_id=body.client_id,
        lat=body.lat,
        lon=body.lon,
        accuracy=body.accuracy,
        at=body.at,
    )
    out = {"client_id": point.client_id, "at": point.at, "lat": point.lat, "lon": point.lon, "created": created}
    return Status(201 if created else 200, out)


class UploadOut(Schema):
    added: int
    patrol: PatrolOut


@router.post("/patrols/{patrol_id}/gpx", response={200: UploadOut, **ERRORS}, summary="Upload a GPX track")
def patrol_gpx_upload(request: HttpRequest, patrol_id: UUID, file: File[UploadedFile]):
    p = _patrol(request, patrol_id)
    added = services.patrol_upload_gpx(actor=request.auth, patrol=p, data=file.read(services.GPX_MAX_BYTES + 1))
    return {"added": added, "patrol": _patrol_out(_patrol(request, patrol_id))}


@router.get("/patrols/{patrol_id}/gpx", response={200: None, **ERRORS}, summary="The patrol's track as GPX 1.1")
def patrol_gpx_export(request: HttpRequest, patrol_id: UUID):
    p = _patrol(request, patrol_id)
    resp = HttpResponse(patrol_gpx(p), content_type="application/gpx+xml")
    resp["Content-Disposition"] = f'attachment; filename="patrol-{p.public_id}.gpx"'
    return resp
