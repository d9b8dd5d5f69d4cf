"""Reads for places, always through the caller's Scope; GeoJSON out for the map and for export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from guomen.core import registry
from guomen.org.models import Unit, UnitKind
from guomen.org.scoping import Scope

from .models import (
    PORT_KINDS,
    BorderSegment,
    DeclarationState,
    Grid,
    Jurisdiction,
    Level,
    Passage,
    PassageStatusKind,
    SelfDeclaration,
    VillageStatus,
)
from .reference import village_short_zh
from .services import statuses_on


def segments(user: Any) -> QuerySet[BorderSegment]:
    return Scope.of(user).filter(BorderSegment.objects.select_related("county", "responsible_person", "responsible_unit"))


def segments_without_person(user: Any) -> QuerySet[BorderSegment]:
    return segments(user).filter(responsible_person__isnull=True)


def grids(user: Any) -> QuerySet[Grid]:
    return Scope.of(user).filter(Grid.objects.select_related("village", "village__parent", "worker"))


def grids_without_worker(user: Any) -> QuerySet[Grid]:
    return grids(user).filter(worker__isnull=True)


def villages(user: Any) -> QuerySet[Jurisdiction]:
    return Scope.of(user).filter(Jurisdiction.objects.filter(level=Level.VILLAGE))


MAP_LAYERS = "places.map_layers"  # fn(user) -> {"key", "label", "url"} of a point layer for the map, or None


def map_layers(user: Any) -> list[dict[str, Any]]:
    """Point layers that higher apps add to the staff map (public: approved notices), in order."""
    return [layer for fn in registry.hooks(MAP_LAYERS) if (layer := fn(user))]


VILLAGE_PAGE = "places.village_page"  # fn(scope, village, committees) -> more of the page's context


def village_page(user: Any, code: str) -> dict[str, Any]:
    """A village with its grids and workers, people under home monitoring, and status history."""
    scope = Scope.of(user)
    village = scope.get(Jurisdiction.objects.filter(level=Level.VILLAGE).select_related("parent", "parent__parent"), code=code)
    committees = list(Unit.objects.filter(jurisdiction=village, kind=UnitKind.VILLAGE_COMMITTEE))
    page = {
        "village": village,
        "grids": scope.filter(village.grids.select_related("worker")),
        "committees": committees,
        "statuses": scope.filter(VillageStatus.objects.filter(village=village).select_related("decided_by")),
        "declarations": scope.filter(SelfDeclaration.objects.filter(village=village, state=DeclarationState.PENDING)),
    }
    for section in registry.hooks(VILLAGE_PAGE):  # loop: "monitored", the people under home monitoring
        page.update(section(scope, village, committees))
    return page


def my_villages(user: Any) -> QuerySet[Jurisdiction]:
    """Villages whose committee the user acts for (grid workers)."""
    scope = Scope.of(user)
    units = [uid for uid in scope.unit_ids]
    qs = Jurisdiction.objects.filter(level=Level.VILLAGE, units__kind=UnitKind.VILLAGE_COMMITTEE).select_related("parent", "parent__parent")
    if not scope.everything:
        qs = qs.filter(units__in=units)
    return qs.distinct().order_by("path")


def pending_declarations(user: Any) -> QuerySet[SelfDeclaration]:
    return Scope.of(user).filter(SelfDeclaration.objects.filter(state=DeclarationState.PENDING).select_related("village"))


# --- GeoJSON --------------------------------------------------------------------------------------
def _fc(features: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features, **extra}


def segment_feature(s: BorderSegment, *, links: bool = False) -> dict[str, Any]:
    props: dict[str, Any] = {
        "code": s.code,
        "county": s.county.code,
        "neighbour": s.neighbour,
        "length_km": round(s.length_km, 3),
        "risk": s.risk,
        "responsible_person": s.responsible_person.username if s.responsible_person else None,
        "responsible_unit": s.responsible_unit.code if s.responsible_unit else None,
        "responsibility": s.responsibility,
        "tasks": s.tasks,
        "is_demo": s.is_demo,
    }
    if links:
        props |= {
            "county_name": s.county.name,
            "person_name": (s.responsible_person.get_full_name() or s.responsible_person.username) if s.responsible_person else "",
            "unit_name": s.responsible_unit.name if s.responsible_unit else "",
            "risk_label": str(s.get_risk_display()),
            "owned": s.responsible_person_id is not None,
            "url": reverse("segment_detail", args=[s.code]),
        }
    return {"type": "Feature", "geometry": s.geometry, "properties": props}


def segments_geojson(qs: QuerySet[BorderSegment], *, links: bool = False) -> dict[str, Any]:
    return _fc([segment_feature(s, links=links) for s in qs])


def passage_geometry(p: Passage) -> dict[str, Any] | None:
    if p.geometry:
        return p.geometry
    if p.lon is not None and p.lat is not None:
        return {"type": "Point", "coordinates": [p.lon, p.lat]}
    return None


def passages_geojson(qs: QuerySet[Passage], *, at: dt.datetime | None = None, links: bool = False) -> dict[str, Any]:
    rows = list(qs.select_related("county", "segment"))
    periods = statuses_on([p.pk for p in rows], at) if at is not None else {}
    features = []
    for p in rows:
        geometry = passage_geometry(p)
        if geometry is None:
            continue
        props: dict[str, Any] = {
            "code": p.code,
            "kind": p.kind,
            "name_zh": p.name_zh,
            "name_en": p.name_en,
            "county": p.county.code,
            "neighbour": p.neighbour,
            "segment": p.segment.code if p.segment else None,
            "allowed": p.allowed,
            "is_demo": p.is_demo,
        }
        if at is not None:
            period = periods.get(p.pk)
            props["status"] = period.status if period else PassageStatusKind.OPEN
            props["status_reason"] = period.reason if period else ""
        if links:
            props |= {
                "name": p.name,
                "kind_label": str(p.get_kind_display()),
                "is_port": p.kind in PORT_KINDS,
                "status_label": str(PassageStatusKind(props.get("status", "open")).label),
                "url": reverse("jurisdiction_detail", args=[p.county.code]),
            }
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return _fc(features)


def villages_geojson(user: Any) -> dict[str, Any]:
    qs = (
        villages(user)
        .filter(lon__isnull=False, lat__isnull=False)
        .select_related("parent")
        .annotate(n_grids=Count("grids", distinct=True), n_unnamed=Count("grids", filter=Q(grids__worker__isnull=True), distinct=True))
    )
    return _fc(
        [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [v.lon, v.lat]},
                "properties": {
                    "code": v.code,
                    "name": v.name,
                    "short": village_short_zh(v.name_zh) if v.name == v.name_zh else v.name,
                    "township": v.parent.name if v.parent else "",
                    "grids": v.n_grids,
                    "grids_without_worker": v.n_unnamed,
                    "url": reverse("village_detail", args=[v.code]),
                },
            }
            for v in qs
        ]
    )


def facilities_geojson(user: Any) -> dict[str, Any]:
    qs = Scope.of(user).filter(Unit.objects.filter(kind=UnitKind.QUARANTINE_FACILITY, active=True, lon__isnull=False, lat__isnull=False))
    return _fc(
        [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [u.lon, u.lat]},
                "properties": {"code": u.code, "name": u.name, "capacity": u.capacity, "url": reverse("unit_detail", args=[u.code])},
            }
            for u in qs
        ]
    )
