"""The closed loop over HTTP: every flow, scoped, idempotent with the Idempotency-Key header."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, Literal

from django.db import connection
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, ValidationError

from guomen.alerts import api as alert_api
from guomen.alerts import queries as alert_queries
from guomen.alerts.api import AlertOut, alert_out
from guomen.core.apiauth import BROWSER_SESSION, Reading, TokenAuth
from guomen.core.schemas import ERRORS, Instant, Paging
from guomen.lib.errors import DomainError
from guomen.org.models import Unit
from guomen.org.scoping import Scope
from guomen.people.models import IdentityDocument, Person

from . import handover, queries, services
from .models import Disposition, Journey, Origin, Risk, State
from .projection import flags
from .services import SYMPTOMS

router = Router(tags=["loop"])
Symptom = Literal[SYMPTOMS]  # type: ignore[valid-type]


# --- schemas ----------------------------------------------------------------------------------------
class EventOut(Schema):
    seq: int
    kind: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    unit: str
    actor: str | None
    data: dict[str, Any]


class JourneyOut(Schema):
    code: str
    id: uuid.UUID
    person: uuid.UUID
    person_name: str
    origin: Origin
    port: str | None
    origin_country: str
    destination: str | None
    risk: Risk
    policy: str
    state: State
    custodian: str
    jurisdiction: str
    due_at: dt.datetime | None
    awaiting: str
    pending_unit: str | None
    expected_at: dt.datetime | None
    room: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    alert_open: bool
    flags: list[Literal["fever", "symptoms", "positive"]] = Field(
        description="what stands against moving the person anywhere but a hospital (latest screening or check, unanswered positive)"
    )


class JourneyDetail(JourneyOut):
    events: list[EventOut]


def _out(j: Journey) -> dict[str, Any]:
    return {
        "code": j.code,
        "id": j.public_id,
        "person": j.person.public_id,
        "person_name": j.person.name_native,
        "origin": j.origin,
        "port": j.port.code if j.port_id else None,
        "origin_country": j.origin_country,
        "destination": j.destination.code if j.destination_id else None,
        "risk": j.risk,
        "policy": str(j.policy),
        "state": j.state,
        "custodian": j.custodian.code,
        "jurisdiction": j.jurisdiction.code,
        "due_at": j.due_at,
        "awaiting": j.awaiting,
        "pending_unit": j.pending_unit.code if j.pending_unit_id else None,
        "expected_at": j.expected_at,
        "room": j.room,
        "opened_at": j.opened_at,
        "closed_at": j.closed_at,
        "alert_open": j.alert_open,
        "flags": flags(j.facts or {}),
    }


def _detail(j: Journey) -> dict[str, Any]:
    events = j.events.select_related("unit", "actor").order_by("seq")
    return {
        **_out(j),
        "events": [
            {
                "seq": e.seq,
                "kind": e.kind,
                "occurred_at": e.occurred_at,
                "recorded_at": e.recorded_at,
                "unit": e.unit.code,
                "actor": e.actor.get_username() if e.actor_id else None,
                "data": e.data,
            }
            for e in events
        ],
    }


def _scope(request: HttpRequest) -> Scope:
    return Scope.of(request.auth)


def _journey(request: HttpRequest, code: str) -> Journey:
    return queries.journey_get(_scope(request), code)


def _unit(request: HttpRequest, code: str) -> Unit:
    """A unit the caller acts for (their own), or 404."""
    scope = _scope(request)
    unit = Unit.objects.select_related("jurisdiction", "passage").filter(code=code).first()
    if unit is None or not scope.reaches_unit(unit):
        raise DomainError("unknown_unit", _("No such unit within your reach: %(code)s") % {"code": code}, status=404)
    return unit


def _target(code: str) -> Unit:
    """A receiving unit: any active unit may be named as a handover's receiver (the directory is shared)."""
    unit = Unit.objects.select_related("jurisdiction").filter(code=code, active=True).first()
    if unit is None:
        raise DomainError("unknown_unit", _("No such unit: %(code)s") % {"code": code}, status=422)
    return unit


def _person(request: HttpRequest, public_id: uuid.UUID) -> Person:
    from guomen.people.queries import person_get

    return person_get(scope=_scope(request), public_id=public_id)


