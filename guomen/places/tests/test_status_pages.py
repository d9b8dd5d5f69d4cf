"""A passage's and a village's status change from a page and over the API: scoped, audited, command only."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry

from guomen.lib import clock
from guomen.places.models import Jurisdiction, Level, PassageStatus, PassageStatusKind, VillageStatus, VillageStatusKind

pytestmark = pytest.mark.django_db


def _ruili_village() -> Jurisdiction:
    return Jurisdiction.objects.filter(level=Level.VILLAGE, path__startswith="/530000/533100/533102/").order_by("code").first()


def _later(minutes: int = 5) -> str:
    return (clock.now() + dt.timedelta(minutes=minutes)).isoformat()


def test_the_county_command_closes_a_port_from_its_page_and_the_change_is_audited(client_as, user):
    c = client_as("ruili")
    assert "/places/passages/ruili/status/" in c.get("/places/passages/ruili/").content.decode()
    assert c.get("/places/passages/ruili/status/").status_code == 200
    r = c.post("/places/passages/ruili/status/", {"status": "closed", "reason": "Cluster across the border"})
    assert r.status_code == 302 and r["Location"] == "/places/passages/ruili/"
    latest = PassageStatus.objects.filter(passage__code="ruili").order_by("-valid_from").first()
    assert latest.status == PassageStatusKind.CLOSED and latest.decided_by == user("ruili") and latest.valid_to is None
    entry = LogEntry.objects.get_for_object(latest).get()
    assert entry.actor == user("ruili")


def test_the_page_refuses_bad_input_with_a_message_and_changes_nothing(client_as):
    c = client_as("ruili")
    before = PassageStatus.objects.count()
    r = c.post(
        "/places/passages/ruili/status/", {"status": "closed", "reason": "x", "valid_from": "2001-01-01T08:00"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 200
    assert "A later status is already recorded" in r.content.decode()
    r = c.post("/places/passages/ruili/status/", {"status": "shut", "reason": "x"})
    assert r.status_code == 200
    assert PassageStatus.objects.count() == before


def test_only_the_command_of_the_jurisdiction_may_change_a_status(client_as):
    # another county's command does not even see Ruili's port; the port officer sees it but may not change it
    assert client_as("mengla").get("/places/passages/ruili/status/").status_code == 404
    port = client_as("ruili_port")
    assert "/status/" not in port.get("/places/passages/ruili/").content.decode()
    assert port.get("/places/passages/ruili/status/").status_code == 403
    assert port.post("/places/passages/ruili/status/", {"status": "closed", "reason": "no"}).status_code == 403
    assert client_as("auditor").post("/places/passages/ruili/status/", {"status": "closed", "reason": "no"}).status_code == 403


def test_the_village_is_put_under_closed_management_from_its_page(client_as):
    village = _ruili_village()
    c = client_as("ruili")
    assert f"/places/villages/{village.code}/status/" in c.get(f"/places/villages/{village.code}/").content.decode()
    r = c.post(
        f"/places/villages/{village.code}/status/",
        {"status": "closed_management", "entrance_posts": "0", "reason": "Cases nearby"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 200  # a closed village keeps at least one entrance post
    assert "at least one entrance post" in r.content.decode()
    r = c.post(f"/places/villages/{village.code}/status/", {"status": "closed_management", "entrance_posts": "2", "reason": "Cases nearby"})
    assert r.status_code == 302
    now = VillageStatus.objects.filter(village=village).order_by("-valid_from").first()
    assert (now.status, now.entrance_posts) == (VillageStatusKind.CLOSED_MANAGEMENT, 2)


def test_the_api_changes_a_passage_status_for_the_command_only_and_audits_the_token_user(api_as, user):
    r = api_as("ruili").post(
        "/api/places/passages/ruili/status",
        {"status": "restricted", "reason": "Goods only", "valid_from": _later()},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "restricted" and body["decided_by"] == "ruili"
    latest = PassageStatus.objects.filter(passage__code="ruili").order_by("-valid_from").first()
    assert LogEntry.objects.get_for_object(latest).get().actor == user("ruili")
    before = PassageStatus.objects.count()
    assert (
        api_as("ruili_port")
        .post("/api/places/passages/ruili/status", {"status": "closed", "reason": "no"}, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        api_as("mengla")
        .post("/api/places/passages/ruili/status", {"status": "closed", "reason": "no"}, content_type="application/json")
        .status_code
        == 404
    )
    bad = api_as("ruili").post(
        "/api/places/passages/ruili/status",
        {"status": "closed", "reason": "x", "valid_from": "2001-01-01T08:00:00+08:00"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "not_latest"
    assert PassageStatus.objects.count() == before


def test_the_api_changes_a_village_status(api_as):
    village = _ruili_village()
    r = api_as("ruili").post(
        f"/api/places/villages/{village.code}/status",
        {"status": "closed_management", "entrance_posts": 1, "reason": "Cases nearby", "valid_from": _later()},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["entrance_posts"] == 1
    r = api_as("ruili").post(
        f"/api/places/villages/{village.code}/status",
        {"status": "closed_management", "reason": "no posts"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "posts_required"
    assert (
        api_as("ruili")
        .post("/api/places/villages/533102/status", {"status": "open", "reason": "a county"}, content_type="application/json")
        .status_code
        == 404
    )
