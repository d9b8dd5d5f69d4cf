"""POST /api/sync: a batch of items queued offline, applied in order, each exactly once."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from guomen.loop import handover as h
from guomen.loop.models import CustodyEvent, EventKind, Journey, State
from guomen.loop.tests.factories import who
from guomen.loop.tests.test_offline_rules import VILLAGE, at_home, offered_to_hotel
from guomen.people.models import Person

pytestmark = pytest.mark.django_db


def send(client, items):
    r = client.post("/api/sync", data=json.dumps({"items": items}), content_type="application/json")
    assert r.status_code == 200, r.content
    return r.json()


def item(key, kind, at, **payload):
    return {"key": key, "kind": kind, "occurred_at": at.isoformat(), "payload": payload}


def test_a_grid_workers_queue_is_applied_in_order_once_and_a_replay_changes_nothing(world, api_as):
    a, b = at_home(), at_home()
    grid = api_as("ruili_grid")
    t0 = timezone.now()
    queue = [
        item("k1", "health_check", t0 + timedelta(minutes=1), journey=a.code, temperature=36.5),
        item("k2", "health_check", t0 + timedelta(minutes=2), journey=b.code, temperature=36.7, symptoms=[]),
        item("k3", "returnee", t0 + timedelta(minutes=3), village=VILLAGE[1:], name="岩温", phone="13800000000", came_from_country="MMR"),
        item("k4", "health_check", t0 + timedelta(minutes=4), journey=a.code, temperature=36.6),
    ]
    with time_machine.travel(t0 + timedelta(hours=2), tick=False):
        first = send(grid, queue)
        events_after_first = CustodyEvent.objects.count()
        again = send(grid, queue)
    assert [i["outcome"] for i in first["items"]] == ["applied"] * 4
    assert (first["applied"], first["duplicate"], first["refused"]) == (4, 0, 0)
    assert [i["outcome"] for i in again["items"]] == ["duplicate"] * 4
    assert [i["result"] for i in again["items"]] == [i["result"] for i in first["items"]]
    assert CustodyEvent.objects.count() == events_after_first
    checks = list(CustodyEvent.objects.filter(journey=a, kind=EventKind.HEALTH_CHECK).order_by("seq"))
    assert [e.occurred_at for e in checks] == [t0 + timedelta(minutes=1), t0 + timedelta(minutes=4)]
    returnee = Journey.objects.get(code=first["items"][2]["result"]["journey"])
    assert returnee.opened_at == t0 + timedelta(minutes=3) and returnee.state == State.INTERCEPTED
    assert Person.objects.filter(name_native="岩温").count() == 1


def test_a_refused_item_says_why_spoils_no_other_and_is_refused_the_same_way_again(world, api_as):
    a = at_home()
    grid = api_as("ruili_grid")
    now = timezone.now()
    queue = [
        item("r1", "health_check", now - timedelta(days=4), journey=a.code, temperature=36.5),  # past the 72 h window
        item("r2", "health_check", now, journey=a.code, temperature=52),  # not a body temperature
        item("r3", "health_check", now, journey="GMNOSUCH22", temperature=36.5),
        item("r4", "no_such_kind", now),
        item("r5", "health_check", now, journey=a.code, temperature=36.5),
    ]
    out = send(grid, queue)
    assert [(i["outcome"], i.get("code")) for i in out["items"]] == [
        ("refused", "time_too_old"),
        ("refused", "invalid_temperature"),
        ("refused", "not_found"),
        ("refused", "unknown_kind"),
        ("applied", None),
    ]
    assert all(i["message"] for i in out["items"][:4])
    again = send(grid, queue)
    assert [(i["outcome"], i.get("code")) for i in again["items"]] == [(i["outcome"], i.get("code")) for i in out["items"][:4]] + [
        ("duplicate", None)
    ]
    assert CustodyEvent.objects.filter(journey=a, kind=EventKind.HEALTH_CHECK).count() == 1


def test_refusals_are_in_the_users_language(world, api_as):
    a = at_home()
    grid = api_as("ruili_grid")
    body = {"items": [item("z1", "health_check", timezone.now() - timedelta(days=4), journey=a.code, temperature=36.5)]}
    zh = grid.post("/api/sync", json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    body["items"][0]["key"] = "z2"
    en = grid.post("/api/sync", json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "72" in zh["items"][0]["message"] and "小时" in zh["items"][0]["message"]
    assert "more than 72 hours ago" in en["items"][0]["message"]


def test_the_same_key_with_different_content_is_refused(world, api_as):
    a = at_home()
    grid = api_as("ruili_grid")
    now = timezone.now()
    send(grid, [item("same", "health_check", now, journey=a.code, temperature=36.5)])
    out = send(grid, [item("same", "health_check", now, journey=a.code, temperature=37.0)])
    assert out["items"][0]["outcome"] == "refused" and out["items"][0]["code"] == "idempotency_key_reused"


def test_accept_by_code_of_a_withdrawn_handover_is_refused_in_the_batch(world, api_as):
    j = offered_to_hotel()
    scanned = timezone.now() + timedelta(minutes=5)
    with time_machine.travel(scanned + timedelta(minutes=5), tick=False):
        h.handover_withdraw(actor=who("ruili_port"), journey=j, reason="改送医院 to hospital instead")
    with time_machine.travel(scanned + timedelta(hours=1), tick=False):
        out = send(api_as("ruili_hotel"), [item("a1", "handover_accept", scanned, code=j.code, room="8")])
    assert out["items"][0]["outcome"] == "refused" and out["items"][0]["code"] == "handover_withdrawn"
    j.refresh_from_db()
    assert j.custodian.code == "port-ruili"


def test_accept_by_code_in_the_batch(world, api_as):
    j = offered_to_hotel()
    out = send(api_as("ruili_hotel"), [item("a2", "handover_accept", timezone.now(), code=j.code.lower(), room="8")])
    assert out["items"][0]["outcome"] == "applied" and out["items"][0]["result"]["custodian"] == "c533102-hotel1"


def test_a_batch_needs_a_signed_in_user_and_at_most_200_items(world, client, api_as):
    assert client.post("/api/sync", "{}", content_type="application/json").status_code == 401
    grid = api_as("ruili_grid")
    many = [item(f"m{n}", "health_check", timezone.now(), journey="X", temperature=36.5) for n in range(201)]
    r = grid.post("/api/sync", json.dumps({"items": many}), content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"


def test_the_pack_holds_the_custody_and_what_is_due_today_for_the_role(world, api_as):
    a = at_home()
    r = api_as("ruili_grid").get("/api/sync/pack")
    assert r.status_code == 200
    pack = r.json()
    assert a.code in [row["code"] for row in pack["custody"]] and pack["window_hours"] == 72
    assert VILLAGE[1:] in [v["code"] for v in pack["villages"]]
    assert "patrols" not in pack
    other = api_as("mengla_hotel").get("/api/sync/pack").json()
    assert a.code not in [row["code"] for row in other.get("custody", [])]


def test_the_sync_api_is_in_the_openapi_document(world, api_as):
    doc = api_as("ruili_grid").get("/api/openapi.json").json()
    op = doc["paths"]["/api/sync"]["post"]
    assert "exactly once" in op["description"] and "handover_withdrawn" in op["description"]
    assert "/api/sync/pack" in doc["paths"]
