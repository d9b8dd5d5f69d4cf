"""The single check over the API reads its journey in the token's own lookup (PostgreSQL): one
round trip less on the busiest write, with the same answers, the same errors and the same OpenAPI."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guomen.loop import queries
from guomen.loop import services as s
from guomen.loop.models import CustodyEvent, EventKind
from guomen.loop.tests.factories import who
from guomen.loop.tests.test_flows import arrive, to_facility
from guomen.loop.tests.test_single_check import assert_consistent

pytestmark = pytest.mark.django_db
CHECK = "/api/loop/journeys/{}/checks"


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the optimistic check is PostgreSQL's path")
def test_a_check_reads_its_journey_with_the_token_and_writes_in_one_more_statement(world, api_as):
    j = to_facility(arrive())
    hotel = api_as("ruili_hotel")
    assert post(hotel, CHECK.format(j.code), {"temperature": 36.5}).status_code == 201  # the token's use recorded
    with CaptureQueriesContext(connection) as q:
        r = post(hotel, CHECK.format(j.code), {"temperature": 36.6})
    assert r.status_code == 201 and r.json()["seq"] == j.last_seq + 2 and r.json()["unit"] == "c533102-hotel1"
    sqls = [x["sql"] for x in q.captured_queries]
    assert len(sqls) == 2, sqls  # the token with the journey, then the guarded write
    assert "LEFT JOIN LATERAL" in sqls[0] and f"'{j.code}'" in sqls[0] and sqls[1].startswith("WITH u AS (UPDATE")
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).count() == 2
    assert_consistent(j)


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
