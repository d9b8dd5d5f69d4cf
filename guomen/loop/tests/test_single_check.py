"""One health check by loop code — the API's single check and the loop's busiest write.

On PostgreSQL a normal check is written optimistically (an unlocked read, then one guarded
statement); everything else takes the locked path. Both must leave the same journey behind."""

import datetime as dt
import json
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from guomen.alerts.models import Alert
from guomen.lib import clock as lib_clock
from guomen.loop import projection as proj
from guomen.loop import queries
from guomen.loop import services as s
from guomen.loop.alerting import AlertKind
from guomen.loop.models import CustodyEvent, EventKind, Journey, State
from guomen.loop.services.engine import _plan_stored
from guomen.loop.tests.factories import who
from guomen.loop.tests.test_flows import arrive, to_facility

pytestmark = pytest.mark.django_db


def post(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def replayed(j: Journey) -> proj.Projection:
    events = CustodyEvent.objects.filter(journey=j).order_by("seq")
    return proj.replay([proj.Ev(e.seq, e.kind, e.occurred_at, e.unit_id, e.data) for e in events], s.rules_of(j), j.risk)


def assert_consistent(j: Journey) -> None:
    j.refresh_from_db()
    seqs = list(CustodyEvent.objects.filter(journey=j).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, j.last_seq + 1))
    p = replayed(j)
    assert (p.state, p.custodian_id, p.due_at, p.awaiting, p.room, p.facts) == (
        j.state,
        j.custodian_id,
        j.due_at,
        j.awaiting,
        j.room,
        j.facts,
    )
    rules = s.rules_of(j)
    if j.check_plan_seq == j.last_seq:  # the plan the single check applies in SQL, where it holds
        assert j.check_plan == _plan_stored(proj.check_plan(p, rules, j.risk), rules)


def test_a_check_over_http_is_written_once_and_moves_the_due_time(world, api_as):
    j = to_facility(arrive())
    due = j.due_at
    hotel = api_as("ruili_hotel")
    r = post(hotel, f"/api/loop/journeys/{j.code}/checks", {"temperature": 36.6, "symptoms": []})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind"] == "health_check" and body["unit"] == "c533102-hotel1" and body["actor"] == "ruili_hotel"
    assert body["data"] == {"temperature": 36.6, "symptoms": [], "fever": False}
    e = CustodyEvent.objects.get(journey=j, kind=EventKind.HEALTH_CHECK)
    assert e.seq == body["seq"] and e.actor.username == "ruili_hotel" and e.recorded_at is not None
    j.refresh_from_db()
    assert (e.unit_id, e.journey_opened_at) == (j.custodian_id, j.opened_at)
    assert abs(e.recorded_at - j.updated_at) < timedelta(seconds=5)
    assert body["recorded_at"][:19] == e.recorded_at.isoformat()[:19] and e.data == body["data"]
    assert_consistent(j)
    assert j.due_at > due and j.facts["last_check_at"]


def test_a_retried_check_with_the_same_key_is_applied_once(world, api_as):
    j = to_facility(arrive())
    hotel = api_as("ruili_hotel")
    first = post(hotel, f"/api/loop/journeys/{j.code}/checks", {"temperature": 36.6}, HTTP_IDEMPOTENCY_KEY="chk-1")
    again = post(hotel, f"/api/loop/journeys/{j.code}/checks", {"temperature": 36.6}, HTTP_IDEMPOTENCY_KEY="chk-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).count() == 1


@pytest.mark.parametrize(
    ("username", "status", "error"),
    [
        ("mohan_port", 404, "not_found"),  # another county: the journey does not exist for them
        ("ruili_port", 403, "forbidden"),  # within reach, but not the custodian
        ("auditor", 403, "forbidden"),  # reads everything, changes nothing
    ],
)
def test_only_the_custodian_may_check_and_a_refusal_changes_nothing(world, api_as, username, status, error):
    j = to_facility(arrive())
    before = j.last_seq
    r = post(api_as(username), f"/api/loop/journeys/{j.code}/checks", {"temperature": 36.6})
    assert r.status_code == status and r.json()["error"]["code"] == error
    j.refresh_from_db()
    assert j.last_seq == before


def test_bad_input_and_wrong_state_are_refused_and_change_nothing(world, api_as):
    j = to_facility(arrive())
    hotel = api_as("ruili_hotel")
    before = j.last_seq
    r = post(hotel, f"/api/loop/journeys/{j.code}/checks", {"temperature": 12})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_temperature"
    assert post(hotel, "/api/loop/journeys/GMNOSUCH00/checks", {"temperature": 36.6}).status_code == 404
    at_gate = arrive()
    r = post(api_as("ruili_port"), f"/api/loop/journeys/{at_gate.code}/checks", {"temperature": 36.6})
    assert r.status_code == 409 and r.json()["error"]["code"] == "wrong_state"
    j.refresh_from_db()
    assert j.last_seq == before


def test_a_fever_by_code_offers_the_person_to_the_hospital(world):
    j = to_facility(arrive())
    e = s.health_check_by_code(actor=who("ruili_hotel"), code=j.code, temperature=38.1)
    assert e.data["fever"] is True
    j.refresh_from_db()
    assert j.state == State.HANDOVER_OFFERED and j.pending_unit.code == "c533102-hospital"
    assert_consistent(j)


def test_a_check_answers_the_open_overdue_alert(world):
    j = to_facility(arrive())
    later = j.due_at + timedelta(minutes=5)
    assert s.sweep(now=later) == 1
    with lib_clock.at(lambda: later):
        s.health_check_by_code(actor=who("ruili_hotel"), code=j.code, temperature=36.5)
    alert = Alert.objects.get(ref=j.pk, kind=AlertKind.OVERDUE)
    j.refresh_from_db()
    assert alert.closed_at is not None and alert.closed_by_seq == j.last_seq and not j.alert_open
    assert_consistent(j)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the optimistic write is PostgreSQL's path")
def test_a_check_computed_from_a_stale_read_writes_nothing(world):
    j = to_facility(arrive())
    hotel = who("ruili_hotel")
    stale = queries.journey_in_custody(hotel, j.code)
    seen = stale.last_seq
    s.health_check_by_code(actor=hotel, code=j.code, temperature=36.5)  # another device got there first
    event, _answered = s._advance(
        stale,
        EventKind.HEALTH_CHECK,
        unit=stale.custodian,
        actor=hotel,
        at=s._now(),
        data={"temperature": 36.7, "symptoms": [], "fever": False},
    )
    assert s._write_check_unless_changed(event, stale, seen) is False
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).count() == 1
    assert_consistent(j)
    s.health_check_by_code(actor=hotel, code=j.code, temperature=36.7)  # a fresh attempt goes through
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).count() == 2
    assert_consistent(j)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the optimistic write is PostgreSQL's path")
