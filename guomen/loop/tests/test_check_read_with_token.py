"""The single check over the API travels in the token's own lookup (PostgreSQL): a normal check is
read and written in the statement that authenticates the token — one round trip —, anything else is
read there and written as before; the same answers, the same errors and the same OpenAPI."""

import json
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from guomen.alerts.models import Alert
from guomen.core.models import ApiToken
from guomen.lib import clock as lib_clock
from guomen.loop import projection as proj
from guomen.loop import queries
from guomen.loop import services as s
from guomen.loop.alerting import AlertKind
from guomen.loop.models import CustodyEvent, EventKind, Journey, State
from guomen.loop.tests.factories import who
from guomen.loop.tests.test_flows import arrive, to_facility
from guomen.loop.tests.test_single_check import assert_consistent

pytestmark = pytest.mark.django_db
CHECK = "/api/loop/journeys/{}/checks"


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


PG = pytest.mark.skipif(connection.vendor != "postgresql", reason="the token's statement carries the check on PostgreSQL")


def checked(client, j, body):
    """Post a check; the answer and the SQL statements it took."""
    with CaptureQueriesContext(connection) as q:
        r = post(client, CHECK.format(j.code), body)
    return r, [x["sql"] for x in q.captured_queries]


@PG
def test_a_normal_check_is_written_in_the_token_s_own_statement(world, api_as):
    j = to_facility(arrive())
    hotel = api_as("ruili_hotel")
    assert post(hotel, CHECK.format(j.code), {"temperature": 36.5}).status_code == 201  # the token's use recorded
    r, sqls = checked(hotel, j, {"temperature": 36.6})
    assert r.status_code == 201 and r.json()["seq"] == j.last_seq + 2 and r.json()["unit"] == "c533102-hotel1"
    assert r.json()["actor"] == "ruili_hotel" and r.json()["data"] == {"temperature": 36.6, "symptoms": [], "fever": False}
    assert len(sqls) == 1, sqls  # token, journey and write: one round trip
    assert sqls[0].startswith("WITH u AS (SELECT") and f"'{j.code}'" in sqls[0] and "INSERT INTO" in sqls[0]
    e = CustodyEvent.objects.get(journey=j, seq=r.json()["seq"])
    assert (e.kind, e.unit.code, e.actor.username, e.data["temperature"]) == (EventKind.HEALTH_CHECK, "c533102-hotel1", "ruili_hotel", 36.6)
    assert r.json()["recorded_at"][:19] == e.recorded_at.isoformat()[:19]
    assert_consistent(j)  # the row the statement wrote is the projection's replay, its plan still current


@PG
def test_the_plan_s_other_deadline_stands_when_it_comes_before_the_next_check(world, api_as):
    j = to_facility(arrive())
    test_day = datetime.fromisoformat(j.check_plan["other_due"])
    assert j.check_plan["other_awaiting"] == proj.AWAIT_TEST
    with lib_clock.at(lambda: test_day - timedelta(hours=1)):  # the next check would fall after the test
        r, sqls = checked(api_as("ruili_hotel"), j, {"temperature": 36.6})
    assert r.status_code == 201 and sqls[0].startswith("WITH u AS (SELECT"), sqls
    assert not any('"loop_journey"' in q for q in sqls[1:]), sqls  # the rest: the token's use recorded (the clock moved)
    j.refresh_from_db()
    assert (j.due_at, j.awaiting) == (test_day, proj.AWAIT_TEST)
    assert_consistent(j)


@PG
def test_fever_symptoms_an_open_alert_and_an_older_reading_are_not_normal_checks(world, api_as):
    hotel = api_as("ruili_hotel")
    post(hotel, CHECK.format(to_facility(arrive(), room="102").code), {"temperature": 36.5})  # the token's use recorded
    fever = to_facility(arrive(), room="103")
    r, _sqls = checked(hotel, fever, {"temperature": 38.2})
    fever.refresh_from_db()
    assert r.status_code == 201 and r.json()["data"]["fever"] is True
    assert fever.state == State.HANDOVER_OFFERED and fever.pending_unit.code == "c533102-hospital"
    assert_consistent(fever)

    cough = to_facility(arrive(), room="104")
    r, _sqls = checked(hotel, cough, {"temperature": 36.5, "symptoms": ["cough"]})
    cough.refresh_from_db()
    assert r.status_code == 201 and cough.state == State.HANDOVER_OFFERED
    assert_consistent(cough)

    late = to_facility(arrive(), room="105")
    later = late.due_at + timedelta(minutes=5)
    s.sweep(now=later)
    assert Journey.objects.get(pk=late.pk).alert_open
    with lib_clock.at(lambda: later):
        r, _sqls = checked(hotel, late, {"temperature": 36.5})
    late.refresh_from_db()
    alert = Alert.objects.get(ref=late.pk, kind=AlertKind.OVERDUE)
    assert r.status_code == 201 and alert.closed_at is not None and alert.closed_by_seq == late.last_seq and not late.alert_open
    assert_consistent(late)

    offline = to_facility(arrive(), room="106")
    assert post(hotel, CHECK.format(offline.code), {"temperature": 36.5}).status_code == 201
    offline.refresh_from_db()
    newest = offline.facts["last_check_at"]
    earlier = (lib_clock.now() - timedelta(hours=1)).isoformat()
    r, _sqls = checked(hotel, offline, {"temperature": 36.6, "occurred_at": earlier})
    offline.refresh_from_db()
    assert r.status_code == 201 and offline.facts["last_check_at"] == newest  # the newer reading stands
    assert_consistent(offline)


