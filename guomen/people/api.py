"""REST endpoints of this app (mounted in guomen/api.py under /api/people)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from guomen.core.schemas import ERRORS
from guomen.org.models import Unit
from guomen.org.scoping import Scope

from . import queries, services
from .models import Category, DocumentKind, DocumentWatch, IdentityDocument, Person, Sex, WatchReason

router = Router(tags=["people"])


class DocumentOut(Schema):
    public_id: uuid.UUID
    kind: DocumentKind
    issuing_country: str
    number_masked: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    border_county: str | None


class PersonOut(Schema):
    public_id: uuid.UUID
    name_native: str
    name_latin: str
    sex: Sex
    birth_date: dt.date | None
    nationality: str
    category: Category
    registered_by: str


class PersonDetail(PersonOut):
    phone: str
    documents: list[DocumentOut]


class DocumentIn(Schema):
    kind: DocumentKind
    number: str
    issuing_country: str
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    border_county: str | None = None


class PersonIn(Schema):
    unit: str
    name_native: str
    name_latin: str = ""
    sex: Sex = Sex.UNKNOWN
    birth_date: dt.date | None = None
    nationality: str
    phone: str = ""
    category: Category = Category.TRAVELLER
    documents: list[DocumentIn] = []


class RevealIn(Schema):
    reason: str


class RevealOut(Schema):
    document: uuid.UUID
    number: str


class MrzIn(Schema):
    text: str


class MrzOut(Schema):
    document_type: str
    kind: str
    issuing_country: str
    nationality: str
    surname: str
    given_names: str
    name_latin: str
    number: str
    birth_date: dt.date | None
    sex: str
    valid_until: dt.date | None
    optional_data: str
    known_country: bool


class ResidentIdIn(Schema):
    number: str


class ResidentIdOut(Schema):
    valid: bool
    birth_date: dt.date
    sex: Sex
    region_code: str
    warnings: list[str] = []  # doubts for the officer, e.g. an unknown region code


class WatchIn(Schema):
    kind: DocumentKind
    issuing_country: str
    number: str
    reason: WatchReason
    note: str = ""


class WatchOut(Schema):
    public_id: uuid.UUID
    kind: DocumentKind
    issuing_country: str
    number_masked: str
    reason: WatchReason
    note: str
    added_by: str
    active: bool
    created_at: dt.datetime


def _document_out(d: IdentityDocument) -> dict:
    return {
        "public_id": d.public_id,
        "kind": d.kind,
        "issuing_country": d.issuing_country,
        "number_masked": d.masked,
        "valid_from": d.valid_from,
        "valid_until": d.valid_until,
        "border_county": d.border_county.code if d.border_county_id else None,
    }


def _person_out(p: Person, *, detail: bool = False) -> dict:
    out = {
        "public_id": p.public_id,
        "name_native": p.name_native,
        "name_latin": p.name_latin,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "nationality": p.nationality,
        "category": p.category,
        "registered_by": p.registered_by.code,
    }
    if detail:
        out["phone"] = p.phone
        out["documents"] = [_document_out(d) for d in p.documents.select_related("border_county").order_by("created_at")]
    return out


def _watch_out(w: DocumentWatch) -> dict:
    return {
        "public_id": w.public_id,
        "kind": w.kind,
        "issuing_country": w.issuing_country,
        "number_masked": w.masked,
        "reason": w.reason,
        "note": w.note,
        "added_by": w.added_by.get_full_name() or w.added_by.username,
        "active": w.active,
        "created_at": w.created_at,
    }


@router.get("/search", response={200: list[PersonOut], **ERRORS}, summary="Find people by name, pinyin, initials or document number")
def search(request: HttpRequest, q: str):
    return [_person_out(p) for p in queries.people_search(scope=Scope.of(request.auth), q=q)]


@router.post("/", response={201: PersonDetail, **ERRORS}, summary="Register a person (a known document finds its person)")
def register(request: HttpRequest, payload: PersonIn):
    scope = Scope.of(request.auth)
    unit = scope.get(Unit.objects.select_related("jurisdiction"), code=payload.unit)
    person = services.person_register(
        actor=request.auth,
        unit=unit,
        name_native=payload.name_native,
        name_latin=payload.name_latin,
        sex=payload.sex,
        birth_date=payload.birth_date,
        nationality=payload.nationality,
        phone=payload.phone,
        category=payload.category,
        documents=[d.dict() for d in payload.documents],
    )
    return Status(201, _person_out(person, detail=True))


@router.post("/mrz", response={200: MrzOut, **ERRORS}, summary="Read a passport's machine-readable zone (TD3)")
def mrz(request: HttpRequest, payload: MrzIn):
    return services.mrz_parse(payload.text)


@router.post("/resident-id/validate", response={200: ResidentIdOut, **ERRORS}, summary="Check a PRC resident ID number")
def resident_id_validate(request: HttpRequest, payload: ResidentIdIn):
    facts = services.resident_id_check(payload.number)
    return {
        "valid": True,
        "birth_date": facts["birth_date"],
        "sex": facts["sex"],
        "region_code": facts["region_code"],
        "warnings": facts["warnings"],
    }


@router.get("/watch-list", response={200: list[WatchOut], **ERRORS}, summary="The document watch-list (command and port officers)")
def watch_list(request: HttpRequest, active: bool = True):
    services.require_watch_role(Scope.of(request.auth))
    return [_watch_out(w) for w in queries.watch_list(active=active)[:500]]


@router.post("/watch-list", response={201: WatchOut, **ERRORS}, summary="Watch a document (lost, stolen, forged, revoked)")
def watch_add(request: HttpRequest, payload: WatchIn):
    entry = services.watch_add(
        actor=request.auth,
        kind=payload.kind,
        issuing_country=payload.issuing_country,
        number=payload.number,
        reason=payload.reason,
        note=payload.note,
    )
    return Status(201, _watch_out(entry))


@router.post("/watch-list/{uuid:public_id}/deactivate", response={200: WatchOut, **ERRORS}, summary="Stop watching a document")
def watch_deactivate(request: HttpRequest, public_id: uuid.UUID):
    services.require_watch_role(Scope.of(request.auth))
    entry = queries.watch_get(public_id)
    return _watch_out(services.watch_deactivate(actor=request.auth, entry=entry))


@router.post("/documents/{uuid:public_id}/reveal", response={200: RevealOut, **ERRORS}, summary="A document number in full (audited)")
def reveal(request: HttpRequest, public_id: uuid.UUID, payload: RevealIn):
    scope = Scope.of(request.auth)
    document = queries.document_get(scope, public_id)
    number = services.identity_reveal(actor=request.auth, document=document, reason=payload.reason, request=request)
    return {"document": document.public_id, "number": number}


@router.get("/{uuid:public_id}", response={200: PersonDetail, **ERRORS}, summary="One person, documents masked")
def person(request: HttpRequest, public_id: uuid.UUID):
    return _person_out(queries.person_get(Scope.of(request.auth), public_id), detail=True)
