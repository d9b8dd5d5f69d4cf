"""The public app over HTTP (signed in): bulletins through the same services as the pages — the
four-eyes rule holds here too — and the triage steps of citizen reports."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from guomen.core.schemas import ERRORS
from guomen.org.scoping import Scope

from . import queries, services
from .models import Bulletin, CitizenReport, MsgType
from .rules import is_information_office

router = Router(tags=["public"])


class PublicBulletinOut(Schema):
    id: uuid.UUID
    kind: str
    topic: str
    msg_type: str
    references: uuid.UUID | None
    exercise: bool
    status: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    author: str
    last_editor: str
    approver: str | None
    published_at: dt.datetime | None
    cap_identifier: str


class PublicBulletinIn(Schema):
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    topic: str = "general"
    exercise: bool = False


class PublicBulletinEditIn(Schema):
    title_zh: str | None = None
    title_en: str | None = None
    body_zh: str | None = None
    body_en: str | None = None


class PublicFollowUpIn(Schema):
    msg_type: str = MsgType.UPDATE
    title_zh: str | None = None
    title_en: str | None = None
    body_zh: str | None = None
    body_en: str | None = None


class PublicReportOut(Schema):
    code: str
    kind: str
    status: str
    occurred_at: dt.datetime
    jurisdiction: str
    assigned_to: str | None
    assigned_unit: str | None
    journey_code: str


class PublicReportStepIn(Schema):
    note: str = ""


def _out(b: Bulletin) -> dict:
    return {
        "id": b.public_id,
        "kind": b.kind,
        "topic": b.topic,
        "msg_type": b.msg_type,
        "references": b.references.public_id if b.references_id else None,
        "exercise": b.exercise,
        "status": b.status,
        "title_zh": b.title_zh,
        "title_en": b.title_en,
        "body_zh": b.body_zh,
        "body_en": b.body_en,
        "author": b.author.username,
        "last_editor": b.last_editor.username,
        "approver": b.approver.username if b.approver_id else None,
        "published_at": b.published_at,
        "cap_identifier": b.cap_identifier,
    }


def _bulletin(request: HttpRequest, bulletin_id: uuid.UUID) -> Bulletin:
    if not is_information_office(Scope.of(request.auth)):
        raise Http404
    return queries.bulletin_get(bulletin_id)


@router.get("/bulletins", response={200: list[PublicBulletinOut], **ERRORS}, summary="Bulletins, newest first (information office)")
def bulletin_list(request: HttpRequest):
    if not is_information_office(Scope.of(request.auth)):
        return []
    return [_out(b) for b in queries.office_bulletins()[:200]]


@router.post("/bulletins", response={201: PublicBulletinOut, **ERRORS}, summary="Draft a bulletin")
def bulletin_create(request: HttpRequest, payload: PublicBulletinIn):
    return Status(201, _out(services.bulletin_draft(actor=request.auth, **payload.dict())))


@router.patch(
    "/bulletins/{uuid:bulletin_id}", response={200: PublicBulletinOut, **ERRORS}, summary="Edit a draft (sends it back for review)"
)
def bulletin_update(request: HttpRequest, bulletin_id: uuid.UUID, payload: PublicBulletinEditIn):
    b = _bulletin(request, bulletin_id)
    return _out(services.bulletin_edit(actor=request.auth, bulletin=b, **{k: v for k, v in payload.dict().items() if v is not None}))


@router.post("/bulletins/{uuid:bulletin_id}/submit", response={200: PublicBulletinOut, **ERRORS}, summary="Send a draft for approval")
def bulletin_submit(request: HttpRequest, bulletin_id: uuid.UUID):
    return _out(services.bulletin_submit(actor=request.auth, bulletin=_bulletin(request, bulletin_id)))


@router.post(
    "/bulletins/{uuid:bulletin_id}/approve",
    response={200: PublicBulletinOut, **ERRORS},
    summary="Approve and publish (a second information officer: never the author or last editor)",
)
def bulletin_approve(request: HttpRequest, bulletin_id: uuid.UUID):
    b = _bulletin(request, bulletin_id)
    return _out(services.bulletin_approve(actor=request.auth, bulletin=b, site=request.build_absolute_uri("/")))


@router.post(
    "/bulletins/{uuid:bulletin_id}/follow-up",
    response={201: PublicBulletinOut, **ERRORS},
    summary="Draft a correction (Update) or withdrawal (Cancel)",
)
def bulletin_follow_up(request: HttpRequest, bulletin_id: uuid.UUID, payload: PublicFollowUpIn):
    b = _bulletin(request, bulletin_id)
    texts = {k: v for k, v in payload.dict().items() if v is not None and k != "msg_type"}
    return Status(201, _out(services.bulletin_follow_up(actor=request.auth, bulletin=b, msg_type=payload.msg_type, **texts)))


def _report_out(r: CitizenReport) -> dict:
    return {
        "code": r.code,
        "kind": r.kind,
        "status": r.status,
        "occurred_at": r.occurred_at,
        "jurisdiction": r.jurisdiction.code,
        "assigned_to": r.assigned_to.username if r.assigned_to_id else None,
        "assigned_unit": r.assigned_unit.code if r.assigned_unit_id else None,
        "journey_code": r.journey_code,
    }


@router.get("/reports", response={200: list[PublicReportOut], **ERRORS}, summary="Citizen reports within reach")
def report_list(request: HttpRequest):
    return [_report_out(r) for r in queries.reports(Scope.of(request.auth))[:200]]


STEPS = {
    "check": lambda actor, r, p: services.report_check(actor=actor, report=r, note=p.note),
    "assign": lambda actor, r, p: services.report_assign(actor=actor, report=r),
    "start": lambda actor, r, p: services.report_start(actor=actor, report=r),
    "resolve": lambda actor, r, p: services.report_resolve(actor=actor, report=r, note=p.note),
    "verify": lambda actor, r, p: services.report_verify(actor=actor, report=r, note=p.note),
}


@router.post(
    "/reports/{code}/{step}", response={200: PublicReportOut, **ERRORS}, summary="A triage step: check, assign, start, resolve, verify"
)
def report_step(request: HttpRequest, code: str, step: str, payload: PublicReportStepIn):
    if step not in STEPS:
        raise Http404
    r = queries.report_get(Scope.of(request.auth), code)
    return _report_out(STEPS[step](request.auth, r, payload))
