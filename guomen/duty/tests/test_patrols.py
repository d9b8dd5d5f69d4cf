"""Patrols: plan → start → end, tracks from check-ins and GPX, coverage of segments in metres."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import gpxpy
import pytest
from django.utils import timezone

from guomen.duty import geo, services
from guomen.duty.models import Patrol, PatrolStatus, TrackPoint
from guomen.lib.errors import Conflict, DomainError

from .helpers import gpx_of, local, straight_segment, track_along, unit, who

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def _plan(seg, hours_from_now: float = -1):
    start = timezone.now() + timedelta(hours=hours_from_now)
    return services.patrol_plan(
        actor=who("ruili"),
        team=unit(),
        leader=who("ruili_patrol"),
        segments=[seg],
        window_start=start,
        window_end=start + timedelta(hours=6),
    )


def _plan_at(seg, start, hours: float = 6):
    return services.patrol_plan(
        actor=who("ruili"),
        team=unit(),
        leader=who("ruili_patrol"),
        segments=[seg],
        window_start=start,
        window_end=start + timedelta(hours=hours),
    )


def test_track_along_80_percent_of_a_segment_is_measured_as_80_percent(world):
    seg = straight_segment(km=20)
    assert seg.length_km == pytest.approx(20, rel=1e-3)
    points = track_along(seg, 0.8, timezone.now() - timedelta(hours=3))
    eff = geo.segment_effort(seg.geometry, points)
    assert eff.share == pytest.approx(0.80, abs=0.02)
    assert eff.walked_km == pytest.approx(16, abs=0.3)
    assert eff.hours == pytest.approx((len(points) - 1) * 3 / 60, abs=0.01)


def test_a_track_farther_than_the_reach_covers_nothing(world):
    seg = straight_segment(km=5)
    points = track_along(seg, 1.0, timezone.now() - timedelta(hours=3), offset_m=400)
    assert geo.segment_effort(seg.geometry, points).share == 0


def test_gpx_upload_records_the_track_and_its_coverage_and_a_second_upload_adds_nothing(world):
    seg = straight_segment(km=20)
    p = _plan(seg, -4)  # the track below starts with the window and ends before now
    data = gpx_of(track_along(seg, 0.8, timezone.now() - timedelta(hours=4)))
    added = services.patrol_upload_gpx(actor=who("ruili_patrol"), patrol=p, data=data)
    assert added > 60
    p.refresh_from_db()
    assert p.status == PatrolStatus.ENDED and p.started_at < p.ended_at
    cov = p.coverage.get(segment=seg)
    assert cov.share == pytest.approx(0.8, abs=0.02)
    assert services.patrol_upload_gpx(actor=who("ruili_patrol"), patrol=p, data=data) == 0


def test_gpx_export_gives_back_the_points(client_as):
    seg = straight_segment(km=5)
    p = _plan(seg, -4)
    points = track_along(seg, 1.0, timezone.now() - timedelta(hours=4))
    services.patrol_upload_gpx(actor=who("ruili_patrol"), patrol=p, data=gpx_of(points))
    r = client_as("ruili").get(f"/duty/patrols/{p.public_id}/track.gpx")
    assert r.status_code == 200 and r["Content-Type"] == "application/gpx+xml"
    parsed = gpxpy.parse(r.content.decode())
    assert len(parsed.tracks[0].segments[0].points) == len(points)


def test_the_fixture_gpx_file_parses(world):
    seg = straight_segment(km=5, lon0=97.80, lat0=24.00)
    p = _plan_at(seg, local(2020, 4, 2, 8))  # the file was recorded 09:00–10:00 on 2 April 2020
    assert services.patrol_upload_gpx(actor=who("ruili_patrol"), patrol=p, data=(DATA / "patrol.gpx").read_bytes()) > 10


def test_not_a_gpx_file_is_refused_with_a_reason(world):
    p = _plan(straight_segment(km=5))
    with pytest.raises(DomainError) as exc:
        services.patrol_upload_gpx(actor=who("ruili_patrol"), patrol=p, data=b"hello")
    assert exc.value.code == "bad_gpx"
    assert TrackPoint.objects.filter(patrol=p).count() == 0


def test_checkins_are_idempotent_by_client_id_and_only_while_under_way(api_as):
    seg = straight_segment(km=5)
    p = _plan(seg)
    c = api_as("ruili_patrol")
    body = {"client_id": str(uuid.uuid4()), "lat": 24.0005, "lon": 97.81, "accuracy": 12}
    url = f"/api/duty/patrols/{p.public_id}/checkins"
    r = c.post(url, json.dumps(body), content_type="application/json")
    assert r.status_code == 409  # not started yet
    assert c.post(f"/api/duty/patrols/{p.public_id}/start").status_code == 200
    r1 = c.post(url, json.dumps(body), content_type="application/json")
    r2 = c.post(url, json.dumps(body), content_type="application/json")
    assert (r1.status_code, r2.status_code) == (201, 200)
    assert TrackPoint.objects.filter(patrol=p).count() == 1
    r = c.post(url, json.dumps({**body, "client_id": "x", "lat": 124}), content_type="application/json")
    assert r.status_code == 422
    assert c.post(f"/api/duty/patrols/{p.public_id}/end").json()["status"] == "ended"


def test_an_ended_patrol_cannot_start_again(world):
    p = _plan(straight_segment(km=5))
    services.patrol_start(actor=who("ruili_patrol"), patrol=p)
    services.patrol_end(actor=who("ruili_patrol"), patrol=p)
    with pytest.raises(Conflict):
        services.patrol_start(actor=who("ruili_patrol"), patrol=p)


def test_another_county_cannot_see_the_patrol(api_as):
    p = _plan(straight_segment(km=5))
    assert api_as("mengla").get(f"/api/duty/patrols/{p.public_id}").status_code == 404
    assert api_as("ruili").get(f"/api/duty/patrols/{p.public_id}").status_code == 200


def test_api_plans_a_patrol_takes_a_gpx_upload_and_exports_it(api_as):
    seg = straight_segment(km=5)
    c = api_as("ruili")
    body = {
        "team": unit().code,
        "leader": "ruili_patrol",
        "segments": [seg.code],
        "window_start": "2020-04-02T08:00:00+08:00",
        "window_end": "2020-04-02T14:00:00+08:00",
    }
    r = c.post("/api/duty/patrols", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("patrol.gpx", (DATA / "patrol.gpx").read_bytes(), content_type="application/gpx+xml")
    r = c.post(f"/api/duty/patrols/{pid}/gpx", {"file": upload})
    assert r.status_code == 200, r.content
    assert r.json()["added"] == 21 and r.json()["patrol"]["status"] == "ended"
    assert r.json()["patrol"]["coverage"][0]["share"] == pytest.approx(0.84, abs=0.02)
    r = c.get(f"/api/duty/patrols/{pid}/gpx")
    assert r.status_code == 200 and len(gpxpy.parse(r.content.decode()).tracks[0].segments[0].points) == 21
    r = c.get("/api/duty/coverage/gaps?hours=24")
    assert r.status_code == 200 and isinstance(r.json(), list)


def test_a_patrol_for_tomorrow_cannot_start_today_nor_while_another_is_under_way(world):
    seg = straight_segment(km=5)
    tomorrow = _plan(seg, hours_from_now=24)
    with pytest.raises(Conflict) as exc:
        services.patrol_start(actor=who("ruili_patrol"), patrol=tomorrow)
    assert exc.value.code == "too_early"
    running = _plan(seg)
    services.patrol_start(actor=who("ruili_patrol"), patrol=running)
    soon = _plan(seg, hours_from_now=1)  # an hour early: allowed only when nothing else is under way
    with pytest.raises(Conflict) as exc:
        services.patrol_start(actor=who("ruili_patrol"), patrol=soon)
    assert exc.value.code == "another_running"
    soon.refresh_from_db()
    assert soon.status == "planned"
    for other in Patrol.objects.filter(status="started", leader=who("ruili_patrol")):
        services.patrol_end(actor=who("ruili_patrol"), patrol=other)
    assert services.patrol_start(actor=who("ruili_patrol"), patrol=soon).status == "started"


def test_a_bad_gpx_upload_answers_in_the_users_language_on_the_patrol_page(world, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = _plan(straight_segment(km=5))
    c = client_as("ruili_patrol")
    here = f"/duty/patrols/{p.public_id}/"
    upload = SimpleUploadedFile("walk.gpx", b"<gpx><trk>", content_type="application/gpx+xml")
    r = c.post(f"{here}gpx/", {"file": upload})
    assert r.status_code == 302 and r.url == here
    page = c.get(here).content.decode()
    assert "无法读取为 GPX" in page and "Premature" not in page and "Error parsing XML" not in page
    c.cookies.load({"django_language": "en"})
    upload = SimpleUploadedFile("walk.gpx", b"hello", content_type="application/gpx+xml")
    c.post(f"{here}gpx/", {"file": upload})
    page = c.get(here).content.decode()
    assert "could not be read as GPX" in page and "Start tag expected" not in page
    assert TrackPoint.objects.filter(patrol=p).count() == 0


@pytest.mark.parametrize(("lang", "asked"), [("zh-hans", "巡逻结束后不能再次开始"), ("en", "An ended patrol cannot be started again")])
def test_ending_a_patrol_from_its_page_asks_once_more_and_changes_nothing_until_confirmed(world, client_as, lang, asked):
    p = _plan(straight_segment(km=5))
    services.patrol_start(actor=who("ruili_patrol"), patrol=p)
    c = client_as("ruili_patrol")
    c.cookies["django_language"] = lang
    url = f"/duty/patrols/{p.public_id}/end/"
    r = c.post(url, {"next": "/duty/me/"})
    html = r.content.decode()
    assert r.status_code == 200 and asked in html
    assert 'name="confirm" value="yes"' in html and 'name="next" value="/duty/me/"' in html
    p.refresh_from_db()
    assert p.status == PatrolStatus.STARTED and p.ended_at is None
    r = c.post(url, {"next": "/duty/me/", "confirm": "yes"})
    assert r.status_code == 302 and r["Location"] == "/duty/me/"
    p.refresh_from_db()
    assert p.status == PatrolStatus.ENDED
