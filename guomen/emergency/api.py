"""REST endpoints of emergency plans and drills (mounted at /api/emergency): plans, versions and
steps, activations and their board, the exercise script, evaluation, improvement items,
suggestions from trigger rules and readiness. Scoped; writes take an Idempotency-Key."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from guomen.core.schemas import ERRORS
from guomen.lib.errors import DomainError
from guomen.org.models import Unit
from guomen.org.scoping import Scope

from . import queries, services
from .models import Activation, Plan

router = Router(tags=["emergency"])


class EmergencyStepOut(Schema):
    code: str
    kind: str
    title_zh: str
    title_en: str
    role: str
    unit: str
    target_minutes: int
    after: list[str]
    checklist: list[str]


class EmergencyInjectOut(Schema):
    n: int
    offset_minutes: int
    kind: str
    text_zh: str
    text_en: str


class EmergencyVersionOut(Schema):
    number: int
    note: str
    review_due: date
    approved_at: datetime | None
    approved_by: str | None
    steps: list[EmergencyStepOut]
    injects: list[EmergencyInjectOut]


class EmergencyPlanOut(Schema):
    id: UUID
    code: str
    name_zh: str
    name_en: str
    scenario: str
    jurisdiction: str
    owner_unit: str
    facility: str | None
    trigger_kind: str
    trigger_threshold: int
    versions: list[EmergencyVersionOut]

    @staticmethod
    def from_row(p: Plan) -> dict[str, Any]:
        versions = []
        for v in p.versions.order_by("number"):
            steps = v.steps.select_related("unit").prefetch_related("depends_on")
            versions.append(
                {
                    "number": v.number,
                    "note": v.note,
                    "review_due": v.review_due,
                    "approved_at": v.approved_at,
                    "approved_by": v.approved_by.get_username() if v.approved_by else None,
                    "steps": [
                        {
                            "code": s.code,
                            "kind": s.kind,
                            "title_zh": s.title_zh,
                            "title_en": s.title_en,
                            "role": s.role,
                            "unit": s.unit.code,
                            "target_minutes": s.target_minutes,
                            "after": sorted(d.code for d in s.depends_on.all()),
                            "checklist": s.checklist,
                        }
                        for s in steps
                    ],
                    "injects": [
                        {"n": i, "offset_minutes": j.offset_minutes, "kind": j.kind, "text_zh": j.text_zh, "text_en": j.text_en}
                        for i, j in enumerate(v.injects.all(), start=1)
                    ],
                }
            )
        return {
            "id": p.public_id,
            "code": p.code,
            "name_zh": p.name_zh,
            "name_en": p.name_en,
            "scenario": p.scenario,
            "jurisdiction": p.jurisdiction.code,
            "owner_unit": p.owner_unit.code,
            "facility": p.facility.code if p.facility else None,
            "trigger_kind": p.trigger_kind,
            "trigger_threshold": p.trigger_threshold,
            "versions": versions,
        }


class EmergencyPlanIn(Schema):
    code: str
    name_zh: str
    name_en: str = ""
    scenario: str
    owner_unit: str
    jurisdiction: str | None = None
    facility: str | None = None
    trigger_kind: str = "manual"
    trigger_threshold: int = 0


class EmergencyStepIn(Schema):
    code: str = Field(max_length=12)
    kind: str = ""
    title_zh: str
    title_en: str = ""
    role: str
    unit: str
    target_minutes: int
    after: list[str] = []
    checklist: list[str] = []


class EmergencyInjectIn(Schema):
    offset_minutes: int
    kind: str
    text_zh: str
    text_en: str = ""
    data: dict[str, Any] = {}


class EmergencyVersionIn(Schema):
    review_due: date
    note: str = ""
    steps: list[EmergencyStepIn] = Field(max_length=services.MAX_STEPS)
    injects: list[EmergencyInjectIn] = []


class EmergencyActivateIn(Schema):
    exercise: bool = False


class EmergencyBoardStepOut(Schema):
    code: str
    kind: str
    title: str
    unit: str
    target_at: datetime
    target_minutes: int
    elapsed_minutes: float
    minutes_taken: float | None
    done: bool
    late: bool
    who: str
    rating: str
    rating_note: str
    task: UUID | None


class EmergencyDrillEventOut(Schema):
    at: datetime
    kind: str
    text: str
    data: dict[str, Any]


class EmergencyImprovementOut(Schema):
    id: UUID
    text: str
    owner: str
    due_at: datetime
    task: UUID
    task_state: str


class EmergencyActivationOut(Schema):
    id: UUID
    plan: str
    version: int
    exercise: bool
    state: str
    started_at: datetime
    ended_at: datetime | None
    summary: dict[str, int]
    steps: list[EmergencyBoardStepOut]
    events: list[EmergencyDrillEventOut]
    improvements: list[EmergencyImprovementOut]

    @staticmethod
    def from_row(a: Activation) -> dict[str, Any]:
        rows = queries.board(a)
        return {
            "id": a.public_id,
            "plan": a.plan.code,
            "version": a.version.number,
            "exercise": a.exercise,
            "state": a.state,
            "started_at": a.started_at,
            "ended_at": a.ended_at,
            "summary": queries.board_summary(rows),
            "steps": [
                {
                    "code": r.step.step.code,
                    "kind": r.step.step.kind,
                    "title": r.step.step.title,
                    "unit": r.step.unit.code,
                    "target_at": r.step.target_at,
                    "target_minutes": r.target_minutes,
                    "elapsed_minutes": r.elapsed_minutes,
                    "minutes_taken": r.minutes_taken,
                    "done": r.done,
                    "late": r.late,
                    "who": r.who,
                    "rating": r.step.rating,
                    "rating_note": r.step.rating_note,
                    "task": r.step.task.public_id if r.step.task else None,
                }
                for r in rows
            ],
            "events": [{"at": e.at, "kind": e.kind, "text": e.text, "data": e.data} for e in a.drill_events.all()],
            "improvements": [
                {
                    "id": i.public_id,
                    "text": i.text,
                    "owner": i.owner_unit.code,
                    "due_at": i.due_at,
                    "task": i.task.public_id,
                    "task_state": i.task.state,
                }
                for i in a.improvements.select_related("owner_unit", "task")
            ],
        }


class EmergencyNoteIn(Schema):
    note: str = ""


class EmergencyRatingIn(Schema):
    rating: str
    note: str = ""


class EmergencyImprovementIn(Schema):
    text: str
    owner: str
    due_at: datetime


class EmergencyReasonIn(Schema):
    reason: str


class EmergencySuggestionOut(Schema):
    id: UUID
    plan: str
    fired_at: datetime
    situation: dict[str, Any]
    state: str
    reason: str
    activation: UUID | None


def _unit(scope: Scope, code: str | None) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.select_related("jurisdiction").filter(code=code).first()
    if unit is None or not scope.reaches_unit(unit):
        raise DomainError("unit_not_found", _("No such unit within your reach."), status=404)
    return unit


def _suggestion(f: Any) -> dict[str, Any]:
    act = getattr(f, "activation", None)
    return {
        "id": f.public_id,
        "plan": f.plan.code,
        "fired_at": f.fired_at,
        "situation": f.situation,
        "state": f.state,
        "reason": f.reason,
        "activation": act.public_id if act else None,
    }


@router.get("/plans", response={200: list[EmergencyPlanOut], **ERRORS}, summary="Emergency plans within reach")
def plans_list(request):
    return [EmergencyPlanOut.from_row(p) for p in queries.plans(Scope.of(request.auth))[:200]]


@router.post("/plans", response={201: EmergencyPlanOut, **ERRORS}, summary="Create a plan (a command over its scope)")
def plan_create(request, body: EmergencyPlanIn):
    from guomen.places.models import Jurisdiction

    scope = Scope.of(request.auth)
    owner = _unit(scope, body.owner_unit)
    place = None
    if body.jurisdiction:
        place = Jurisdiction.objects.filter(code=body.jurisdiction).first()
        if place is None:
            raise DomainError("jurisdiction_not_found", _("No such place."), status=404)
    p = services.plan_create(
        actor=request.auth,
        code=body.code,
        name_zh=body.name_zh,
        name_en=body.name_en,
        scenario=body.scenario,
        owner_unit=owner,
        jurisdiction=place,
        facility=_unit(scope, body.facility),
        trigger_kind=body.trigger_kind,
        trigger_threshold=body.trigger_threshold,
    )
    return Status(201, EmergencyPlanOut.from_row(p))


@router.get("/plans/{code}", response={200: EmergencyPlanOut, **ERRORS}, summary="One plan with its versions and steps")
def plan_get(request, code: str):
    return EmergencyPlanOut.from_row(queries.plan_get(Scope.of(request.auth), code))


@router.post("/plans/{code}/versions", response={201: EmergencyPlanOut, **ERRORS}, summary="A new version with its steps and script")
def version_create(request, code: str, body: EmergencyVersionIn):
    scope = Scope.of(request.auth)
    plan = queries.plan_get(scope, code)
    units = {s.unit: _unit(scope, s.unit) for s in body.steps}
    services.version_create(
        actor=request.auth,
        plan=plan,
        review_due=body.review_due,
        note=body.note,
        steps=[{**s.dict(), "unit": units[s.unit]} for s in body.steps],
        injects=[i.dict() for i in body.injects],
    )
    return Status(201, EmergencyPlanOut.from_row(plan))


@router.post("/plans/{code}/versions/{number}/approve", response={200: EmergencyPlanOut, **ERRORS}, summary="Approve a version")
def version_approve(request, code: str, number: int):
    plan = queries.plan_get(Scope.of(request.auth), code)
    version = queries.scope_get(plan.versions.all(), number=number)
    services.version_approve(actor=request.auth, version=version)
    return EmergencyPlanOut.from_row(plan)


@router.post("/plans/{code}/activate", response={201: EmergencyActivationOut, **ERRORS}, summary="Activate a plan (real or drill)")
def plan_activate(request, code: str, body: EmergencyActivateIn):
    plan = queries.plan_get(Scope.of(request.auth), code)
    act = services.activate(actor=request.auth, plan=plan, exercise=body.exercise)
    return Status(201, EmergencyActivationOut.from_row(act))


@router.get("/activations", response={200: list[EmergencyActivationOut], **ERRORS}, summary="Activations within reach")
def activations_list(request, exercise: bool | None = None):
    qs = queries.activations(Scope.of(request.auth))
    if exercise is not None:
        qs = qs.filter(exercise=exercise)
    return [EmergencyActivationOut.from_row(a) for a in qs[:50]]


@router.get("/activations/{activation_id}", response={200: EmergencyActivationOut, **ERRORS}, summary="The live board of an activation")
def activation_get(request, activation_id: UUID):
    return EmergencyActivationOut.from_row(queries.activation_get(Scope.of(request.auth), activation_id))


def _step(request, activation_id: UUID, code: str) -> tuple[Activation, Any]:
    act = queries.activation_get(Scope.of(request.auth), activation_id)
    return act, queries.scope_get(act.steps.all(), step__code=code)


@router.post(
    "/activations/{activation_id}/steps/{code}/complete", response={200: EmergencyActivationOut, **ERRORS}, summary="Report a step done"
)
def step_complete(request, activation_id: UUID, code: str, body: EmergencyNoteIn):
    act, step = _step(request, activation_id, code)
    services.step_complete(actor=request.auth, step=step, note=body.note)
    return EmergencyActivationOut.from_row(act)


@router.post(
    "/activations/{activation_id}/steps/{code}/rating", response={200: EmergencyActivationOut, **ERRORS}, summary="Rate a step P/S/M/U"
)
def step_rate(request, activation_id: UUID, code: str, body: EmergencyRatingIn):
    act, step = _step(request, activation_id, code)
    services.step_rate(actor=request.auth, step=step, rating=body.rating, note=body.note)
    return EmergencyActivationOut.from_row(act)


@router.post(
    "/activations/{activation_id}/injects/{n}/play",
    response={200: EmergencyActivationOut, **ERRORS},
    summary="Play a line of the script now",
)
def inject_play(request, activation_id: UUID, n: int):
    act = queries.activation_get(Scope.of(request.auth), activation_id)
    injects = list(act.version.injects.all())
    if not 1 <= n <= len(injects):
        raise DomainError("inject_not_found", _("No such inject in this drill's script."), status=404)
    services.inject_play(actor=request.auth, activation=act, inject=injects[n - 1])
    return EmergencyActivationOut.from_row(act)


@router.post("/activations/{activation_id}/end", response={200: EmergencyActivationOut, **ERRORS}, summary="End an activation")
def activation_end(request, activation_id: UUID):
    act = queries.activation_get(Scope.of(request.auth), activation_id)
    return EmergencyActivationOut.from_row(services.activation_end(actor=request.auth, activation=act))


@router.post("/activations/{activation_id}/clear", response={200: EmergencyActivationOut, **ERRORS}, summary="Clear a drill's records")
def drill_clear(request, activation_id: UUID):
    act = queries.activation_get(Scope.of(request.auth), activation_id)
    return EmergencyActivationOut.from_row(services.drill_clear(actor=request.auth, activation=act))


@router.post(
    "/activations/{activation_id}/improvements",
    response={201: EmergencyActivationOut, **ERRORS},
    summary="An improvement item (a dispatch task)",
)
def improvement_add(request, activation_id: UUID, body: EmergencyImprovementIn):
    scope = Scope.of(request.auth)
    act = queries.activation_get(scope, activation_id)
    services.improvement_add(actor=request.auth, activation=act, text=body.text, owner_unit=_unit(scope, body.owner), due_at=body.due_at)
    return Status(201, EmergencyActivationOut.from_row(act))


@router.get("/suggestions", response={200: list[EmergencySuggestionOut], **ERRORS}, summary="Plans suggested by their trigger rules")
def suggestions(request):
    return [_suggestion(f) for f in queries.firings(Scope.of(request.auth))[:100]]


@router.post("/suggestions/{firing_id}/activate", response={201: EmergencyActivationOut, **ERRORS}, summary="Activate a suggested plan")
def suggestion_activate(request, firing_id: UUID):
    f = queries.scope_get(queries.firings(Scope.of(request.auth)), public_id=firing_id)
    return Status(201, EmergencyActivationOut.from_row(services.firing_activate(actor=request.auth, firing=f)))


@router.post(
    "/suggestions/{firing_id}/dismiss", response={200: EmergencySuggestionOut, **ERRORS}, summary="Dismiss a suggestion with a reason"
)
def suggestion_dismiss(request, firing_id: UUID, body: EmergencyReasonIn):
    f = queries.scope_get(queries.firings(Scope.of(request.auth)), public_id=firing_id)
    return _suggestion(services.firing_dismiss(actor=request.auth, firing=f, reason=body.reason))


@router.get("/readiness", response={200: dict[str, Any], **ERRORS}, summary="Readiness figures for the command")
def readiness(request):
    return queries.readiness(Scope.of(request.auth))
