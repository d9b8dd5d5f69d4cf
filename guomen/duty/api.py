"""REST endpoints of this app (mounted in guomen/api.py under /api/duty): posts, shifts, coverage gaps,
patrols with their tracks, tasks, incidents. Everything within the caller's reach (Scope)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from guomen.core.schemas import ERRORS, Instant
from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.models import Unit
from guomen.org.scoping import Scope
from guomen.places.models import BorderSegment, Passage

from . import queries, services
from .gpx import patrol_gpx
from .models import (
    DutyPost,
    DutyTask,
    Incident,
    IncidentKind,
    IncidentStatus,
    LogCategory,
    Patrol,
    PatrolStatus,
    PostKind,
    RosterTemplate,
    Shift,
    TaskStatus,
)

router = Router(tags=["duty"])


# --- lookups within reach ------------------------------------------------------------------------
def _scope(request: HttpRequest) -> Scope:
    return Scope.of(request.auth)


def _unit(scope: Scope, code: str) -> Unit:
    return scope.get(Unit.objects.select_related("jurisdiction"), code=code)


def _post(scope: Scope, code: str) -> DutyPost:
    return scope.get(DutyPost.objects.select_related("unit__jurisdiction", "jurisdiction"), code=code)


def _segments(scope: Scope, codes: list[str]) -> list[BorderSegment]:
    found = list(scope.filter(BorderSegment.objects.filter(code__in=codes)))
    if len(found) != len(set(codes)):
        missing = sorted(set(codes) - {s.code for s in found})
        raise DomainError("unknown_segment", _("Unknown border segment: %(code)s") % {"code": ", ".join(missing)}, status=422)
    return found


def _users(scope: Scope, usernames: list[str]) -> list[Any]:
    """Users who belong to a unit within the caller's reach (others are unknown)."""
    units = scope.filter(Unit.objects.all())
    found = {u.username: u for u in get_user_model().objects.filter(username__in=usernames, memberships__unit__in=units).distinct()}
    missing = [n for n in usernames if n not in found]
    if missing:
        raise DomainError("unknown_user", _("Unknown person: %(name)s") % {"name": ", ".join(missing)}, status=422)
    return [found[n] for n in usernames]


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


# --- tasks ---------------------------------------------------------------------------------------
class DutyTaskIn(Schema):
    unit: str
    title: str
    due_at: Instant
    description: str = ""
    assignee: str | None = None
    post: str | None = None
    segment: str | None = None


class DutyTaskOut(Schema):
    id: UUID
    title: str
    description: str
    unit: str
    assignee: str | None
    due_at: datetime
    status: TaskStatus
    done_at: datetime | None


class TaskStatusIn(Schema):
    status: TaskStatus


def _task_out(t: DutyTask) -> dict[str, Any]:
    return {
        "id": t.public_id,
        "title": t.title,
        "description": t.description,
        "unit": t.unit.code,
        "assignee": t.assignee.username if t.assignee_id else None,
        "due_at": t.due_at,
        "status": t.status,
        "done_at": t.done_at,
    }


def _tasks_visible(request: HttpRequest):
    from django.db.models import Q

    user = request.auth
    return DutyTask.objects.filter(Q(pk__in=_scope(request).filter(DutyTask.objects.all()).values("pk")) | Q(assignee=user))


@router.get("/tasks", response={200: list[DutyTaskOut], **ERRORS}, summary="Tasks within reach (and mine)")
def task_list(request: HttpRequest, status: TaskStatus | None = None):
    qs = _tasks_visible(request).select_related("unit", "assignee")
    if status:
        qs = qs.filter(status=status)
    return [_task_out(t) for t in qs[:1000]]


@router.post("/tasks", response={201: DutyTaskOut, **ERRORS}, summary="Give a task to a unit or a person")
def task_create(request: HttpRequest, body: DutyTaskIn):
    scope = _scope(request)
    t = services.task_create(
        actor=request.auth,
        unit=_unit(scope, body.unit),
        title=body.title,
        due_at=body.due_at,
        description=body.description,
        assignee=_users(scope, [body.assignee])[0] if body.assignee else None,
        post=_post(scope, body.post) if body.post else None,
        segment=scope.get(BorderSegment.objects.all(), code=body.segment) if body.segment else None,
    )
    return Status(201, _task_out(t))


@router.post("/tasks/{task_id}/status", response={200: DutyTaskOut, **ERRORS}, summary="Move a task (in progress, done, cancelled)")
def task_status(request: HttpRequest, task_id: UUID, body: TaskStatusIn):
    t = _tasks_visible(request).select_related("unit__jurisdiction").filter(public_id=task_id).first()
    if t is None:
        from django.http import Http404

        raise Http404
    return _task_out(services.task_set_status(actor=request.auth, task=t, status=body.status))


# --- incidents and the duty log --------------------------------------------------------------------
class Sighting(Schema):
    """Where and when something was found on the border, and by which unit."""

    unit: str
    description: str = ""
    found_at: Instant | None = None
    place: str = ""
    post: str | None = None
    patrol: UUID | None = None
    segment: str | None = None
    passage: str | None = None
    lat: float | None = None
    lon: float | None = None


