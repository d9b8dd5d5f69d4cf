"""REST endpoints of the command (mounted in guomen/api.py): figures, trends, daily reports, dispatch tasks — scoped."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status

from guomen.core.schemas import ERRORS, Instant
from guomen.lib.errors import DomainError
from guomen.org.models import Unit
from guomen.org.scoping import Scope

from . import queries, services
from .models import DailyReport, DispatchTask, TaskState

router = Router(tags=["command"])


class NodeQuery(Schema):
    j: str | None = None


class TrendsQuery(Schema):
    j: str | None = None
    days: int = 30


class ReportsQuery(Schema):
    j: str | None = None
    day: date | None = None


class ReportOut(Schema):
    id: UUID
    day: date
    level: str
    unit: str
    jurisdiction: str
    figures: dict[str, Any]
    text: str
    state: str
    submitted_at: datetime | None
    acknowledged_at: datetime | None

    @staticmethod
    def from_row(r: DailyReport) -> dict[str, Any]:
        return {
            "id": r.public_id,
            "day": r.day,
            "level": r.level,
            "unit": r.unit.code,
            "jurisdiction": r.jurisdiction.code,
            "figures": r.figures,
            "text": r.text,
            "state": r.state,
            "submitted_at": r.submitted_at,
            "acknowledged_at": r.acknowledged_at,
        }


class DailyReportIn(Schema):
    unit: str
    day: date
    text: str = ""
    submit: bool = True


class AckIn(Schema):
    note: str = ""


class DispatchTaskOut(Schema):
    id: UUID
    title: str
    details: str
    unit: str
    issued_by: str
    due_at: datetime
    state: str
    source: str
    source_ref: str
    escalated_at: datetime | None
    finished_at: datetime | None
    exercise: bool = False

    @staticmethod
    def from_row(t: DispatchTask) -> dict[str, Any]:
        return {
            "id": t.public_id,
            "title": t.title,
            "details": t.details,
            "unit": t.unit.code,
            "issued_by": t.issued_by_unit.code,
            "due_at": t.due_at,
            "state": t.state,
            "source": t.source,
            "source_ref": t.source_ref,
            "escalated_at": t.escalated_at,
            "finished_at": t.finished_at,
            "exercise": t.exercise,
        }


class DispatchTaskIn(Schema):
    unit: str
    title: str
    due_at: Instant
    details: str = ""
    source: str = ""
    source_ref: str = ""
    alert: UUID | None = None


class ProgressIn(Schema):
    text: str
    done: bool = False


class TasksQuery(Schema):
    j: str | None = None
    state: str = "open"


@router.get("/dashboard", response={200: dict[str, Any], **ERRORS}, summary="Dashboard figures of a jurisdiction")
def dashboard(request, q: Query[NodeQuery]):
    scope = Scope.of(request.auth)
    return queries.dashboard(scope, queries.node_for(scope, q.j)).as_json()


@router.get("/trends", response={200: dict[str, Any], **ERRORS}, summary="Daily series: arrivals by port, people in the loop, alerts")
def trends(request, q: Query[TrendsQuery]):
    scope = Scope.of(request.auth)
    return queries.trends(queries.node_for(scope, q.j), days=max(1, min(q.days, 366)))


@router.get("/map", response={200: dict[str, Any], **ERRORS}, summary="GeoJSON figures per county and per port")
def map_figures(request, q: Query[NodeQuery]):
    scope = Scope.of(request.auth)
    from .mapdata import map_features

    return map_features(scope, queries.node_for(scope, q.j))


@router.get("/reports", response={200: list[ReportOut], **ERRORS}, summary="Daily reports within reach")
def reports_list(request, q: Query[ReportsQuery]):
    scope = Scope.of(request.auth)
    if queries.is_command(scope):
        qs = queries.reports(scope, queries.node_for(scope, q.j), q.day)
    else:
        qs = scope.filter(DailyReport.objects.select_related("unit", "jurisdiction"))
        if q.day:
            qs = qs.filter(day=q.day)
    return [ReportOut.from_row(r) for r in qs[:500]]


@router.post("/reports", response={200: ReportOut, 201: ReportOut, **ERRORS}, summary="Write or submit a unit's daily report")
def report_submit(request, body: DailyReportIn):
    scope = Scope.of(request.auth)
    unit = scope.get(Unit.objects.select_related("jurisdiction"), code=body.unit)
    r = services.report_save(actor=request.auth, unit=unit, day=body.day, text=body.text, submit=body.submit)
    return Status(201, ReportOut.from_row(r))


@router.post("/reports/{report_id}/acknowledge", response={200: ReportOut, **ERRORS}, summary="Acknowledge a report (one level up)")
def report_ack(request, report_id: UUID, body: AckIn):
    scope = Scope.of(request.auth)
    r = scope.get(DailyReport.objects.all(), public_id=report_id)
    r = services.report_acknowledge(actor=request.auth, report=r, note=body.note)
    return ReportOut.from_row(r)


@router.get("/tasks", response={200: list[DispatchTaskOut], **ERRORS}, summary="Dispatch tasks within reach")
def tasks_list(request, q: Query[TasksQuery]):
    scope = Scope.of(request.auth)
    qs = queries.tasks(scope, queries.node_for(scope, q.j) if q.j else None)
    if q.state == "open":
        qs = qs.filter(state__in=[TaskState.OPEN, TaskState.IN_PROGRESS])
    elif q.state in TaskState.values:
        qs = qs.filter(state=q.state)
    return [DispatchTaskOut.from_row(t) for t in qs[:500]]


@router.post("/tasks", response={201: DispatchTaskOut, **ERRORS}, summary="Dispatch a task to a unit (督办)")
def task_create(request, body: DispatchTaskIn):
    scope = Scope.of(request.auth)
    unit = Unit.objects.select_related("jurisdiction").filter(code=body.unit).first()
    if unit is None or not scope.reaches_unit(unit):
        raise DomainError("unit_not_found", _("No such unit within your reach."), status=404)
    alert = None
    if body.alert:
        from guomen.alerts.models import Alert

        alert = scope.get(Alert.objects.all(), public_id=body.alert)
    t = services.task_create(
        actor=request.auth,
        unit=unit,
        title=body.title,
        due_at=body.due_at,
        details=body.details,
        source=body.source,
        source_ref=body.source_ref,
        alert=alert,
    )
    return Status(201, DispatchTaskOut.from_row(t))


@router.get("/tasks/{task_id}", response={200: DispatchTaskOut, **ERRORS}, summary="One dispatch task")
def task_get(request, task_id: UUID):
    return DispatchTaskOut.from_row(queries.task_get(Scope.of(request.auth), task_id))


@router.post(
    "/tasks/{task_id}/progress", response={200: DispatchTaskOut, **ERRORS}, summary="Report progress on a task (or its completion)"
)
def task_progress(request, task_id: UUID, body: ProgressIn):
    scope = Scope.of(request.auth)
    t = queries.task_get(scope, task_id)
    t = services.task_progress(actor=request.auth, task=t, text=body.text, state=TaskState.DONE if body.done else TaskState.IN_PROGRESS)
    return DispatchTaskOut.from_row(queries.task_get(scope, t.public_id))
