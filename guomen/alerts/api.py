"""Alerts over HTTP: the inbox with its filters and paging, one alert, and its actions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from guomen.core.schemas import ERRORS
from guomen.org.scoping import Scope

from . import queries, services
from .models import Alert

router = Router(tags=["alerts"])


class AlertOut(Schema):
    id: uuid.UUID
    kind: str
    kind_label: str
    journey: str | None = Field(description="the loop code when the alert is about a journey (kept for older clients)")
    ref_type: str
    ref_code: str
    unit: str
    unit_name: str
    subject: str
    level: int
    raised_to: str = Field(description="code of the jurisdiction whose command the alert has reached")
    state: str
    awaiting: str
    due_at: dt.datetime | None
    opened_at: dt.datetime
    next_escalation_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    assigned_to: str | None
    closed_at: dt.datetime | None
    close_note: str
    details: dict[str, Any]
    history: list[dict[str, Any]]


class AlertPage(Schema):
    count: int
    page: int
    pages: int
    results: list[AlertOut]


def alert_out(a: Alert) -> dict[str, Any]:
    return {
        "id": a.public_id,
        "kind": a.kind,
        "kind_label": a.kind_label,
        "journey": a.ref_code if a.ref_type == "journey" and a.ref_code else None,
        "ref_type": a.ref_type,
        "ref_code": a.ref_code,
        "unit": a.unit.code,
        "unit_name": a.unit.name,
        "subject": a.subject,
        "level": a.level,
        "raised_to": services.level_code(a.unit, a.level),
        "state": a.state,
        "awaiting": a.awaiting,
        "due_at": a.due_at,
        "opened_at": a.opened_at,
        "next_escalation_at": a.next_escalation_at,
        "acknowledged_at": a.acknowledged_at,
        "assigned_to": a.assigned_to.get_username() if a.assigned_to_id else None,
        "closed_at": a.closed_at,
        "close_note": a.close_note,
        "details": a.details,
        "history": a.history,
    }


class InboxQuery(Schema):
    state: str = Field("open", pattern="^(open|closed|all)$")
    kind: str = Field("", max_length=30)
    level: int | None = Field(None, ge=0, le=3)
    unit: str = Field("", max_length=40, description="unit code")
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
    q: str = Field("", max_length=40, description="loop code or words of the subject")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


def _scope(request: HttpRequest) -> Scope:
    return Scope.of(request.auth)


@router.get("/", response={200: AlertPage, **ERRORS}, summary="Alerts within reach, filtered and paged")
def inbox(request: HttpRequest, filters: Query[InboxQuery]):
    f = queries.Filters(
        state=filters.state,
        kind=filters.kind,
        level=filters.level,
        unit=filters.unit,
        day_from=filters.date_from,
        day_to=filters.date_to,
        q=filters.q,
    )
    qs = queries.inbox(_scope(request), f)
    count = qs.count()
    pages = max(1, -(-count // filters.page_size))
    start = (filters.page - 1) * filters.page_size
    return {"count": count, "page": filters.page, "pages": pages, "results": [alert_out(a) for a in qs[start : start + filters.page_size]]}


@router.get("/{uuid:alert_id}", response={200: AlertOut, **ERRORS}, summary="One alert with its history")
def detail(request: HttpRequest, alert_id: uuid.UUID):
    return alert_out(queries.get(_scope(request), alert_id))


class CloseIn(Schema):
    note: str = Field(min_length=1, max_length=300)


class AssignIn(Schema):
    to: str = Field(min_length=1, max_length=150, description="user name of a member of the alert's unit or of your units")


@router.post("/{uuid:alert_id}/acknowledge", response={200: AlertOut, **ERRORS}, summary="Acknowledge an alert")
def acknowledge(request: HttpRequest, alert_id: uuid.UUID):
    a = queries.get(_scope(request), alert_id)
    return alert_out(services.alert_acknowledge(actor=request.auth, alert=a))


@router.post("/{uuid:alert_id}/assign", response={200: AlertOut, **ERRORS}, summary="Give an alert to a named person")
def assign(request: HttpRequest, alert_id: uuid.UUID, payload: AssignIn):
    a = queries.get(_scope(request), alert_id)
    return alert_out(services.alert_assign(actor=request.auth, alert=a, username=payload.to))


@router.post("/{uuid:alert_id}/close", response={200: AlertOut, **ERRORS}, summary="Close an alert with a note")
def close(request: HttpRequest, alert_id: uuid.UUID, payload: CloseIn):
    a = queries.get(_scope(request), alert_id)
    return alert_out(services.alert_close(actor=request.auth, alert=a, note=payload.note))