class IncidentIn(Sighting):
    kind: IncidentKind


class InterceptedPersonIn(Schema):
    name_native: str
    name_latin: str = ""
    sex: str = "X"
    birth_date: date | None = None
    nationality: str
    phone: str = ""
    category: str = "traveller"


class PatrolInterceptionIn(Sighting):
    persons: list[InterceptedPersonIn]


class TransitionIn(Schema):
    to_status: IncidentStatus
    note: str = ""


class TransitionOut(Schema):
    from_status: str
    to_status: str
    actor: str
    at: datetime
    note: str


class IncidentOut(Schema):
    code: str
    kind: IncidentKind
    status: IncidentStatus
    unit: str
    found_at: datetime
    place: str
    description: str
    persons_count: int
    journeys: list[str]
    transitions: list[TransitionOut]


def _incident_out(i: Incident) -> dict[str, Any]:
    return {
        "code": i.code,
        "kind": i.kind,
        "status": i.status,
        "unit": i.unit.code,
        "found_at": i.found_at,
        "place": i.place,
        "description": i.description,
        "persons_count": i.persons_count,
        "journeys": [p.journey.code for p in i.persons.select_related("journey") if p.journey_id],
        "transitions": [
            {"from_status": t.from_status, "to_status": t.to_status, "actor": t.actor.username, "at": t.at, "note": t.note}
            for t in i.transitions.select_related("actor")
        ],
    }


def _where(scope: Scope, body: Any) -> dict[str, Any]:
    return {
        "post": _post(scope, body.post) if body.post else None,
        "patrol": scope.get(Patrol.objects.all(), public_id=body.patrol) if body.patrol else None,
        "segment": scope.get(BorderSegment.objects.all(), code=body.segment) if body.segment else None,
        "passage": scope.get(Passage.objects.all(), code=body.passage) if body.passage else None,
        "lat": body.lat,
        "lon": body.lon,
        "place": body.place,
        "found_at": body.found_at,
        "description": body.description,
    }


@router.get("/incidents", response={200: list[IncidentOut], **ERRORS}, summary="Incidents within reach")
def incident_list(request: HttpRequest, status: IncidentStatus | None = None):
    qs = _scope(request).filter(Incident.objects.select_related("unit"))
    if status:
        qs = qs.filter(status=status)
    return [_incident_out(i) for i in qs[:500]]


@router.get("/incidents/{code}", response={200: IncidentOut, **ERRORS}, summary="One incident")
def incident_detail(request: HttpRequest, code: str):
    return _incident_out(_scope(request).get(Incident.objects.select_related("unit"), code=code))


@router.post("/incidents", response={201: IncidentOut, **ERRORS}, summary="Report an incident found on duty")
def incident_create(request: HttpRequest, body: IncidentIn):
    scope = _scope(request)
    if body.kind == IncidentKind.INTERCEPTION:
        raise DomainError("use_interceptions", _("Record an interception with its persons at /api/duty/interceptions."), status=422)
    i = services.incident_report(actor=request.auth, unit=_unit(scope, body.unit), kind=body.kind, **_where(scope, body))
    return Status(201, _incident_out(i))


@router.post("/interceptions", response={201: IncidentOut, **ERRORS}, summary="An interception: the persons enter the closed loop")
def interception_create(request: HttpRequest, body: PatrolInterceptionIn):
    scope = _scope(request)
    persons = [p.dict(exclude_none=True) for p in body.persons]
    for p in persons:
        if "birth_date" in p:
            p["birth_date"] = p["birth_date"].isoformat()
    i = services.incident_intercept(actor=request.auth, unit=_unit(scope, body.unit), persons=persons, **_where(scope, body))
    return Status(201, _incident_out(i))


@router.post("/incidents/{code}/transitions", response={200: IncidentOut, **ERRORS}, summary="Move an incident to its next step")
def incident_transition(request: HttpRequest, code: str, body: TransitionIn):
    i = _scope(request).get(Incident.objects.select_related("unit__jurisdiction"), code=code)
    return _incident_out(services.incident_advance(actor=request.auth, incident=i, to_status=body.to_status, note=body.note))


class LogIn(Schema):
    text: str
    category: LogCategory = LogCategory.OBSERVATION
    post: str | None = None
    patrol: UUID | None = None
    lat: float | None = None
    lon: float | None = None


class LogOut(Schema):
    id: UUID
    at: datetime
    category: LogCategory
    text: str


@router.post("/log", response={201: LogOut, **ERRORS}, summary="Write a line in a post's or a patrol's duty log")
def log_create(request: HttpRequest, body: LogIn):
    scope = _scope(request)
    e = services.log_add(
        actor=request.auth,
        text=body.text,
        category=body.category,
        post=_post(scope, body.post) if body.post else None,
        patrol=scope.get(Patrol.objects.select_related("team", "jurisdiction"), public_id=body.patrol) if body.patrol else None,
        lat=body.lat,
        lon=body.lon,
    )
    return Status(201, {"id": e.public_id, "at": e.at, "category": e.category, "text": e.text})