def test_an_alert_opened_after_the_read_stops_the_optimistic_write(world):
    j = to_facility(arrive())
    hotel = who("ruili_hotel")
    stale = queries.journey_in_custody(hotel, j.code)
    seen = stale.last_seq
    assert s.sweep(now=j.due_at + timedelta(minutes=5)) == 1  # the sweep opened an alert meanwhile
    event, _answered = s._advance(
        stale,
        EventKind.HEALTH_CHECK,
        unit=stale.custodian,
        actor=hotel,
        at=s._now(),
        data={"temperature": 36.5, "symptoms": [], "fever": False},
    )
    assert s._write_check_unless_changed(event, stale, seen) is False
    j.refresh_from_db()
    assert j.alert_open and j.last_seq == seen


def test_a_check_takes_part_in_the_callers_transaction(world):
    j = to_facility(arrive())
    hotel = who("ruili_hotel")
    with pytest.raises(RuntimeError), transaction.atomic():
        s.health_check_by_code(actor=hotel, code=j.code, temperature=36.5)
        raise RuntimeError("the caller fails after the check")
    assert not CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).exists()
    assert_consistent(j)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_checks_read_and_write_are_prepared_once_per_connection_and_still_logged(world):
    j = to_facility(arrive())
    hotel = who("ruili_hotel")

    def prepared() -> dict[str, int]:
        with connection.cursor() as cur:
            cur.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
            return {sql: runs for sql, runs in cur.fetchall() if "loop_journey" in sql}

    with CaptureQueriesContext(connection) as q:
        s.health_check_by_code(actor=hotel, code=j.code, temperature=36.5)
    first = prepared()
    assert len(first) == 2, first  # the custody read and the guarded write
    assert any(sql.startswith("WITH u AS (UPDATE") for sql in first)
    logged = [x["sql"] for x in q.captured_queries]  # query logging still sees them, values quoted in
    assert len(logged) == 2 and logged[1].startswith("WITH u AS (UPDATE") and f"'{j.code}'" in logged[0], logged
    s.health_check_by_code(actor=hotel, code=j.code, temperature=36.6)
    again = prepared()
    assert again.keys() == first.keys() and all(again[k] == first[k] + 1 for k in first)
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).count() == 2
    assert_consistent(j)


def test_a_time_sent_with_another_offset_is_kept_as_the_replay_reads_it(world, api_as):
    j = to_facility(arrive())
    at = (lib_clock.now() - timedelta(minutes=30)).astimezone(dt.timezone(timedelta(hours=8)))  # a phone in Yunnan
    r = post(api_as("ruili_hotel"), f"/api/loop/journeys/{j.code}/checks", {"temperature": 36.6, "occurred_at": at.isoformat()})
    assert r.status_code == 201, r.content
    j.refresh_from_db()
    assert datetime.fromisoformat(j.facts["last_check_at"]) == at
    assert_consistent(j)  # the facts say what a replay of the events says, offset and all
