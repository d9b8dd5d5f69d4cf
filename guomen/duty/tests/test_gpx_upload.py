"""An uploaded GPX track becomes a patrol's only if it was recorded during the patrol's time and
near its segments: a file from another continent and year is refused with the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from guomen.duty import services
from guomen.duty.models import PatrolStatus, TrackPoint
from guomen.lib.errors import DomainError

from .helpers import gpx_of, straight_segment, track_along, unit, who

pytestmark = pytest.mark.django_db

# The start of gpxpy's own test track (a walk in Croatia, 2017): another continent, another year.
ELSEWHERE = [(datetime(2017, 6, 4, 9, 0, tzinfo=UTC) + timedelta(minutes=i), 45.8 + i / 1000, 15.9 + i / 1000) for i in range(30)]


def _plan(seg, start, hours: float = 6):
    return services.patrol_plan(
        actor=who("ruili"),
        team=unit(),
        leader=who("ruili_patrol"),
        segments=[seg],
        window_start=start,
        window_end=start + timedelta(hours=hours),
    )


def _upload(p, points):
    return services.patrol_upload_gpx(actor=who("ruili_patrol"), patrol=p, data=gpx_of(points))


def _refused(p, points) -> DomainError:
    with pytest.raises(DomainError) as exc:
        _upload(p, points)
    p.refresh_from_db()
    assert p.status == PatrolStatus.PLANNED and p.started_at is None
    assert not TrackPoint.objects.filter(patrol=p).exists()
    return exc.value


def test_a_track_from_another_continent_and_year_does_not_end_todays_patrol(world):
    p = _plan(straight_segment(km=5), timezone.now() - timedelta(hours=1))
    err = _refused(p, ELSEWHERE)
    assert err.code == "track_outside_window" and "2017-06-04" in err.message and err.status == 422


def test_a_track_of_the_right_time_far_from_the_segments_is_refused_with_the_distance(world):
    seg = straight_segment(km=5)
    start = timezone.now() - timedelta(hours=3)
    p = _plan(seg, start)
    moved = [(t, la + 0.5, lo) for t, la, lo in track_along(seg, 0.8, start + timedelta(minutes=10))]  # ~55 km north
    err = _refused(p, moved)
    assert err.code == "track_far_from_segments" and 50 < err.details["nearest_km"] < 60


def test_a_track_from_elsewhere_at_the_right_time_is_refused_as_far(world):
    start = timezone.now() - timedelta(hours=3)
    p = _plan(straight_segment(km=5), start)
    err = _refused(p, [(start + timedelta(minutes=i), la, lo) for i, (_t, la, lo) in enumerate(ELSEWHERE)])
    assert err.code == "track_far_from_segments" and err.details["nearest_km"] > 1000


def test_a_track_a_day_before_the_window_is_refused_and_one_within_two_hours_of_it_is_taken(world):
    seg = straight_segment(km=5)
    start = timezone.now() - timedelta(hours=8)
    p = _plan(seg, start, hours=4)
    assert _refused(p, track_along(seg, 0.8, start - timedelta(days=1))).code == "track_outside_window"
    assert _upload(p, track_along(seg, 0.8, start - timedelta(minutes=90))) > 10
    p.refresh_from_db()
    assert p.status == PatrolStatus.ENDED


def test_a_track_with_times_in_the_future_is_refused(world):
    seg = straight_segment(km=5)
    p = _plan(seg, timezone.now() - timedelta(hours=1))
    assert _refused(p, track_along(seg, 0.8, timezone.now() + timedelta(minutes=30))).code == "track_in_future"
