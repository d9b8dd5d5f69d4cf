"""The loop's REST API: every flow, scoped, with idempotent retries and one error shape."""

import io
import json

import pytest
from openpyxl import Workbook

from guomen.loop.models import CustodyEvent, Journey, State
from guomen.loop.tests.factories import ahead, person

pytestmark = pytest.mark.django_db
AHEAD = ahead()  # the day of an expected arrival a few days from now


def post(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def port(api_as):
    return api_as("ruili_port")


def arrive(port_client):
    p = person()
    r = post(port_client, "/api/loop/arrivals", {"port_unit": "port-ruili", "person": str(p.public_id), "origin_country": "MMR"})
    assert r.status_code == 201, r.content
    return r.json()["code"]


def test_a_whole_flow_over_http_port_to_facility(port, api_as):
    code = arrive(port)
    assert post(port, f"/api/loop/journeys/{code}/screenings", {"temperature": 36.6}).status_code == 201
    r = post(port, f"/api/loop/journeys/{code}/disposition", {"disposition": "quarantine", "to_unit": "c533102-hotel1"})
    assert r.status_code == 200 and r.json()["state"] == "handover_offered" and r.json()["pending_unit"] == "c533102-hotel1"
    hotel = api_as("ruili_hotel")
    r = post(hotel, f"/api/loop/journeys/{code}/handover/accept", {"room": "305", "card_code": code})
    assert r.status_code == 200 and r.json()["state"] == "in_facility" and r.json()["custodian"] == "c533102-hotel1"
    detail = hotel.get(f"/api/loop/journeys/{code}").json()
    assert [e["kind"] for e in detail["events"]] == ["arrived", "screened", "disposed", "handover_offered", "handover_accepted"]


def test_a_retried_write_with_the_same_key_is_applied_once(port):
    code = arrive(port)
    first = post(port, f"/api/loop/journeys/{code}/screenings", {"temperature": 36.6}, HTTP_IDEMPOTENCY_KEY="scr-1")
    again = post(port, f"/api/loop/journeys/{code}/screenings", {"temperature": 36.6}, HTTP_IDEMPOTENCY_KEY="scr-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Journey.objects.get(code=code).events.filter(kind="screened").count() == 1


def test_batch_health_checks_apply_each_item_and_report_the_bad_ones(port, api_as):
    hotel = api_as("ruili_hotel")
    codes = []
    for n in range(3):
        code = arrive(port)
        post(port, f"/api/loop/journeys/{code}/disposition", {"disposition": "quarantine", "to_unit": "c533102-hotel1"})
        post(hotel, f"/api/loop/journeys/{code}/handover/accept", {"room": f"B{n}", "card_code": code})
        codes.append(code)
    items = [{"journey": c, "temperature": 36.5} for c in codes] + [
        {"journey": "GMNOSUCH00", "temperature": 36.5},
        {"journey": codes[0], "temperature": 99},
    ]
    r = post(hotel, "/api/loop/checks/batch", {"unit": "c533102-hotel1", "items": items})
    body = r.json()
    assert r.status_code == 200 and body["accepted"] == 3 and body["rejected"] == 2
    assert [x["code"] for x in body["results"] if not x["ok"]] == ["not_found", "invalid_temperature"]
    assert CustodyEvent.objects.filter(journey__code__in=codes, kind="health_check").count() == 3


def test_journeys_outside_reach_are_not_found(port, api_as):
    code = arrive(port)
    mohan = api_as("mohan_port")
    assert mohan.get(f"/api/loop/journeys/{code}").status_code == 404
    r = post(mohan, f"/api/loop/journeys/{code}/screenings", {"temperature": 36.6})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert code not in [j["code"] for j in mohan.get("/api/loop/journeys").json()]
    assert code in [j["code"] for j in api_as("ruili").get("/api/loop/journeys").json()]
    assert code in [j["code"] for j in api_as("dehong").get("/api/loop/journeys").json()]
    assert code not in [j["code"] for j in api_as("xishuangbanna").get("/api/loop/journeys").json()]


def test_a_broken_rule_answers_in_the_one_error_shape_and_changes_nothing(port):
    code = arrive(port)
    r = post(port, f"/api/loop/journeys/{code}/handover/accept", {"room": "1", "card_code": code})
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_handover"
    r = post(port, f"/api/loop/journeys/{code}/screenings", {"temperature": "hot"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"
    r = post(port, f"/api/loop/journeys/{code}/screenings", {"temperature": 60})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_temperature"
    assert Journey.objects.get(code=code).last_seq == 1


def test_the_auditor_reads_but_cannot_write(port, api_as):
    code = arrive(port)
    auditor = api_as("auditor")
    assert auditor.get(f"/api/loop/journeys/{code}").status_code == 200
    assert post(auditor, f"/api/loop/journeys/{code}/screenings", {"temperature": 36.6}).status_code == 403


def _manifest(rows, kind="csv"):
    header = ["姓名", "英文名", "性别", "国籍", "证件类型", "证件号码", "预计入境时间", "出发地", "风险等级"]
    if kind == "csv":
        buf = io.StringIO()
        buf.write(",".join(header) + "\n")
        for r in rows:
            buf.write(",".join(r) + "\n")
        return buf.getvalue().encode("utf-8")
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


ROWS = [
    ("ສົມພອນ", "Somphone", "男", "LAO", "passport", "P1234567", f"{AHEAD} 10:30", "Boten", "中"),
    ("ບຸນມີ", "Bounmy", "女", "LAO", "passport", "P7654321", f"{AHEAD} 11:00", "Boten", "低"),
    ("", "Nobody", "男", "LAO", "passport", "P1111111", f"{AHEAD} 11:00", "Boten", "低"),
    ("Vanna", "Vanna", "女", "XXX", "passport", "P2222222", f"{AHEAD} 11:00", "Boten", "低"),
    ("Khamphan", "Khamphan", "男", "LAO", "passport", "P3333333", "next week", "Boten", "低"),
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_manifest_import_takes_valid_rows_reports_invalid_ones_and_reimport_changes_nothing(api_as, kind):
    mohan = api_as("mohan_port")
    content = _manifest(ROWS, kind)

    def send():
        f = io.BytesIO(content)
        f.name = f"lao-manifest.{kind}"
        return mohan.post("/api/loop/manifests", {"port_unit": "port-mohan", "file": f})

    r = send()
    body = r.json()
    assert r.status_code == 200, body
    assert [t["row"] for t in body["taken"]] == [2, 3]
    assert [(x["row"], x["code"]) for x in body["rejected"]] == [(4, "missing_values"), (5, "unknown_country"), (6, "invalid_expected_at")]
    assert all(x["reason"] for x in body["rejected"])
    declared = set(Journey.objects.filter(state=State.DECLARED, custodian__code="port-mohan").values_list("code", flat=True))
    events = CustodyEvent.objects.count()
    again = send().json()
    assert again["taken"] == [] and [u["row"] for u in again["unchanged"]] == [2, 3] and len(again["rejected"]) == 3
    assert CustodyEvent.objects.count() == events
    assert set(Journey.objects.filter(state=State.DECLARED, custodian__code="port-mohan").values_list("code", flat=True)) == declared


def test_a_manifest_without_the_needed_columns_is_refused_whole(api_as):
    f = io.BytesIO(b"name,phone\nA,1\n")
    f.name = "bad.csv"
    r = api_as("mohan_port").post("/api/loop/manifests", {"port_unit": "port-mohan", "file": f})
    assert r.status_code == 422 and r.json()["error"]["code"] == "missing_columns"
    assert not Journey.objects.filter(custodian__code="port-mohan").exists()


def test_openapi_lists_every_flow(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for p in [
        "/api/loop/arrivals",
        "/api/loop/declarations",
        "/api/loop/interceptions",
        "/api/loop/journeys/{code}/disposition",
        "/api/loop/journeys/{code}/handover/accept",
        "/api/loop/checks/batch",
        "/api/loop/manifests",
        "/api/loop/alerts",
    ]:
        assert p in paths, p


def test_a_fever_in_a_batch_sends_that_person_to_hospital_and_the_rest_are_applied(port, api_as):
    hotel = api_as("ruili_hotel")
    codes = []
    for n in range(2):
        code = arrive(port)
        post(port, f"/api/loop/journeys/{code}/disposition", {"disposition": "quarantine", "to_unit": "c533102-hotel1"})
        post(hotel, f"/api/loop/journeys/{code}/handover/accept", {"room": f"F{n}", "card_code": code})
        codes.append(code)
    items = [
        {"journey": codes[0], "temperature": 38.6},
        {"journey": codes[1], "temperature": 36.4},
        {"journey": codes[1], "temperature": 36.5},
    ]
    body = post(hotel, "/api/loop/checks/batch", {"unit": "c533102-hotel1", "items": items}).json()
    assert body["accepted"] == 3 and body["rejected"] == 0
    sick, well = Journey.objects.get(code=codes[0]), Journey.objects.get(code=codes[1])
    assert sick.state == State.HANDOVER_OFFERED and sick.pending_unit.code == "c533102-hospital"
    assert well.state == State.IN_FACILITY and well.events.filter(kind="health_check").count() == 2
    assert [e.seq for e in well.events.order_by("seq")] == list(range(1, well.last_seq + 1))