@PG
def test_a_plan_that_no_longer_holds_is_never_applied(world, api_as):
    hotel = api_as("ruili_hotel")
    post(hotel, CHECK.format(to_facility(arrive(), room="102").code), {"temperature": 36.5})  # the token's use recorded
    j = to_facility(arrive())
    wrong = dict(j.check_plan, other_due="2000-01-01T00:00:00+00:00", other_awaiting="release")
    # a writer that changed the journey without its plan, and one that never wrote one (a bulk load)
    Journey.objects.filter(pk=j.pk).update(check_plan=wrong, check_plan_seq=F("last_seq") - 1)
    r, sqls = checked(hotel, j, {"temperature": 36.6})
    assert r.status_code == 201 and len(sqls) == 2, sqls  # the token's statement wrote nothing; the guarded write did
    assert_consistent(j)
    j.refresh_from_db()
    assert j.check_plan_seq == j.last_seq and j.check_plan["other_due"] != wrong["other_due"]  # written afresh
    Journey.objects.filter(pk=j.pk).update(check_plan=None, check_plan_seq=None)
    r, sqls = checked(hotel, j, {"temperature": 36.7})
    assert r.status_code == 201 and len(sqls) == 2, sqls
    assert_consistent(j)


@PG
def test_a_revoked_token_or_a_deactivated_user_writes_nothing(world, api_as, user):
    j = to_facility(arrive())
    hotel = api_as("ruili_hotel")
    assert post(hotel, CHECK.format(j.code), {"temperature": 36.5}).status_code == 201
    before = Journey.objects.get(pk=j.pk).last_seq
    ApiToken.objects.filter(user__username="ruili_hotel").update(revoked_at=lib_clock.now())
    assert post(hotel, CHECK.format(j.code), {"temperature": 36.6}).status_code == 401
    assert Journey.objects.get(pk=j.pk).last_seq == before
    other = api_as("ruili_hotel")
    type(user("ruili_hotel")).objects.filter(username="ruili_hotel").update(is_active=False)
    assert post(other, CHECK.format(j.code), {"temperature": 36.6}).status_code == 401
    assert Journey.objects.get(pk=j.pk).last_seq == before
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).count() == 1


@PG
def test_a_token_that_may_not_write_for_the_custodian_writes_nothing(world, api_as):
    j = to_facility(arrive())
    for name, status in (("ruili_port", 403), ("ruili_grid", 404)):
        r = post(api_as(name), CHECK.format(j.code), {"temperature": 36.6})
        assert r.status_code == status, (name, r.content)
    assert Journey.objects.get(pk=j.pk).last_seq == j.last_seq
    assert not CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).exists()


def test_a_check_by_a_browser_session_still_reads_the_journey_itself(world, client_as):
    j = to_facility(arrive())
    r = post(client_as("ruili_hotel"), CHECK.format(j.code), {"temperature": 36.6})
    assert r.status_code == 201, r.content
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).count() == 1
    assert_consistent(j)


def test_a_read_made_before_another_check_landed_writes_through_the_locked_path(world):
    j = to_facility(arrive())
    hotel = who("ruili_hotel")
    stale = queries.journey_in_custody(hotel, j.code) if connection.vendor == "postgresql" else None
    s.health_check_by_code(actor=hotel, code=j.code, temperature=36.5)  # another device got there first
    e = s.health_check_by_code(actor=hotel, code=j.code, temperature=36.7, read=stale)
    assert e.seq == CustodyEvent.objects.filter(journey=j).count()  # the last of the journey's events
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).count() == 2
    assert_consistent(j)


def test_a_read_that_found_nothing_gives_the_full_answers(world):
    j = to_facility(arrive())
    with pytest.raises(PermissionDenied):  # within reach, not the custodian: as without the read
        s.health_check_by_code(actor=who("ruili_port"), code=j.code, temperature=36.5, read=None)
    e = s.health_check_by_code(actor=who("ruili_hotel"), code=j.code, temperature=36.5, read=None)
    assert e.kind == EventKind.HEALTH_CHECK and CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).count() == 1
    assert_consistent(j)


def test_the_check_keeps_the_api_s_authentication_in_the_openapi_document(client):
    doc = client.get("/api/openapi.json").json()
    check = doc["paths"]["/api/loop/journeys/{code}/checks"]["post"]
    screening = doc["paths"]["/api/loop/journeys/{code}/screenings"]["post"]
    assert check["security"] == screening["security"] == [{"TokenAuth": []}, {"BrowserSession": []}]
    assert set(doc["components"]["securitySchemes"]) == {"TokenAuth", "BrowserSession"}


def test_a_body_nested_too_deep_is_refused_not_a_server_error(world, api_as):
    j = to_facility(arrive())
    r = api_as("ruili_hotel").post(CHECK.format(j.code), data="[" * 50000, content_type="application/json")
    assert 400 <= r.status_code < 500, r.status_code
    assert Journey.objects.get(pk=j.pk).last_seq == j.last_seq
