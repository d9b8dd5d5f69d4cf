"""Units within the caller's reach."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from guomen.core.schemas import ERRORS

from .models import Unit, UnitKind
from .scoping import Scope

router = Router(tags=["organisation"])


class UnitOut(Schema):
    code: str
    kind: UnitKind
    name_zh: str
    name_en: str
    jurisdiction: str
    port: str | None
    capacity: int | None
    phone: str
    active: bool
    is_demo: bool


def _unit_out(u: Unit) -> dict:
    return {
        "code": u.code,
        "kind": u.kind,
        "name_zh": u.name_zh,
        "name_en": u.name_en,
        "jurisdiction": u.jurisdiction.code,
        "port": u.passage.code if u.passage_id else None,
        "capacity": u.capacity,
        "phone": u.phone,
        "active": u.active,
        "is_demo": u.is_demo,
    }


@router.get("/units", response={200: list[UnitOut], **ERRORS}, summary="Units within reach")
def units(request: HttpRequest, kind: UnitKind | None = None, jurisdiction: str | None = None):
    qs = Scope.of(request.auth).filter(Unit.objects.select_related("jurisdiction", "passage"))
    if kind:
        qs = qs.filter(kind=kind)
    if jurisdiction:
        qs = qs.filter(jurisdiction__path__contains=f"/{jurisdiction}/")
    return [_unit_out(u) for u in qs]


@router.get("/units/{code}", response={200: UnitOut, **ERRORS}, summary="One unit")
def unit(request: HttpRequest, code: str):
    return _unit_out(Scope.of(request.auth).get(Unit.objects.select_related("jurisdiction", "passage"), code=code))
