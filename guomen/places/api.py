"""Jurisdictions and passages, always within the caller's reach."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from guomen.core.schemas import ERRORS
from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.scoping import Scope

from . import queries, services
from .models import BorderSegment, Jurisdiction, Level, Passage, PassageKind, Risk
from .reference import geojson

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


# --- border segments, layers and GeoJSON exchange --------------------------------------------------
class SegmentOut(Schema):
    code: str
    county: str
    neighbour: str
    length_km: float
    risk: Risk
    responsible_person: str | None
    responsible_unit: str | None
    responsibility: str
    tasks: str
    is_demo: bool


def _segment_out(s: BorderSegment) -> dict:
    return {
        "code": s.code,
        "county": s.county.code,
        "neighbour": s.neighbour,
        "length_km": s.length_km,
        "risk": s.risk,
        "responsible_person": s.responsible_person.username if s.responsible_person else None,
        "responsible_unit": s.responsible_unit.code if s.responsible_unit else None,
        "responsibility": s.responsibility,
        "tasks": s.tasks,
        "is_demo": s.is_demo,
    }


@router.get("/segments", response={200: list[SegmentOut], **ERRORS}, summary="Border segments within reach")
def segments(request: HttpRequest, without_person: bool = False):
    qs = queries.segments_without_person(request.auth) if without_person else queries.segments(request.auth)
    return [_segment_out(s) for s in qs]


class FeatureCollection(Schema):
    type: str
    features: list[dict[str, Any]]


def _date(value: str | None) -> dt.datetime:
    """The end of the given local day (or now): what was in force on that date."""
    if not value:
        return clock.now()
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise DomainError("bad_date", _("The date must be YYYY-MM-DD."), status=422) from exc
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


@router.get("/geojson/segments", response={200: FeatureCollection, **ERRORS}, summary="Border segments as a GeoJSON FeatureCollection")
def segments_geojson(request: HttpRequest, links: bool = False):
    return queries.segments_geojson(queries.segments(request.auth), links=links)


@router.get(
    "/geojson/passages",
    response={200: FeatureCollection, **ERRORS},
    summary="Ports and passages as a GeoJSON FeatureCollection, with their status on a date (YYYY-MM-DD, default today)",
)
def passages_geojson(request: HttpRequest, date: str | None = None, links: bool = False):
    qs = Scope.of(request.auth).filter(Passage.objects.all())
    return queries.passages_geojson(qs, at=_date(date), links=links)


@router.get("/geojson/villages", response={200: FeatureCollection, **ERRORS}, summary="Villages within reach as points")
def villages_geojson(request: HttpRequest):
    return queries.villages_geojson(request.auth)


@router.get("/geojson/facilities", response={200: FeatureCollection, **ERRORS}, summary="Quarantine facilities within reach as points")
def facilities_geojson(request: HttpRequest):
    return queries.facilities_geojson(request.auth)


BASE_LAYERS = {"countries": "ne_50m_admin0_chn_mmr_lao_vnm.geojson", "border-lines": "ne_10m_boundary_lines_chn_mmr_lao_vnm.geojson"}


@router.get(
    "/geojson/base/{name}",
    response={200: FeatureCollection, **ERRORS},
    summary="Shipped base map: Natural Earth 1:50m countries or 1:10m boundary lines (public domain)",
)
def base_layer(request: HttpRequest, name: str):
    if name not in BASE_LAYERS:
        raise Http404
    return geojson(BASE_LAYERS[name])


class ImportOut(Schema):
    created: int
    updated: int


@router.post(
    "/geojson/segments",
    response={200: ImportOut, **ERRORS},
    summary="Import border segments (a FeatureCollection of LineStrings, matched by code); one bad feature refuses all",
)
def segments_import(request: HttpRequest, body: FeatureCollection):
    return services.segments_import(actor=request.auth, collection=body.dict())


@router.post(
    "/geojson/passages",
    response={200: ImportOut, **ERRORS},
    summary="Import passages (a FeatureCollection of Points or LineStrings, matched by code); one bad feature refuses all",
)
def passages_import(request: HttpRequest, body: FeatureCollection):
    return services.passages_import(actor=request.auth, collection=body.dict())


# Changing a passage's or a village's status (its own module: the writes of the places API).
from .status_api import router as status_router  # noqa: E402

router.add_router("/", status_router)
