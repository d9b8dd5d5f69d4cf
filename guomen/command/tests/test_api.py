"""The command's API: figures, trends, reports and tasks, scoped like the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guomen.command import queries

pytestmark = pytest.mark.django_db


def test_dashboard_json_is_scoped_and_adds_up(day_of_loop, api_as):
    c = api_as("ruili")
    d = c.get("/api/command/dashboard").json()
    assert d["jurisdiction"]["code"] == "533102"
    assert sum(d["journeys_by_state"].values()) == d["journeys_total"] == 8
    assert c.get("/api/command/dashboard?j=532823").status_code == 404
    assert api_as("province").get("/api/command/dashboard").json()["journeys_total"] == 11
    assert c.get("/api/command/trends?days=3").json()["days"][-1] == queries.local_today().isoformat()


def test_reports_submit_and_acknowledge_over_the_api(day_of_loop, api_as):
    today = queries.local_today().isoformat()
    r = api_as("ruili_port").post(
        "/api/command/reports", {"unit": "port-ruili", "day": today, "text": "ok"}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["figures"]["arrivals"] == 8
    rid = r.json()["id"]
    assert api_as("dehong").post(f"/api/command/reports/{rid}/acknowledge", {}, content_type="application/json").status_code == 403
    r = api_as("ruili").post(f"/api/command/reports/{rid}/acknowledge", {"note": "收到"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    assert api_as("mengla").get("/api/command/reports").json() == []


def test_tasks_over_the_api(world, api_as):
    due = (timezone.now() + timedelta(hours=3)).isoformat()
    c = api_as("ruili")
    r = c.post("/api/command/tasks", {"unit": "c533102-hotel1", "title": "核查", "due_at": due}, content_type="application/json")
    assert r.status_code == 201
    tid = r.json()["id"]
    bad = c.post("/api/command/tasks", {"unit": "c532823-hotel1", "title": "x", "due_at": due}, content_type="application/json")
    assert bad.status_code == 404 and bad.json()["error"]["code"] == "unit_not_found"
    r = api_as("ruili_hotel").post(f"/api/command/tasks/{tid}/progress", {"text": "完成", "done": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "done"
    assert api_as("mengla").get(f"/api/command/tasks/{tid}").status_code == 404
