"""A journey's health record as HL7 FHIR R4: one ``collection`` Bundle per journey, plain JSON.

What the Bundle holds:

- **Patient** — the minimum: the loop code, sex, date of birth and name. A receiver whose role may
  not see identity (``Scope.may_see_identity``) gets the name masked (王*), the year of birth only,
  no document numbers, and the resource is labelled ``MASKED``; one who may also gets the identity
  documents in full.
- **Organization** — each unit that held the person, so that every reference resolves inside the
  Bundle.
- **Encounter** — one per custody period: from an arrival, interception or accepted handover to the
  next one or to the closing of the journey.
- **Observation** — body temperature (LOINC 8310-5, °C), each symptom reported (LOINC 75325-1 with
  its SNOMED CT finding) and each SARS-CoV-2 RNA result (LOINC 94500-6, SNOMED detected / not
  detected), each tied to the Encounter it happened in.

Resource ids are UUIDs derived from the journey and the event, so a second export gives the same
ids; references are ``urn:uuid:`` full URLs. Every export is a full view of personal health data and
is written to the access audit in the same transaction (``journey_bundle`` and ``bulk_export``).
The tests validate the output with the ``fhir.resources`` library.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.lib.localtime import local_day, zone
from guomen.org.models import Role, Unit
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

from . import queries
from .models import CustodyEvent, EventKind, Journey, State

NS = uuid.UUID("6f1c8e3e-0a2b-4d53-9a57-2f0f6c3b9d10")  # the namespace of guomen's FHIR ids
LOOP_CODE_SYSTEM = "urn:guomen:loop-code"
UNIT_CODE_SYSTEM = "urn:guomen:unit-code"
DOCUMENT_SYSTEM = "urn:guomen:identity-document"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SECURITY = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"

BODY_TEMPERATURE = {"system": LOINC, "code": "8310-5", "display": "Body temperature"}
SYMPTOM = {"system": LOINC, "code": "75325-1", "display": "Symptom"}
SARS_COV_2_RNA = {
    "system": LOINC,
    "code": "94500-6",
    "display": "SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with probe detection",
}
DETECTED = {"system": SNOMED, "code": "260373001", "display": "Detected"}
NOT_DETECTED = {"system": SNOMED, "code": "260415000", "display": "Not detected"}
SYMPTOM_CODES = {
    "cough": ("49727002", "Cough"),
    "sore_throat": ("162397003", "Pain in throat"),
    "breathless": ("267036007", "Dyspnea"),
    "fatigue": ("84229001", "Fatigue"),
    "loss_of_smell": ("44169009", "Loss of sense of smell"),
    "diarrhoea": ("62315008", "Diarrhea"),
}
# Encounter.class per state of custody (v3 ActCode).
ENCOUNTER_CLASS = {
    State.AT_GATE: ("AMB", "ambulatory"),
    State.INTERCEPTED: ("AMB", "ambulatory"),
    State.IN_TRANSIT: ("AMB", "ambulatory"),
    State.IN_FACILITY: ("NONAC", "inpatient non-acute"),
    State.IN_HOSPITAL: ("IMP", "inpatient encounter"),
    State.HOME_MONITORING: ("HH", "home health"),
}
GENDER = {"F": "female", "M": "male", "X": "unknown"}
STARTS = {EventKind.ARRIVED: State.AT_GATE, EventKind.INTERCEPTED: State.INTERCEPTED, EventKind.FOUND_LOCALLY: State.INTERCEPTED}
ENDS = (EventKind.CLOSED, EventKind.OVERRIDE_CLOSED)
BULK_ROLES = (Role.PROVINCE_COMMAND, Role.PREFECTURE_COMMAND, Role.COUNTY_COMMAND)


def _id(*parts: Any) -> str:
    return str(uuid.uuid5(NS, "/".join(str(p) for p in parts)))


def _ref(rid: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{rid}"}


def _time(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def mask_name(name: str) -> str:
    """Keep the first letter of each word: 王芳 → 王*, Aung Kyaw → A*** K***."""
    words = (name or "").split()
    return " ".join(w[0] + "*" * max(1, len(w) - 1) for w in words)


# --- building ----------------------------------------------------------------------------------
def _patient(journey: Journey, pid: str, *, identity: bool) -> dict[str, Any]:
    person = journey.person
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"use": "secondary", "system": LOOP_CODE_SYSTEM, "value": journey.code}],
        "gender": GENDER.get(person.sex, "unknown"),
    }
    if identity:
        name: dict[str, Any] = {"text": person.name_native}
        if person.name_latin:
            res["name"] = [name, {"use": "official", "text": person.name_latin}]
        else:
            res["name"] = [name]
        if person.birth_date:
            res["birthDate"] = person.birth_date.isoformat()
        from guomen.people import crypto

        for doc in person.documents.all():
            res["identifier"].append(
                {
                    "use": "official",
                    "system": f"{DOCUMENT_SYSTEM}:{doc.kind}:{doc.issuing_country}",
                    "value": crypto.unseal(doc.number_sealed),
                }
            )
    else:
        res["meta"] = {"security": [{"system": SECURITY, "code": "MASKED", "display": "masked"}]}
        res["name"] = [{"text": mask_name(person.name_native)}]
        if person.birth_date:
            res["birthDate"] = str(person.birth_date.year)
    return res


def _organization(unit: Unit) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": _id("unit", unit.pk),
        "identifier": [{"system": UNIT_CODE_SYSTEM, "value": unit.code}],
        "name": unit.name_en or unit.name_zh,
    }


def _periods(events: list[CustodyEvent]) -> list[tuple[CustodyEvent, str, datetime | None]]:
    """(the event that began it, the state, when it ended) for each custody period."""
    out: list[tuple[CustodyEvent, str, datetime | None]] = []
    for e in events:
        if e.kind == EventKind.UNDONE:  # an undone arrival never began a period; an undone closure never ended one
            if out and out[-1][0].seq == e.data.get("undoes"):
                out.pop()
            elif out and e.data.get("undone") in ENDS:
                out[-1] = (out[-1][0], out[-1][1], None)
            continue
        state = STARTS.get(e.kind) or (e.data.get("to_state") if e.kind == EventKind.HANDOVER_ACCEPTED else None)
        if state or e.kind in ENDS:
            if out and out[-1][2] is None:
                out[-1] = (out[-1][0], out[-1][1], e.occurred_at)
            if state:
                out.append((e, state, None))
    return out


def _observation(journey: Journey, e: CustodyEvent, n: int, pid: str, enc: str | None, **body: Any) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _id(journey.public_id, "obs", e.seq, n),
        "status": "final",
        **body,
        "subject": _ref(pid),
        "effectiveDateTime": _time(e.occurred_at),
        "performer": [_ref(_id("unit", e.unit_id))],
    }
    if enc:
        res["encounter"] = _ref(enc)
    return res


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBS_CATEGORY, "code": code, "display": display}]}]


def _observations(journey: Journey, e: CustodyEvent, pid: str, enc: str | None) -> Iterator[dict[str, Any]]:
    d = e.data or {}
    if e.kind in (EventKind.SCREENED, EventKind.HEALTH_CHECK):
        if d.get("temperature") is not None:
            yield _observation(
                journey,
                e,
                0,
                pid,
                enc,
                category=_category("vital-signs", "Vital Signs"),
                code={"coding": [BODY_TEMPERATURE], "text": "Body temperature"},
                valueQuantity={"value": float(d["temperature"]), "unit": "Cel", "system": UCUM, "code": "Cel"},
            )
        for i, s in enumerate(d.get("symptoms") or [], start=1):
            known = SYMPTOM_CODES.get(s)
            value = {"coding": [{"system": SNOMED, "code": known[0], "display": known[1]}], "text": s} if known else {"text": s}
            yield _observation(
                journey, e, i, pid, enc, category=_category("survey", "Survey"), code={"coding": [SYMPTOM]}, valueCodeableConcept=value
            )
    elif e.kind == EventKind.TEST_RESULT:
        positive = d.get("result") == "positive"
        yield _observation(
            journey,
            e,
            0,
            pid,
            enc,
            category=_category("laboratory", "Laboratory"),
            code={"coding": [SARS_COV_2_RNA]},
            valueCodeableConcept={"coding": [DETECTED if positive else NOT_DETECTED]},
            identifier=[{"system": "urn:guomen:sample-id", "value": str(d.get("sample_id", ""))}] if d.get("sample_id") else [],
            interpretation=[
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                            "code": "POS" if positive else "NEG",
                        }
                    ]
                }
            ],
        )


def build_bundle(journey: Journey, *, identity: bool, events: list[CustodyEvent] | None = None) -> dict[str, Any]:
    """The Bundle for one journey as plain JSON (no database writes, no audit)."""
    if events is None:
        events = list(journey.events.select_related("unit").order_by("seq"))
    pid = _id(journey.public_id, "patient")
    resources: list[dict[str, Any]] = [_patient(journey, pid, identity=identity)]
    units: dict[int, Unit] = {e.unit_id: e.unit for e in events}
    resources += [_organization(u) for u in units.values()]
    periods = _periods(events)
    encounters: list[tuple[str, datetime, datetime | None]] = []
    for start, state, end in periods:
        eid = _id(journey.public_id, "encounter", start.seq)
        code, display = ENCOUNTER_CLASS.get(state, ("AMB", "ambulatory"))
        enc: dict[str, Any] = {
            "resourceType": "Encounter",
            "id": eid,
            "status": "finished" if end else "in-progress",
            "class": {"system": ACT_CODE, "code": code, "display": display},
            "type": [{"text": str(State(state).label) if state in State.values else state}],
            "subject": _ref(pid),
            "period": {"start": _time(start.occurred_at), **({"end": _time(end)} if end else {})},
            "serviceProvider": _ref(_id("unit", start.unit_id)),
        }
        resources.append(enc)
        encounters.append((eid, start.occurred_at, end))
    for e in events:
        enc_id = next((eid for eid, a, b in reversed(encounters) if a <= e.occurred_at and (b is None or e.occurred_at <= b)), None)
        resources.extend(_observations(journey, e, pid, enc_id))
    return {
        "resourceType": "Bundle",
        "id": _id(journey.public_id, "bundle"),
        "meta": {"lastUpdated": _time(timezone.now())},
        "identifier": {"system": LOOP_CODE_SYSTEM, "value": journey.code},
        "type": "collection",
        "timestamp": _time(timezone.now()),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


# --- the audited exports ---------------------------------------------------------------------
def _audit(actor: Any, journeys: list[Journey], reason: str, request: Any) -> None:
    from guomen.core.models import AccessLog
    from guomen.core.services import access_record

    if len(journeys) == 1:
        j = journeys[0]
        access_record(user=actor, action=AccessLog.Action.EXPORT, obj=j, subject=str(j.person.public_id), reason=reason, request=request)
        return
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    channel = "api" if request is not None and request.path.startswith("/api/") else "web"
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=actor,
                action=AccessLog.Action.EXPORT,
                object_type=Journey._meta.label_lower,
                object_id=str(j.public_id),
                subject=str(j.person.public_id),
                reason=reason[:200],
                ip=ip,
                channel=channel,
            )
            for j in journeys
        ],
        batch_size=500,
    )


def journey_bundle(*, actor: Any, code: str, request: Any = None) -> dict[str, Any]:
    """A journey within reach as a FHIR Bundle; the view is written to the access audit."""
    scope = Scope.of(actor)
    if "\x00" in code:
        raise Http404(_("Not found."))
    journey = queries.journey_get(scope, code)  # 404 outside reach
    with transaction.atomic():
        bundle = build_bundle(journey, identity=scope.may_see_identity())
        _audit(actor, [journey], "FHIR R4 export", request)
    return bundle


def bulk_export(*, actor: Any, jurisdiction: str, day: date, request: Any = None) -> list[str]:
    """NDJSON lines — one Bundle per journey of ``jurisdiction`` (and below) with an event on the
    local ``day`` — for command roles; every journey exported is written to the access audit."""
    scope = Scope.of(actor)
    if not scope.has_role(*BULK_ROLES):
        raise PermissionDenied(_("Only a command exports health records in bulk."))
    if "\x00" in jurisdiction:
        raise Http404(_("Not found."))
    node = scope.get(Jurisdiction.objects.all(), code=jurisdiction)
    if day > local_day(clock.now()):
        raise DomainError("day_in_future", _("The day given is in the future."), status=422)
    start = datetime.combine(day, time.min, tzinfo=zone())
    end = start + timedelta(days=1)
    ids = CustodyEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end).values("journey_id")
    journeys = list(
        queries.journeys(scope)
        .filter(pk__in=ids, jurisdiction__path__startswith=node.path)
        .select_related("person")
        .prefetch_related("person__documents")
        .order_by("pk")
    )
    by_journey: dict[int, list[CustodyEvent]] = {}
    for e in CustodyEvent.objects.filter(journey__in=journeys).select_related("unit").order_by("journey_id", "seq"):
        by_journey.setdefault(e.journey_id, []).append(e)
    identity = scope.may_see_identity()
    with transaction.atomic():
        lines = [
            json.dumps(build_bundle(j, identity=identity, events=by_journey.get(j.pk, [])), ensure_ascii=False, separators=(",", ":"))
            for j in journeys
        ]
        if journeys:
            _audit(actor, journeys, f"FHIR R4 bulk export {node.code} {day.isoformat()}", request)
    return lines
