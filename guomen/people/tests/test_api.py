"""/api/people: masked reads, audited reveal, input help, watch-list — and the error shapes."""

from __future__ import annotations

import pytest

from guomen.core.models import AccessLog

from .conftest import td3

pytestmark = pytest.mark.django_db


def error_code(response):
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]["code"]


def test_search_and_detail_show_documents_masked(register, api_as):
    person = register(number="E12345678")
    api = api_as("mohan_port")
    found = api.get("/api/people/search", {"q": "wang fang"}).json()
    assert [p["public_id"] for p in found] == [str(person.public_id)]
    detail = api.get(f"/api/people/{person.public_id}")
    assert detail.status_code == 200
    assert detail.json()["documents"][0]["number_masked"] == "••••5678"
    assert "E12345678" not in detail.content.decode()


def test_reveal_returns_the_number_and_audits_it_as_api(register, api_as, user):
    doc = register(number="E12345678").documents.get()
    r = api_as("mohan_port").post(f"/api/people/documents/{doc.public_id}/reveal", {"reason": "核对"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["number"] == "E12345678"
    log = AccessLog.objects.get()
    assert (log.user, log.channel, log.action) == (user("mohan_port"), "api", "view_identity")


def test_reveal_is_403_for_facility_staff_and_404_outside_scope(register, api_as):
    from guomen.people.services import person_register

    doc = register(number="E12345678").documents.get()
    r = api_as("ruili_port").post(f"/api/people/documents/{doc.public_id}/reveal", {"reason": "x"}, content_type="application/json")
    assert r.status_code == 404 and error_code(r) == "not_found"
    assert api_as("ruili_port").get(f"/api/people/{doc.person.public_id}").status_code == 404

    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.get(username="mengla_hotel")
    own = person_register(
        actor=staff,
        unit=staff.memberships.get().unit,
        name_native="玉罕",
        nationality="LAO",
        documents=[{"kind": "passport", "number": "LA1234567", "issuing_country": "LAO"}],
    )
    r = api_as("mengla_hotel").post(
        f"/api/people/documents/{own.documents.get().public_id}/reveal", {"reason": "x"}, content_type="application/json"
    )
    assert r.status_code == 403 and error_code(r) == "forbidden"
    assert not AccessLog.objects.exists()


def test_reveal_without_a_reason_is_422(register, api_as):
    doc = register().documents.get()
    r = api_as("mohan_port").post(f"/api/people/documents/{doc.public_id}/reveal", {"reason": ""}, content_type="application/json")
    assert r.status_code == 422 and error_code(r) == "required"
    r = api_as("mohan_port").post(f"/api/people/documents/{doc.public_id}/reveal", {}, content_type="application/json")
    assert r.status_code == 422 and error_code(r) == "invalid"


def test_mrz_endpoint_parses_and_names_a_bad_check_digit(api_as):
    api = api_as("ruili_port")
    ok = api.post("/api/people/mrz", {"text": td3()}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["number"] == "MA1234567" and ok.json()["birth_date"] == "1985-06-15"
    l1, l2 = td3().split("\n")
    bad = api.post("/api/people/mrz", {"text": l1 + "\n" + l2[:19] + "0" + l2[20:]}, content_type="application/json")
    assert bad.status_code == 422 and error_code(bad) == "mrz_check_digit"
    assert bad.json()["error"]["details"]["failed"][0] == "birth_date"


def test_resident_id_validate(api_as):
    api = api_as("ruili_port")
    ok = api.post("/api/people/resident-id/validate", {"number": "11010519491231002X"}, content_type="application/json")
    assert ok.json() == {"valid": True, "birth_date": "1949-12-31", "sex": "F", "region_code": "110105", "warnings": []}
    bad = api.post("/api/people/resident-id/validate", {"number": "110105194912310021"}, content_type="application/json")
    assert bad.status_code == 422 and error_code(bad) == "resident_id_check_digit"


def test_register_through_the_api_is_idempotent_on_the_document(api_as):
    api = api_as("ruili_port")
    body = {
        "unit": "port-ruili",
        "name_native": "岩温",
        "nationality": "MMR",
        "sex": "M",
        "documents": [{"kind": "passport", "number": "MC1112223", "issuing_country": "MMR"}],
    }
    first = api.post("/api/people/", body, content_type="application/json")
    again = api.post("/api/people/", body, content_type="application/json")
    assert first.status_code == again.status_code == 201
    assert first.json()["public_id"] == again.json()["public_id"]
    other_unit = api.post("/api/people/", {**body, "unit": "port-mohan"}, content_type="application/json")
    assert other_unit.status_code == 404
    bad = api.post("/api/people/", {**body, "nationality": "QQQ"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "nationality"


def test_watch_list_is_for_command_and_port_officers_only(api_as):
    body = {"kind": "passport", "issuing_country": "MMR", "number": "MA9999999", "reason": "lost", "note": ""}
    added = api_as("ruili_port").post("/api/people/watch-list", body, content_type="application/json")
    assert added.status_code == 201 and added.json()["number_masked"] == "••••9999"
    listed = api_as("mengla").get("/api/people/watch-list").json()
    assert [w["public_id"] for w in listed] == [added.json()["public_id"]]
    for who in ("ruili_hotel", "ruili_grid"):
        assert api_as(who).get("/api/people/watch-list").status_code == 403
        assert api_as(who).post("/api/people/watch-list", body, content_type="application/json").status_code == 403
    off = api_as("ruili").post(f"/api/people/watch-list/{added.json()['public_id']}/deactivate")
    assert off.status_code == 200 and off.json()["active"] is False
    assert api_as("ruili").get("/api/people/watch-list").json() == []


def test_unknown_person_is_404_and_anonymous_is_401(world, client, api_as):
    import uuid

    assert api_as("province").get(f"/api/people/{uuid.uuid4()}").status_code == 404
    assert client.get("/api/people/search", {"q": "wang"}).status_code == 401
