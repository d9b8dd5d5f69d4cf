"""Duty's writes sent from a device that was offline: patrol check-ins, incidents, interceptions."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from guomen.duty import services
from guomen.duty.models import Incident, PatrolStatus, TrackPoint
from guomen.loop.models import Journey

from .helpers import straight_segment, track_along, unit, who

pytestmark = pytest.mark.django_db


def send(client, items):
    r = client.post("/api/sync", data=json.dumps({"items": items}), content_type="application/json")
    assert r.status_code == 200, r.content
    return r.json()


def started(seg, hours_ago: float = 2):
    start = timezone.now() - timedelta(hours=hours_ago)
    p = services.patrol_plan(
        actor=who("ruili"),
        team=unit(),
        leader=who("ruili_patrol"),
        segments=[seg],
        window_start=start,
        window_end=start + timedelta(hours=6),
    )
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        services.patrol_start(actor=who("ruili_patrol"), patrol=p)
    p.refresh_from_db()
    return p


def test_checkins_synced_after_an_hour_offline_give_the_same_coverage_as_online(world, api_as):
    seg_online, seg_offline = straight_segment(km=6), straight_segment(km=6)
    online, offline = started(seg_online), started(seg_offline)
    points = track_along(seg_online, 0.7, timezone.now() - timedelta(hours=1, minutes=50), step_m=300)
    for n, (at, lat, lon) in enumerate(points):
        with time_machine.travel(at, tick=False):
            services.patrol_checkin(actor=who("ruili_patrol"), patrol=online, client_id=f"on-{n}", lat=lat, lon=lon, at=at)
    shifted = track_along(seg_offline, 0.7, timezone.now() - timedelta(hours=1, minutes=50), step_m=300)
    queue = [
        {
            "key": f"off-{n}",
            "kind": "patrol_checkin",
            "occurred_at": at.isoformat(),
            "payload": {"patrol": str(offline.public_id), "lat": lat, "lon": lon},
        }
        for n, (at, lat, lon) in enumerate(shifted)
    ]
    services.patrol_end(actor=who("ruili_patrol"), patrol=offline)  # ended from the post's desk before the phone found signal
    client = api_as("ruili_patrol")
    out = send(client, queue)
    assert {i["outcome"] for i in out["items"]} == {"applied"}
    assert send(client, queue)["duplicate"] == len(queue)
    assert TrackPoint.objects.filter(patrol=offline).count() == len(queue)
    a, b = online.coverage.get(segment=seg_online), offline.coverage.get(segment=seg_offline)
    assert b.share == pytest.approx(a.share, abs=1e-6) and b.covered_km == pytest.approx(a.covered_km, abs=1e-6)
    assert b.share == pytest.approx(0.7, abs=0.05)


def test_a_checkin_timed_after_the_patrol_ended_is_refused(world, api_as):
    p = started(straight_segment(km=3))
    services.patrol_end(actor=who("ruili_patrol"), patrol=p)
    p.refresh_from_db()
    assert p.status == PatrolStatus.ENDED
    later = p.ended_at + timedelta(minutes=5)
    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        out = send(
            api_as("ruili_patrol"),
            [
                {
                    "key": "late",
                    "kind": "patrol_checkin",
                    "occurred_at": later.isoformat(),
                    "payload": {"patrol": str(p.public_id), "lat": 24.0, "lon": 97.8},
                }
            ],
        )
    assert out["items"][0]["code"] == "wrong_status"


def test_an_incident_and_an_interception_made_offline_keep_their_time_and_arrive_once(world, api_as):
    found = timezone.now() - timedelta(hours=5)
    queue = [
        {
            "key": "inc-1",
            "kind": "incident",
            "occurred_at": found.isoformat(),
            "payload": {"unit": "c533102-patrol", "kind": "damaged_fence", "description": "围栏破损"},
        },
        {
            "key": "int-1",
            "kind": "interception",
            "occurred_at": (found + timedelta(minutes=20)).isoformat(),
            "payload": {"unit": "c533102-patrol", "place": "界碑 12 号", "persons": [{"name_native": "Aung Aung", "nationality": "MMR"}]},
        },
    ]
    client = api_as("ruili_patrol")
    out = send(client, queue)
    assert [i["outcome"] for i in out["items"]] == ["applied", "applied"], out
    incidents, journeys = Incident.objects.count(), Journey.objects.count()
    assert send(client, queue)["duplicate"] == 2
    assert (Incident.objects.count(), Journey.objects.count()) == (incidents, journeys)
    inc = Incident.objects.get(code=out["items"][0]["result"]["incident"])
    assert inc.found_at == found
    codes = out["items"][1]["result"]["journeys"]
    assert len(codes) == 1 and Journey.objects.get(code=codes[0]).opened_at == found + timedelta(minutes=20)


# --- conflict rules for incidents and interceptions sent late ----------------------------------------
def interception(key, at, persons, unit_code="c533102-patrol", **extra):
    payload = {"unit": unit_code, "place": "界碑 7 号", "persons": persons, **extra}
    return {"key": key, "kind": "interception", "occurred_at": at.isoformat(), "payload": payload}


def test_an_interception_older_than_the_field_window_is_refused_and_nobody_enters_the_loop(world, api_as):
    from guomen.people.models import Person

    before = (Incident.objects.count(), Journey.objects.count(), Person.objects.count())
    out = send(
        api_as("ruili_patrol"),
        [interception("old-1", timezone.now() - timedelta(days=5), [{"name_native": "Mya Mya", "nationality": "MMR"}])],
    )
    assert out["items"][0]["outcome"] == "refused" and out["items"][0]["code"] == "time_too_old"
    assert (Incident.objects.count(), Journey.objects.count(), Person.objects.count()) == before


def test_an_interception_with_one_bad_person_is_refused_whole(world, api_as):
    from guomen.people.models import Person

    before = (Incident.objects.count(), Journey.objects.count(), Person.objects.count())
    persons = [{"name_native": "Aung Ko", "nationality": "MMR"}, {"name_native": "Hla", "nationality": "MMR", "sex": "Q"}]
    out = send(api_as("ruili_patrol"), [interception("bad-1", timezone.now() - timedelta(minutes=30), persons)])
    assert out["items"][0]["outcome"] == "refused", out
    assert (Incident.objects.count(), Journey.objects.count(), Person.objects.count()) == before  # not the first person either


def test_a_report_from_someone_who_left_the_unit_meanwhile_is_refused(world, api_as):
    from guomen.org.models import Membership

    from .helpers import members

    (member,) = members(1)
    client = api_as(member.username)
    Membership.objects.filter(user=member).delete()  # moved to another post before the phone found signal
    incidents = Incident.objects.count()
    item = {
        "key": "left-1",
        "kind": "incident",
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "payload": {"unit": "c533102-patrol", "kind": "smuggling", "description": "走私"},
    }
    out = send(client, [item])
    assert out["items"][0]["outcome"] == "refused" and out["items"][0]["code"] in ("not_found", "forbidden")
    assert Incident.objects.count() == incidents


def test_an_interception_on_a_patrol_ended_meanwhile_keeps_its_time_and_its_patrol(world, api_as):
    p = started(straight_segment(km=3), hours_ago=3)
    found = timezone.now() - timedelta(hours=1)
    services.patrol_end(actor=who("ruili_patrol"), patrol=p)  # ended at the post before the phone synced
    out = send(
        api_as("ruili_patrol"), [interception("int-p", found, [{"name_native": "Zaw", "nationality": "MMR"}], patrol=str(p.public_id))]
    )
    assert out["items"][0]["outcome"] == "applied", out
    inc = Incident.objects.get(code=out["items"][0]["result"]["incident"])
    assert inc.patrol_id == p.pk and inc.found_at == found


def test_an_interception_sent_as_a_plain_incident_is_refused(world, api_as):
    item = {
        "key": "inc-x",
        "kind": "incident",
        "occurred_at": timezone.now().isoformat(),
        "payload": {"unit": "c533102-patrol", "kind": "illegal_crossing_intercepted"},
    }
    out = send(api_as("ruili_patrol"), [item])
    assert out["items"][0]["code"] == "use_interceptions"


def test_a_patrols_pack_names_its_units_and_the_kinds_of_incident(world, api_as):
    r = api_as("ruili_patrol").get("/api/sync/pack", HTTP_ACCEPT_LANGUAGE="zh-hans")
    pack = r.json()
    assert {"code": "c533102-patrol", "name": unit().name} in pack["duty_units"]
    kinds = {k["code"]: k["name"] for k in pack["incident_kinds"]}
    assert kinds["damaged_fence"] == "围网损坏" and "illegal_crossing_intercepted" not in kinds
