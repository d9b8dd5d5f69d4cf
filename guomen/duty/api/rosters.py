"""Duty API: posts, shifts, roster templates and coverage gaps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.responses import Status

from guomen.core.schemas import ERRORS, Instant
from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.places.models import BorderSegment, Passage

from .. import queries, services
from ..models import (
    DutyPost,
    PostKind,
    RosterTemplate,
    Shift,
)
from .common import _post, _scope, _unit, _users, router


# --- posts ---------------------------------------------------------------------------------------
class PostIn(Schema):
    code: str
    name_zh: str
    name_en: str = ""
    kind: PostKind
    unit: str
    passage: str | None = None
    segment: str | None = None
    lon: float | None = None
    lat: float | None = None
    staffing: list[int] | None = None


class PostOut(Schema):
    code: str
    name_zh: str
    name_en: str
    kind: PostKind
    unit: str
    jurisdiction: str
    passage: str | None
    segment: str | None
    lon: float | None
    lat: float | None
    staffing: list[int]
    active: bool


def _post_out(p: DutyPost) -> dict[str, Any]:
    return {
        "code": p.code,
        "name_zh": p.name_zh,
        "name_en": p.name_en,
        "kind": p.kind,
        "unit": p.unit.code,
        "jurisdiction": p.jurisdiction.code,
        "passage": p.passage.code if p.passage_id else None,
        "segment": p.segment.code if p.segment_id else None,
        "lon": p.lon,
        "lat": p.lat,
        "staffing": p.staffing,
        "active": p.active,
    }


@router.get("/posts", response={200: list[PostOut], **ERRORS}, summary="Duty posts within reach")
def post_list(request: HttpRequest, unit: str | None = None):
    qs = queries.posts(_scope(request)).select_related("passage", "segment")
    if unit:
        qs = qs.filter(unit__code=unit)
    return [_post_out(p) for p in qs[:2000]]


@router.get("/posts/{code}", response={200: PostOut, **ERRORS}, summary="One duty post")
def post_detail(request: HttpRequest, code: str):
    return _post_out(_post(_scope(request), code))


@router.post("/posts", response={201: PostOut, **ERRORS}, summary="Create a duty post")
def post_create(request: HttpRequest, body: PostIn):
    scope = _scope(request)
    p = services.post_create(
        actor=request.auth,
        unit=_unit(scope, body.unit),
        code=body.code,
        name_zh=body.name_zh,
        name_en=body.name_en,
        kind=body.kind,
        passage=scope.get(Passage.objects.all(), code=body.passage) if body.passage else None,
        segment=scope.get(BorderSegment.objects.all(), code=body.segment) if body.segment else None,
        lon=body.lon,
        lat=body.lat,
        staffing=body.staffing,
    )
    return Status(201, _post_out(p))


# --- shifts --------------------------------------------------------------------------------------
class ShiftIn(Schema):
    post: str
    start: Instant
    end: Instant
    members: list[str]


class ShiftOut(Schema):
    id: UUID
    post: str
    start: datetime
    end: datetime
    members: list[str]


def _shift_out(s: Shift) -> dict[str, Any]:
    return {"id": s.public_id, "post": s.post.code, "start": s.start, "end": s.end, "members": [m.username for m in s.members.all()]}


@router.get("/shifts", response={200: list[ShiftOut], **ERRORS}, summary="Shifts within reach overlapping a time window")
def shift_list(request: HttpRequest, start: Instant, end: Instant, post: str | None = None):
    qs = _scope(request).filter(Shift.objects.filter(start__lt=end, end__gt=start)).select_related("post").prefetch_related("members")
    if post:
        qs = qs.filter(post__code=post)
    return [_shift_out(s) for s in qs[:5000]]


@router.post(
    "/shifts",
    response={201: ShiftOut, **ERRORS},
    summary="Put people on duty at a post",
    description="409 `shift_overlap`: a member is on duty elsewhere at the time; 422 `rest_too_short`: less rest than the minimum.",
)
def shift_create(request: HttpRequest, body: ShiftIn):
    scope = _scope(request)
    s = services.shift_create(
        actor=request.auth, post=_post(scope, body.post), start=body.start, end=body.end, members=_users(scope, body.members)
    )
    return Status(201, _shift_out(s))


@router.delete("/shifts/{shift_id}", response={204: None, **ERRORS}, summary="Remove a shift")
def shift_delete(request: HttpRequest, shift_id: UUID):
    services.shift_delete(actor=request.auth, shift=_scope(request).get(Shift.objects.select_related("post__unit"), public_id=shift_id))
    return Status(204, None)


class TemplateIn(Schema):
    post: str
    name: str
    shifts_per_day: int = 2
    first_hour: int = 8
    per_shift: int = 2
    members: list[str]


class TemplateOut(Schema):
    id: UUID
    post: str
    name: str
    shifts_per_day: int
    first_hour: int
    per_shift: int


class GenerateIn(Schema):
    first_day: date
    days: int = 30


class GenerateOut(Schema):
    created: int


def _template_out(t: RosterTemplate) -> dict[str, Any]:
    return {
        "id": t.public_id,
        "post": t.post.code,
        "name": t.name,
        "shifts_per_day": t.shifts_per_day,
        "first_hour": t.first_hour,
        "per_shift": t.per_shift,
    }


@router.post("/roster-templates", response={201: TemplateOut, **ERRORS}, summary="A rotation (2 × 12 h or 3 × 8 h)")
def template_create(request: HttpRequest, body: TemplateIn):
    scope = _scope(request)
    t = services.roster_template_create(
        actor=request.auth,
        post=_post(scope, body.post),
        name=body.name,
        shifts_per_day=body.shifts_per_day,
        first_hour=body.first_hour,
        per_shift=body.per_shift,
        members=_users(scope, body.members),
    )
    return Status(201, _template_out(t))


@router.post(
    "/roster-templates/{template_id}/generate", response={200: GenerateOut, **ERRORS}, summary="Fill days from a rotation (all or nothing)"
)
def template_generate(request: HttpRequest, template_id: UUID, body: GenerateIn):
    t = _scope(request).get(RosterTemplate.objects.select_related("post__unit"), public_id=template_id)
    made = services.roster_generate(actor=request.auth, template=t, first_day=body.first_day, days=body.days)
    return {"created": len(made)}


# --- coverage ------------------------------------------------------------------------------------
class GapOut(Schema):
    post: str
    post_name: str
    unit: str
    start: datetime
    end: datetime
    hours: int
    shortfall: int


@router.get("/coverage/gaps", response={200: list[GapOut], **ERRORS}, summary="Hours where posts have fewer people than required")
def coverage_gaps(request: HttpRequest, start: Instant | None = None, hours: int = 24, unit: str | None = None):
    if not 1 <= hours <= 24 * 62:
        raise DomainError("bad_hours", _("Ask for 1 to 1488 hours."), status=422)
    qs = queries.posts(_scope(request))
    if unit:
        qs = qs.filter(unit__code=unit)
    c, by_id = queries.coverage_for(qs, start or clock.now(), hours)
    return [
        {
            "post": by_id[g.post].code,
            "post_name": by_id[g.post].name,
            "unit": by_id[g.post].unit.code,
            "start": g.start_at,
            "end": g.end_at,
            "hours": g.hours,
            "shortfall": g.shortfall,
        }
        for g in c.gaps
    ]
