"""Health records out as HL7 FHIR R4 (mounted at /api/fhir): a Bundle per journey and a bulk NDJSON
export per jurisdiction and day. Scoped like every read, audited like every full view."""

from __future__ import annotations

import json
from datetime import date

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from guomen.core.schemas import ERRORS

from . import fhir

router = Router(tags=["fhir"])
FHIR_JSON = "application/fhir+json; charset=utf-8"
FHIR_NDJSON = "application/fhir+ndjson; charset=utf-8"


class ExportQuery(Schema):
    j: str
    day: date


@router.get(
    "/journeys/{code}",
    response={200: dict, **ERRORS},
    summary="A journey's health record as a FHIR R4 Bundle (audited)",
    openapi_extra={"responses": {"200": {"content": {"application/fhir+json": {}}}}},
)
def journey_bundle(request: HttpRequest, code: str) -> HttpResponse:
    bundle = fhir.journey_bundle(actor=request.auth, code=code, request=request)
    resp = HttpResponse(json.dumps(bundle, ensure_ascii=False), content_type=FHIR_JSON)
    resp["Cache-Control"] = "no-store"
    return resp


@router.get(
    "/export",
    response={200: str, **ERRORS},
    summary="Bulk NDJSON: one Bundle per journey of a jurisdiction with events on a day (command roles, audited)",
    openapi_extra={"responses": {"200": {"content": {"application/fhir+ndjson": {}}}}},
)
def bulk_export(request: HttpRequest, q: Query[ExportQuery]) -> HttpResponse:
    lines = fhir.bulk_export(actor=request.auth, jurisdiction=q.j, day=q.day, request=request)
    resp = HttpResponse("".join(line + "\n" for line in lines), content_type=FHIR_NDJSON)
    resp["Content-Disposition"] = f'attachment; filename="fhir-{q.j}-{q.day.isoformat()}.ndjson"'
    resp["Cache-Control"] = "no-store"
    return resp
