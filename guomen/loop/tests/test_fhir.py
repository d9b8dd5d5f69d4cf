"""FHIR R4 out: a journey's Bundle validates with fhir.resources (R4B models), its references
resolve inside it, identity is masked for roles that may not see it, and every export is audited."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from guomen.core.models import AccessLog
from guomen.lib.localtime import local_day
from guomen.loop import fhir
from guomen.loop.models import Journey
from guomen.loop.tests.factories import person

pytestmark = pytest.mark.django_db


def post(client, path, body):
    r = client.post(path, data=json.dumps(body), content_type="application/json")
    assert r.status_code in (200, 201), r.content
    return r.json()


@pytest.fixture
def journey_code(api_as):
    """Arrival, a negative test, quarantine at Ruili hotel 1, a normal check, then fever and cough
    sending the person to hospital, where a test is positive."""
    port = api_as("ruili_port")
    p = person()
    code = post(port, "/api/loop/arrivals", {"port_unit": "port-ruili", "person": str(p.public_id), "origin_country": "MMR"})["code"]
    post(port, f"/api/loop/journeys/{code}/screenings", {"temperature": 36.9})
    post(port, f"/api/loop/journeys/{code}/samples", {"sample_id": "S-1"})
    post(port, f"/api/loop/journeys/{code}/results", {"sample_id": "S-1", "result": "negative"})
    post(port, f"/api/loop/journeys/{code}/disposition", {"disposition": "quarantine", "to_unit": "c533102-hotel1"})
    hotel = api_as("ruili_hotel")
    post(hotel, f"/api/loop/journeys/{code}/handover/accept", {"room": "F1", "card_code": code})
    post(hotel, f"/api/loop/journeys/{code}/checks", {"temperature": 36.6})
    post(hotel, f"/api/loop/journeys/{code}/checks", {"temperature": 37.8, "symptoms": ["cough", "other"]})
    hospital = api_as("ruili_hospital")
    post(hospital, f"/api/loop/journeys/{code}/handover/accept", {"card_code": code})
    post(hospital, f"/api/loop/journeys/{code}/results", {"sample_id": "S-2", "result": "positive"})
    return code


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_a_journey_bundle_is_valid_fhir_with_references_resolving_inside(journey_code, api_as):
    r = api_as("ruili").get(f"/api/fhir/journeys/{journey_code}")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/fhir+json")
    body = r.json()
    Bundle.model_validate(body)  # raises on anything R4(B) does not allow
    full_urls = {e["fullUrl"] for e in body["entry"]}

    def refs(x):
        if isinstance(x, dict):
            if set(x) == {"reference"}:
                yield x["reference"]
            for v in x.values():
                yield from refs(v)
        elif isinstance(x, list):
            for v in x:
                yield from refs(v)

    all_refs = list(refs(body))
    assert all_refs and set(all_refs) <= full_urls

    encounters = resources(body, "Encounter")
    assert [e["class"]["code"] for e in encounters] == ["AMB", "NONAC", "IMP"]
    assert [e["status"] for e in encounters] == ["finished", "finished", "in-progress"]
    assert encounters[0]["period"]["end"] == encounters[1]["period"]["start"]

    obs = resources(body, "Observation")
    temps = [o["valueQuantity"]["value"] for o in obs if o["code"]["coding"][0]["code"] == "8310-5"]
    assert temps == [36.9, 36.6, 37.8]
    symptoms = [o["valueCodeableConcept"]["text"] for o in obs if o["code"]["coding"][0]["code"] == "75325-1"]
    assert symptoms == ["cough", "other"]
    tests = [o for o in obs if o["code"]["coding"][0]["code"] == "94500-6"]
    assert [t["valueCodeableConcept"]["coding"][0]["code"] for t in tests] == ["260415000", "260373001"]
    assert all(o["encounter"]["reference"].startswith("urn:uuid:") for o in obs)
    assert tests[1]["encounter"]["reference"] == f"urn:uuid:{encounters[2]['id']}"
    assert {o["encounter"]["reference"] for o in obs if o["code"]["coding"][0]["code"] == "75325-1"} == {f"urn:uuid:{encounters[1]['id']}"}


def test_the_same_export_twice_gives_the_same_ids(journey_code, user):
    a = fhir.journey_bundle(actor=user("ruili"), code=journey_code)
    b = fhir.journey_bundle(actor=user("ruili"), code=journey_code)
    assert [e["fullUrl"] for e in a["entry"]] == [e["fullUrl"] for e in b["entry"]]


def test_identity_in_full_for_command_masked_for_hotel_staff(journey_code, user):
    j = Journey.objects.select_related("person").get(code=journey_code)
    full = resources(fhir.journey_bundle(actor=user("ruili"), code=journey_code), "Patient")[0]
    assert full["name"][0]["text"] == j.person.name_native and "meta" not in full
    masked = resources(fhir.journey_bundle(actor=user("ruili_hotel"), code=journey_code), "Patient")[0]
    assert masked["name"][0]["text"] == fhir.mask_name(j.person.name_native) != j.person.name_native
    assert masked["meta"]["security"][0]["code"] == "MASKED"
    assert [i["value"] for i in masked["identifier"]] == [journey_code]


def test_every_export_is_audited_and_outside_reach_is_not_found(journey_code, api_as):
    before = AccessLog.objects.filter(action="export").count()
    assert api_as("ruili").get(f"/api/fhir/journeys/{journey_code}").status_code == 200
    log = AccessLog.objects.filter(action="export").latest("at")
    assert AccessLog.objects.filter(action="export").count() == before + 1
    assert log.object_id == str(Journey.objects.get(code=journey_code).public_id) and log.channel == "api"
    r = api_as("mengla").get(f"/api/fhir/journeys/{journey_code}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert AccessLog.objects.filter(action="export").count() == before + 1


def test_bulk_ndjson_per_jurisdiction_and_day(journey_code, api_as):
    today = local_day(timezone.now()).isoformat()
    before = AccessLog.objects.filter(action="export").count()
    r = api_as("ruili").get(f"/api/fhir/export?j=533102&day={today}")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/fhir+ndjson")
    lines = r.content.decode().splitlines()
    bundles = [json.loads(line) for line in lines]
    assert journey_code in [b["identifier"]["value"] for b in bundles]
    for b in bundles:
        Bundle.model_validate(b)
    assert AccessLog.objects.filter(action="export").count() == before + len(bundles)
    yesterday = (local_day(timezone.now()) - timedelta(days=1)).isoformat()
    assert api_as("ruili").get(f"/api/fhir/export?j=533102&day={yesterday}").content == b""


def test_bulk_export_is_scoped_and_for_command_roles_only(journey_code, api_as):
    today = local_day(timezone.now()).isoformat()
    assert api_as("mengla").get(f"/api/fhir/export?j=533102&day={today}").status_code == 404  # Ruili is outside Mengla's reach
    r = api_as("xishuangbanna").get(f"/api/fhir/export?j=532800&day={today}")
    assert r.status_code == 200 and journey_code not in r.content.decode()
    assert api_as("ruili_hotel").get(f"/api/fhir/export?j=533102&day={today}").status_code == 403
    tomorrow = (local_day(timezone.now()) + timedelta(days=1)).isoformat()
    assert api_as("ruili").get(f"/api/fhir/export?j=533102&day={tomorrow}").status_code == 422


def test_a_nul_in_a_code_is_not_found(api_as, world):
    assert api_as("ruili").get("/api/fhir/journeys/AB%00CD").status_code == 404
    today = local_day(timezone.now()).isoformat()
    assert api_as("ruili").get(f"/api/fhir/export?j=53%0031&day={today}").status_code == 404