# --- reads ---------------------------------------------------------------------------------------------
class JourneyFilter(Paging):
    state: State | None = None
    unit: str | None = Field(None, description="custodian or receiving unit code")
    q: str | None = Field(None, description="loop code, name, pinyin or document number")
    overdue: bool = False


@router.get("/journeys", response={200: list[JourneyOut], **ERRORS}, summary="Journeys within reach")
def journeys(request: HttpRequest, f: Query[JourneyFilter]):
    qs = queries.journey_search(_scope(request), state=f.state or "", unit_code=f.unit or "", q=f.q or "", overdue=f.overdue)
    return [_out(j) for j in qs.order_by("due_at", "pk")[f.offset : f.offset + f.limit]]


@router.get("/journeys/{code}", response={200: JourneyDetail, **ERRORS}, summary="One journey with its events")
def journey(request: HttpRequest, code: str):
    return _detail(_journey(request, code))


# --- beginnings -----------------------------------------------------------------------------------------
class Beginning(Schema):
    person: uuid.UUID
    risk: Risk = Risk.MEDIUM
    origin_country: str = Field("", max_length=3)
    origin_place: str = Field("", max_length=120)
    destination: str | None = Field(None, description="division code of the home county, township or village")


def _destination(code: str | None):
    if not code:
        return None
    from guomen.places.models import Jurisdiction

    j = Jurisdiction.objects.filter(code=code).first()
    if j is None:
        raise DomainError("unknown_destination", _("Unknown division code: %(code)s") % {"code": code}, status=422)
    return j


class DeclarationIn(Beginning):
    port_unit: str
    expected_at: Instant


@router.post("/declarations", response={201: JourneyOut, **ERRORS}, summary="Declare a person before arrival")
def declare(request: HttpRequest, payload: DeclarationIn):
    j = services.journey_declare(
        actor=request.auth,
        port_unit=_unit(request, payload.port_unit),
        person=_person(request, payload.person),
        expected_at=payload.expected_at,
        risk=payload.risk,
        origin_country=payload.origin_country,
        origin_place=payload.origin_place,
        destination=_destination(payload.destination),
    )
    return Status(201, _out(j))


class ArrivalIn(Schema):
    port_unit: str
    journey: str | None = Field(None, description="loop code of a declared journey")
    person: uuid.UUID | None = None
    risk: Risk = Risk.MEDIUM
    origin_country: str = Field("", max_length=3)
    origin_place: str = Field("", max_length=120)
    destination: str | None = None
    occurred_at: Instant | None = None


@router.post("/arrivals", response={201: JourneyOut, **ERRORS}, summary="Arrival at a port (declared or not)")
def arrive(request: HttpRequest, payload: ArrivalIn):
    unit = _unit(request, payload.port_unit)
    j = services.journey_arrive(
        actor=request.auth,
        unit=unit,
        journey=_journey(request, payload.journey) if payload.journey else None,
        person=_person(request, payload.person) if payload.person else None,
        risk=payload.risk,
        origin_country=payload.origin_country,
        origin_place=payload.origin_place,
        destination=_destination(payload.destination),
        occurred_at=payload.occurred_at,
    )
    return Status(201, _out(j))


class InterceptionIn(Beginning):
    unit: str
    place: str = Field("", max_length=200)
    passage: str | None = None
    found_locally: bool = False
    occurred_at: dt.datetime | None = None


@router.post("/interceptions", response={201: JourneyOut, **ERRORS}, summary="Someone intercepted on the border or found locally")
def intercept(request: HttpRequest, payload: InterceptionIn):
    from guomen.places.models import Passage

    passage = Passage.objects.filter(code=payload.passage).first() if payload.passage else None
    if payload.passage and passage is None:
        raise DomainError("unknown_passage", _("Unknown passage: %(code)s") % {"code": payload.passage}, status=422)
    j = services.journey_intercept(
        actor=request.auth,
        unit=_unit(request, payload.unit),
        person=_person(request, payload.person),
        place=payload.place,
        passage=passage,
        found_locally=payload.found_locally,
        risk=payload.risk,
        occurred_at=payload.occurred_at,
        origin_country=payload.origin_country,
        origin_place=payload.origin_place or None,
        destination=_destination(payload.destination),
    )
    return Status(201, _out(j))


