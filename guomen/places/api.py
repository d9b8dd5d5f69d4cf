"""Jurisdictions and passages, always within the caller's reach."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from guomen.core.schemas import ERRORS
from guomen.org.scoping import Scope

from .models import Jurisdiction, Level, Passage, PassageKind

router = Router(tags=["places"])


class JurisdictionOut(Schema):
    code: str
    level: Level
    name_zh: str
    name_en: str
    parent: str | None
    borders: list[str]
    lon: float | None
    lat: float | None
    coord_approximate: bool
    is_demo: bool


class JurisdictionFilter(Schema):
    level: Level | None = None
    parent: str | None = None


def _jur_out(j: Jurisdiction) -> dict:
    return {
        "code": j.code,
        "level": j.level,
        "name_zh": j.name_zh,
        "name_en": j.name_en,
        "parent": j.path.strip("/").split("/")[-2] if j.parent_id else None,
        "borders": j.borders,
        "lon": j.lon,
        "lat": j.lat,
        "coord_approximate": j.coord_approximate,
        "is_demo": j.is_demo,
    }


@router.get("/jurisdictions", response={200: list[JurisdictionOut], **ERRORS}, summary="Jurisdictions within reach")
def jurisdictions(request: HttpRequest, filters: Query[JurisdictionFilter]):
    qs = Scope.of(request.auth).filter(Jurisdiction.objects.all())
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    return [_jur_out(j) for j in qs]


@router.get("/jurisdictions/{code}", response={200: JurisdictionOut, **ERRORS}, summary="One jurisdiction")
def jurisdiction(request: HttpRequest, code: str):
    return _jur_out(Scope.of(request.auth).get(Jurisdiction.objects.all(), code=code))


class PassageOut(Schema):
    code: str
    kind: PassageKind
    name_zh: str
    name_en: str
    county: str
    neighbour: str
    counterpart_zh: str
    counterpart_en: str
    port_class: str
    lon: float | None
    lat: float | None
    coord_approximate: bool
    is_demo: bool


def _passage_out(p: Passage) -> dict:
    return {
        "code": p.code,
        "kind": p.kind,
        "name_zh": p.name_zh,
        "name_en": p.name_en,
        "county": p.county.code,
        "neighbour": p.neighbour,
        "counterpart_zh": p.counterpart_zh,
        "counterpart_en": p.counterpart_en,
        "port_class": p.port_class,
        "lon": p.lon,
        "lat": p.lat,
        "coord_approximate": p.coord_approximate,
        "is_demo": p.is_demo,
    }


@router.get("/passages", response={200: list[PassageOut], **ERRORS}, summary="Ports and passages within reach")
def passages(request: HttpRequest, kind: PassageKind | None = None):
    qs = Scope.of(request.auth).filter(Passage.objects.select_related("county"))
    if kind:
        qs = qs.filter(kind=kind)
    return [_passage_out(p) for p in qs]


@router.get("/passages/{code}", response={200: PassageOut, **ERRORS}, summary="One passage")
def passage(request: HttpRequest, code: str):
    return _passage_out(Scope.of(request.auth).get(Passage.objects.select_related("county"), code=code))
