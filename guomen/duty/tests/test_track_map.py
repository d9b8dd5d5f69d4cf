"""The patrol page draws the uploaded GPX track over its segments, with the covered length in km and %."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from guomen.duty import services
from guomen.duty.trackmap import patrol_map

from .helpers import gpx_of, straight_segment, track_along, unit, who

pytestmark = pytest.mark.django_db


def _patrol_with_track(share: float):
    seg = straight_segment(km=20)
    start = timezone.now() - timedelta(hours=4)
    p = services.patrol_plan(
        actor=who("ruili"),
        team=unit(),
        leader=who("ruili_patrol"),
        segments=[seg],
        window_start=start,
        window_end=start + timedelta(hours=6),
    )
    services.patrol_upload_gpx(actor=who("ruili_patrol"), patrol=p, data=gpx_of(track_along(seg, share, start + timedelta(minutes=10))))
    return p, seg


def test_the_map_data_holds_the_track_the_segment_and_the_covered_stretch(world):
    p, seg = _patrol_with_track(0.8)
    data = patrol_map(p)
    assert data["track"]["type"] == "LineString" and len(data["track"]["coordinates"]) > 60
    assert data["segments"]["features"][0]["properties"]["code"] == seg.code
    assert data["covered_km"] == pytest.approx(16, abs=0.5) and data["share"] == pytest.approx(0.8, abs=0.02)
    covered = data["covered"]["features"][0]["geometry"]
    assert covered["type"] in ("LineString", "MultiLineString")


def test_the_patrol_page_shows_the_track_map_with_covered_km_and_percent(client_as):
    p, _seg = _patrol_with_track(0.5)
    html = client_as("ruili").get(f"/duty/patrols/{p.public_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="track-map"' in html
    data = json.loads(re.search(r'<script id="track-map-data" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert data["covered_km"] == pytest.approx(10, abs=0.5)
    assert re.search(r'id="track-share">5\d%<', html)
    assert "The track covers 10" in html or "The track covers 9.9" in html or "The track covers 10.0" in html
