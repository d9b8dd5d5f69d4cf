"""The API (scoped, Idempotency-Key on writes), the pages and the after-action report."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from pypdf import PdfReader

from guomen.command.models import DispatchTask
from guomen.emergency.models import Activation, Plan
from guomen.lib import clock

pytestmark = pytest.mark.django_db


def _post(api, url, body=None, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(url, data=json.dumps(body or {}), content_type="application/json", **extra)


def test_a_plan_made_and_drilled_through_the_api(api_as, world):
    api = api_as("mengla")
    plan = {
        "code": "mengla-api",
        "name_zh": "接口预案",
        "name_en": "API plan",
        "scenario": "port_positive",
        "owner_unit": "c532823-command",
    }
    assert _post(api, "/api/emergency/plans", plan, key="p1").status_code == 201
    assert _post(api, "/api/emergency/plans", plan, key="p1").status_code == 201  # the retry replays the answer
    assert Plan.objects.filter(code="mengla-api").count() == 1
    assert _post(api, "/api/emergency/plans", plan).status_code == 409  # without the key: a second plan with the code
    version = {
        "review_due": (clock.today() + timedelta(days=90)).isoformat(),
        "steps": [
            {"code": "S1", "title_zh": "报告", "role": "port_officer", "unit": "port-mohan", "target_minutes": 15, "checklist": ["电话"]},
            {"code": "S2", "title_zh": "转运", "role": "transfer_team", "unit": "c532823-transfer", "target_minutes": 60, "after": ["S1"]},
        ],
        "injects": [{"offset_minutes": 10, "kind": "arrival", "text_zh": "发热旅客抵达", "data": {"temperature": 38.2}}],
    }
    r = _post(api, "/api/emergency/plans/mengla-api/versions", version, key="v1")
    assert r.status_code == 201, r.content
    bad = {**version, "steps": [{**version["steps"][0], "unit": "port-ruili"}]}
    assert _post(api, "/api/emergency/plans/mengla-api/versions", bad).status_code == 404  # outside the county
    assert _post(api, "/api/emergency/plans/mengla-api/activate", {}).status_code == 409  # not approved yet
    assert _post(api, "/api/emergency/plans/mengla-api/versions/1/approve").status_code == 200
    r = _post(api, "/api/emergency/plans/mengla-api/activate", {"exercise": True}, key="a1")
    assert r.status_code == 201
    assert _post(api, "/api/emergency/plans/mengla-api/activate", {"exercise": True}, key="a1").json()["id"] == r.json()["id"]
    assert Activation.objects.count() == 1
    act = r.json()["id"]
    assert [s["code"] for s in r.json()["steps"]] == ["S1", "S2"]
    r = _post(api_as("mohan_port"), f"/api/emergency/activations/{act}/steps/S1/complete", {"note": "已报告"})
    assert r.status_code == 200 and r.json()["steps"][0]["done"] and r.json()["steps"][0]["who"] == "mohan_port"
    assert _post(api_as("mohan_port"), f"/api/emergency/activations/{act}/injects/1/play").status_code == 403  # only the command
    r = _post(api, f"/api/emergency/activations/{act}/injects/1/play")
    assert r.json()["events"][0]["data"]["fever"] is True
    assert _post(api, f"/api/emergency/activations/{act}/steps/S1/rating", {"rating": "X"}).status_code == 422
    assert _post(api, f"/api/emergency/activations/{act}/steps/S1/rating", {"rating": "S", "note": "电话占线"}).status_code == 200
    due = (clock.now() + timedelta(days=14)).isoformat()
    r = _post(api, f"/api/emergency/activations/{act}/improvements", {"text": "增设备用电话", "owner": "port-mohan", "due_at": due})
    assert r.status_code == 201 and r.json()["improvements"][0]["task_state"] == "open"
    assert api.get("/api/emergency/readiness").json()["improvements_open"] == 1
    assert api_as("ruili").get(f"/api/emergency/activations/{act}").status_code == 404  # another county
    assert api_as("ruili").get("/api/emergency/plans/mengla-api").status_code == 404
    r = _post(api, f"/api/emergency/activations/{act}/clear")
    assert r.json()["state"] == "cleared"
    assert not DispatchTask.objects.filter(exercise=True).exists()
    assert DispatchTask.objects.filter(source="emergency-improvement").count() == 1  # the improvement stays, real


def test_the_board_page_and_the_after_action_report(client_as, mohan_plan):
    from guomen.emergency import services
    from guomen.loop.tests.factories import who

    c = client_as("mengla")
    page = c.get("/emergency/").content.decode()
    assert "mohan-port-positive" in page
    r = c.post("/emergency/", {"plan": "mohan-port-positive", "exercise": "1"})
    act = Activation.objects.get()
    assert r.status_code == 302 and act.exercise
    page = c.get(f"/emergency/activations/{act.public_id}/").content.decode()
    assert 'id="step-S1"' in page and 'id="exercise-badge"' in page
    services.step_complete(actor=who("mohan_port"), step=act.steps.get(step__code="S1"))
    c.post(f"/emergency/activations/{act.public_id}/", {"do": "end"})
    c.post(
        f"/emergency/activations/{act.public_id}/", {"do": "rate", "step": act.steps.get(step__code="S1").pk, "rating": "P", "note": "顺利"}
    )
    r = c.get(f"/emergency/activations/{act.public_id}/aar.pdf")
    assert r["Content-Type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(r.content)).pages[0].extract_text().split())
    assert (
        "after-action report" in text.lower()
        and "磨憨口岸发现阳性病例应急预案" in text
        and "P 顺利完成" in text
        and "Performed without" in text
    )
    assert client_as("ruili").get(f"/emergency/activations/{act.public_id}/").status_code == 404
    bad = c.post(f"/emergency/activations/{act.public_id}/", {"do": "rate", "step": "x", "rating": "P"})
    assert bad.status_code in (302, 404)


def test_numbers_too_large_for_the_database_are_refused_clearly(api_as, world):
    """A threshold, a target or a script offset beyond what a plan can mean: 422 with the reason,
    never a database overflow (PostgreSQL's integer) and nothing saved."""
    api = api_as("mengla")
    plan = {"code": "mengla-big", "name_zh": "大数", "scenario": "other", "owner_unit": "c532823-command"}
    r = _post(api, "/api/emergency/plans", {**plan, "trigger_kind": "facility_fevers", "trigger_threshold": 10**11})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_threshold"
    r = _post(api, "/api/emergency/plans", {**plan, "code": "有 空格"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_code"
    assert not Plan.objects.exists()
    assert _post(api, "/api/emergency/plans", plan).status_code == 201
    step = {"code": "S1", "title_zh": "报告", "role": "county_command", "unit": "c532823-command", "target_minutes": 15}
    version = {"review_due": clock.today().isoformat(), "steps": [step]}
    inject = {"kind": "message", "text_zh": "消息", "offset_minutes": 10**11}
    r = _post(api, "/api/emergency/plans/mengla-big/versions", {**version, "injects": [inject]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_offset"
    r = _post(api, "/api/emergency/plans/mengla-big/versions", {**version, "steps": [{**step, "target_minutes": 10**11}]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_target"
    r = _post(
        api,
        "/api/emergency/plans/mengla-big/versions",
        {**version, "steps": [{**step, "code": " S1 "}, {**step, "code": "S2", "after": ["S1 "]}]},
    )
    assert r.status_code == 201  # codes are read without the spaces around them
    assert Plan.objects.get(code="mengla-big").versions.get().steps.get(code="S2").depends_on.get().code == "S1"
    for data, code in (
        ({"temperature": "hot"}, "invalid_temperature"),
        ({"temperature": 99}, "invalid_temperature"),
        ({"result": "maybe"}, "invalid_result"),
        ({"symptoms": "cough"}, "invalid_symptoms"),
    ):  # a script line that could not be played later is refused now
        r = _post(api, "/api/emergency/plans/mengla-big/versions", {**version, "injects": [{**inject, "offset_minutes": 5, "data": data}]})
        assert r.status_code == 422 and r.json()["error"]["code"] == code
    assert Plan.objects.get(code="mengla-big").versions.count() == 1


def test_a_real_activation_from_the_page_is_asked_once_more_and_a_drill_is_not(mohan_plan, client_as):
    c = client_as("mengla")
    asked = c.post("/emergency/", {"plan": mohan_plan.code, "exercise": "0"})
    assert asked.status_code == 200 and b'id="activate-confirmed"' in asked.content
    assert not Activation.objects.filter(plan=mohan_plan).exists()  # nothing sent yet
    done = c.post("/emergency/", {"plan": mohan_plan.code, "exercise": "0", "confirmed": "1"})
    assert done.status_code == 302
    real = Activation.objects.get(plan=mohan_plan)
    assert not real.exercise and DispatchTask.objects.filter(pk__in=real.steps.values("task")).exists()
    drill = c.post("/emergency/", {"plan": mohan_plan.code, "exercise": "1"})
    assert drill.status_code == 302 and Activation.objects.filter(plan=mohan_plan, exercise=True).count() == 1
