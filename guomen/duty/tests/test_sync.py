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