# --- at the gate ------------------------------------------------------------------------------------------
class DocumentCheckIn(Schema):
    document: uuid.UUID
    occurred_at: dt.datetime | None = None


@router.post(
    "/journeys/{code}/document-checks", response={201: EventOut, **ERRORS}, summary="Check a document (watch-list, expiry, duplicates)"
)
def document_check(request: HttpRequest, code: str, payload: DocumentCheckIn):
    j = _journey(request, code)
    doc = IdentityDocument.objects.filter(public_id=payload.document, person=j.person).first()
    if doc is None:
        raise DomainError("unknown_document", _("This person has no such document."), status=422)
    return Status(201, _event(services.document_check(actor=request.auth, journey=j, document=doc, occurred_at=payload.occurred_at)))


class ScreeningIn(Schema):
    temperature: float
    symptoms: list[Symptom] = []
    occurred_at: dt.datetime | None = None


def _event(e: Any) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "kind": e.kind,
        "occurred_at": e.occurred_at,
        "recorded_at": e.recorded_at,
        "unit": e.unit.code,
        "actor": e.actor.get_username() if e.actor_id else None,
        "data": e.data,
    }


@router.post("/journeys/{code}/screenings", response={201: EventOut, **ERRORS}, summary="Temperature and symptoms at the gate")
def screen(request: HttpRequest, code: str, payload: ScreeningIn):
    e = services.journey_screen(
        actor=request.auth,
        journey=_journey(request, code),
        temperature=payload.temperature,
        symptoms=payload.symptoms,
        occurred_at=payload.occurred_at,
    )
    return Status(201, _event(e))


class SampleIn(Schema):
    sample_id: str = Field(min_length=1, max_length=40)
    occurred_at: dt.datetime | None = None


@router.post("/journeys/{code}/samples", response={201: EventOut, **ERRORS}, summary="A sample taken")
def sample(request: HttpRequest, code: str, payload: SampleIn):
    return Status(
        201,
        _event(
            services.journey_sample(
                actor=request.auth, journey=_journey(request, code), sample_id=payload.sample_id, occurred_at=payload.occurred_at
            )
        ),
    )


class ResultIn(SampleIn):
    result: Literal["positive", "negative"]


@router.post("/journeys/{code}/results", response={201: EventOut, **ERRORS}, summary="A test result (positive sends to hospital)")
def result(request: HttpRequest, code: str, payload: ResultIn):
    return Status(
        201,
        _event(
            services.journey_test_result(
                actor=request.auth,
                journey=_journey(request, code),
                sample_id=payload.sample_id,
                result=payload.result,
                occurred_at=payload.occurred_at,
            )
        ),
    )


class DispositionIn(Schema):
    disposition: Disposition
    to_unit: str | None = None
    via_unit: str | None = Field(None, description="a transfer team that carries the person")
    expected_at: dt.datetime | None = None
    note: str = Field("", max_length=300)
    override_reason: str = Field("", max_length=300, description="command only: send a flagged person elsewhere than hospital")


@router.post("/journeys/{code}/disposition", response={200: JourneyOut, **ERRORS}, summary="Decide where the person goes")
def dispose(request: HttpRequest, code: str, payload: DispositionIn):
    j = services.journey_dispose(
        actor=request.auth,
        journey=_journey(request, code),
        disposition=payload.disposition,
        to_unit=_target(payload.to_unit) if payload.to_unit else None,
        via_unit=_target(payload.via_unit) if payload.via_unit else None,
        expected_at=payload.expected_at,
        note=payload.note,
        override_reason=payload.override_reason,
    )
    return _out(j)


# --- handover ---------------------------------------------------------------------------------------------
class OfferIn(Schema):
    to_unit: str
    expected_at: dt.datetime | None = None
    override_reason: str = Field("", max_length=300, description="command only: send a flagged person elsewhere than hospital")


@router.post("/journeys/{code}/handover", response={201: EventOut, **ERRORS}, summary="Offer custody to a named unit")
def offer(request: HttpRequest, code: str, payload: OfferIn):
    e = services.handover_offer(
        actor=request.auth,
        journey=_journey(request, code),
        to_unit=_target(payload.to_unit),
        expected_at=payload.expected_at,
        override_reason=payload.override_reason,
    )
    return Status(201, _event(e))


class WithdrawIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


@router.post(
    "/journeys/{code}/handover/withdraw", response={200: JourneyOut, **ERRORS}, summary="Withdraw an offer not yet accepted (the sender)"
)
def withdraw(request: HttpRequest, code: str, payload: WithdrawIn):
    return _out(handover.handover_withdraw(actor=request.auth, journey=_journey(request, code), reason=payload.reason))


class RedirectIn(OfferIn):
    reason: str = Field(min_length=1, max_length=300)


@router.post(
    "/journeys/{code}/handover/redirect",
    response={201: EventOut, **ERRORS},
    summary="Offer to another receiver instead, before acceptance (the sender)",
)
def redirect(request: HttpRequest, code: str, payload: RedirectIn):
    e = handover.handover_redirect(
        actor=request.auth,
        journey=_journey(request, code),
        to_unit=_target(payload.to_unit),
        reason=payload.reason,
        expected_at=payload.expected_at,
        override_reason=payload.override_reason,
    )
    return Status(201, _event(e))


class AcceptIn(Schema):
    room: str = Field("", max_length=20)
    card_code: str = Field("", max_length=16, description="the code read from the person's loop card")
    without_card_reason: str = Field("", max_length=300, description="why the card is not at hand (if no card_code)")


@router.post("/journeys/{code}/handover/accept", response={200: JourneyOut, **ERRORS}, summary="Accept custody (the receiver)")
def accept(request: HttpRequest, code: str, payload: AcceptIn):
    j = _journey(request, code)
    if j.pending_unit is None:
        raise DomainError("no_handover", _("No handover is waiting for this person."), status=409)
    j = services.handover_accept(
        actor=request.auth,
        journey=j,
        unit=j.pending_unit,
        room=payload.room,
        card_code=payload.card_code,
        without_card_reason=payload.without_card_reason,
    )
    return _out(j)


class RefuseIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


@router.post("/journeys/{code}/handover/refuse", response={200: JourneyOut, **ERRORS}, summary="Refuse custody; the sender decides again")
def refuse(request: HttpRequest, code: str, payload: RefuseIn):
    j = _journey(request, code)
    if j.pending_unit is None:
        raise DomainError("no_handover", _("No handover is waiting for this person."), status=409)
    return _out(services.handover_refuse(actor=request.auth, journey=j, unit=j.pending_unit, reason=payload.reason))


# --- follow-up ---------------------------------------------------------------------------------------------
class CheckIn(Schema):
    temperature: float
    symptoms: list[Symptom] = []
    occurred_at: dt.datetime | None = None


def _custody_with_token(request: HttpRequest) -> Reading | None:
    """The check's read of the journey (``queries.journey_in_custody``) for the token's user, sent
    in the token's own lookup: the busiest write needs one round trip less. With it, when the body
    holds a normal check, the check's write itself (``services.token_check``): one round trip in
    all. PostgreSQL only, where the check has its optimistic path."""
    match = request.resolver_match
    code = match.kwargs.get("code") if match is not None else None
    if not isinstance(code, str) or connection.vendor != "postgresql":
        return None
    sql, params = queries.custody_read_with_token(code)
    check = _token_check(request)
    width = check.write_width if check is not None else 0

    def take(req: HttpRequest, user: Any, row: tuple[Any, ...]) -> None:
        j = queries.journey_from_custody_row(row[: len(row) - width])
        req.custody_read = (code, j)
        written = check.event(j, user, row[len(row) - width :]) if check is not None and j is not None else None
        if written is not None:
            req.custody_written = (code, written)

    return Reading(sql, params, take, check.write if check is not None else None)


def _token_check(request: HttpRequest) -> services.TokenCheck | None:
    """The body read as the operation reads it (JSON, ``CheckIn``), for ``services.token_check``;
    None for anything it does not take (the operation then answers as usual)."""
    try:
        payload = CheckIn.model_validate(json.loads(request.body))
    except (ValueError, RecursionError, ValidationError):  # a body nested too deep raises RecursionError
        return None
    return services.token_check(temperature=payload.temperature, symptoms=payload.symptoms, occurred_at=payload.occurred_at)


