"""Incidents: 发现→上报→处置→核查→结案, each step recorded; interceptions enter the closed loop."""

from __future__ import annotations

import json

import pytest

from guomen.duty import services
from guomen.duty.models import IncidentKind, IncidentStatus, InterceptedPerson
from guomen.lib.errors import Conflict, DomainError
from guomen.loop.models import Origin, State

from .helpers import segment_in_ruili, unit, who

pytestmark = pytest.mark.django_db


def test_an_incident_moves_step_by_step_and_records_who_and_when(world):
    inc = services.incident_report(actor=who("ruili_patrol"), unit=unit(), kind=IncidentKind.DAMAGED_FENCE, description="围网破损")
    with pytest.raises(Conflict):
        services.incident_advance(actor=who("ruili"), incident=inc, to_status=IncidentStatus.HANDLED)
    services.incident_advance(actor=who("ruili_patrol"), incident=inc, to_status=IncidentStatus.REPORTED)
    services.incident_advance(actor=who("ruili"), incident=inc, to_status=IncidentStatus.HANDLED, note="已修复")
    with pytest.raises(DomainError) as exc:
        services.incident_advance(actor=who("ruili"), incident=inc, to_status=IncidentStatus.VERIFIED)
    assert exc.value.code == "note_required"
    services.incident_advance(actor=who("ruili"), incident=inc, to_status=IncidentStatus.VERIFIED, note="现场核查")
    inc = services.incident_advance(actor=who("ruili"), incident=inc, to_status=IncidentStatus.CLOSED, note="结案")
    steps = list(inc.transitions.values_list("from_status", "to_status", "actor__username"))
    assert steps == [
        ("", "found", "ruili_patrol"),
        ("found", "reported", "ruili_patrol"),
        ("reported", "handled", "ruili"),
        ("handled", "verified", "ruili"),
        ("verified", "closed", "ruili"),
    ]
    assert all(t.at for t in inc.transitions.all())


def test_an_interception_puts_each_person_in_the_loop_in_the_custody_of_the_intercepting_unit(world):
    team = unit()
    inc = services.incident_intercept(
        actor=who("ruili_patrol"),
        unit=team,
        persons=[
            {"name_native": "Aung Aung", "nationality": "MMR", "sex": "M"},
            {"name_native": "Mya Mya", "nationality": "MMR", "sex": "F"},
        ],
        segment=segment_in_ruili(),
        place="姐告便道",
    )
    rows = list(InterceptedPerson.objects.filter(incident=inc).select_related("journey", "person"))
    assert len(rows) == 2 and inc.persons_count == 2
    for r in rows:
        assert r.journey.state == State.INTERCEPTED
        assert r.journey.origin == Origin.INTERCEPTED
        assert r.journey.custodian == team
        assert r.journey.person == r.person


def test_an_interception_without_persons_changes_nothing(world):
    with pytest.raises(DomainError):
        services.incident_intercept(actor=who("ruili_patrol"), unit=unit(), persons=[])


def test_api_interception_and_transition(api_as):
    c = api_as("ruili_patrol")
    body = {"unit": unit().code, "persons": [{"name_native": "Ko Ko", "nationality": "MMR"}], "place": "便道"}
    r = c.post("/api/duty/interceptions", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    assert len(r.json()["journeys"]) == 1
    r = c.post(f"/api/duty/incidents/{code}/transitions", json.dumps({"to_status": "closed"}), content_type="application/json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "wrong_status"
    r = c.post(f"/api/duty/incidents/{code}/transitions", json.dumps({"to_status": "reported"}), content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "reported"
    assert api_as("mengla").get(f"/api/duty/incidents/{code}").status_code == 404


def test_text_with_a_nul_character_is_refused(world):
    with pytest.raises(DomainError) as exc:
        services.incident_report(actor=who("ruili_patrol"), unit=unit(), kind=IncidentKind.SUSPICIOUS, description="a\x00b")
    assert exc.value.code == "control_characters"
