"""Duty API: tasks, incidents and interceptions, and the duty log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.responses import Status

from guomen.core.schemas import ERRORS, Instant
from guomen.lib.errors import DomainError
from guomen.org.scoping import Scope
from guomen.places.models import BorderSegment, Passage

from .. import services
from ..models import (
    DutyTask,
    Incident,
    IncidentKind,
    IncidentStatus,
    LogCategory,
    Patrol,
    TaskStatus,
)
from .common import _post, _scope, _unit, _users, router


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