@router.post(
    "/journeys/{code}/checks",
    response={201: EventOut, **ERRORS},
    auth=[TokenAuth(reading=_custody_with_token), BROWSER_SESSION],  # the API's own two, the token carrying the read (and the write)
    summary="One health check (facility or home)",
)
def check(request: HttpRequest, code: str, payload: CheckIn):
    written = getattr(request, "custody_written", None)
    if written is not None and written[0] == code:
        return Status(201, _event(written[1]))  # written with the token's lookup (``services.token_check``)
    read = getattr(request, "custody_read", None)
    e = services.health_check_by_code(
        actor=request.auth,
        code=code,
        temperature=payload.temperature,
        symptoms=payload.symptoms,
        occurred_at=payload.occurred_at,
        read=read[1] if read is not None and read[0] == code else services.UNREAD,
    )
    return Status(201, _event(e))


class BatchItem(Schema):
    journey: str
    temperature: float
    symptoms: list[Symptom] = []
    occurred_at: dt.datetime | None = None


class BatchIn(Schema):
    unit: str
    items: list[BatchItem] = Field(min_length=1, max_length=2000)


class BatchResult(Schema):
    index: int
    journey: str
    ok: bool
    seq: int | None = None
    state: str | None = None
    code: str | None = None
    message: str | None = None


class BatchOut(Schema):
    accepted: int
    rejected: int
    results: list[BatchResult]


@router.post("/checks/batch", response={200: BatchOut, **ERRORS}, summary="Many health checks from one unit at once")
def checks_batch(request: HttpRequest, payload: BatchIn):
    results = services.health_checks_batch(actor=request.auth, unit=_unit(request, payload.unit), items=[i.dict() for i in payload.items])
    ok = sum(1 for r in results if r["ok"])
    return {"accepted": ok, "rejected": len(results) - ok, "results": results}


class ReportIn(Schema):
    condition: Literal["stable", "improving", "serious", "critical", "recovered"]
    note: str = Field("", max_length=300)


@router.post("/journeys/{code}/hospital-reports", response={201: EventOut, **ERRORS}, summary="Daily hospital status report")
def report(request: HttpRequest, code: str, payload: ReportIn):
    return Status(
        201,
        _event(
            services.hospital_report(actor=request.auth, journey=_journey(request, code), condition=payload.condition, note=payload.note)
        ),
    )


class OverrideIn(Schema):
    override_reason: str = Field("", max_length=300, description="only command may override the policy, with a reason")


@router.post("/journeys/{code}/release", response={200: JourneyOut, **ERRORS}, summary="Release from quarantine")
def release(request: HttpRequest, code: str, payload: OverrideIn):
    j = _journey(request, code)
    services.journey_release(actor=request.auth, journey=j, override_reason=payload.override_reason)
    j.refresh_from_db()
    return _out(j)


@router.post("/journeys/{code}/close", response={200: JourneyOut, **ERRORS}, summary="Close the journey (follow-up complete)")
def close(request: HttpRequest, code: str, payload: OverrideIn):
    j = _journey(request, code)
    services.journey_close(actor=request.auth, journey=j, override_reason=payload.override_reason)
    j.refresh_from_db()
    return _out(j)


# --- alerts (moved to /api/alerts/; these paths stay for older clients) --------------------------------------
@router.get("/alerts", response={200: list[AlertOut], **ERRORS}, summary="Alerts within reach (see /api/alerts/)", deprecated=True)
def alerts(request: HttpRequest, open_only: bool = True, limit: int = Query(200, ge=1, le=1000)):
    qs = alert_queries.within(_scope(request), state="open" if open_only else "all").select_related("unit__jurisdiction", "assigned_to")
    return [alert_out(a) for a in qs.order_by("-opened_at")[:limit]]


@router.post("/alerts/{uuid:alert_id}/acknowledge", response={200: AlertOut, **ERRORS}, summary="Acknowledge an alert", deprecated=True)
def acknowledge(request: HttpRequest, alert_id: uuid.UUID):
    return alert_api.acknowledge(request, alert_id)


@router.post("/alerts/{uuid:alert_id}/close", response={200: AlertOut, **ERRORS}, summary="Close an alert with a note", deprecated=True)
def close_alert(request: HttpRequest, alert_id: uuid.UUID, payload: alert_api.CloseIn):
    return alert_api.close(request, alert_id, payload)
