"""GPX tracks of patrols: the export of a patrol's track, and the checks an uploaded track must
pass before it becomes the patrol's — recorded during the patrol's time, near its segments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import gpxpy.gpx
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib.errors import DomainError

from . import geo
from .models import Patrol

# A patrol may set out a little early or come back late; a track beyond this around its window
# (or its actual start and end) is another walk, another day, or another device's file.
TIME_SLACK = timedelta(hours=2)
# A patrol walks its segments; a track that never comes this close to one of them is not its track.
NEAR_KM = 5.0


def patrol_gpx(patrol: Patrol) -> str:
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "guomen"
    track = gpxpy.gpx.GPXTrack(name=f"{patrol.team.code} {patrol.window_start:%Y-%m-%d %H:%M}Z")
    seg = gpxpy.gpx.GPXTrackSegment()
    for at, lat, lon in patrol.points.order_by("at", "id").values_list("at", "lat", "lon"):
        seg.points.append(gpxpy.gpx.GPXTrackPoint(latitude=lat, longitude=lon, time=at))
    track.segments.append(seg)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def _local(t: datetime) -> str:
    return timezone.localtime(t).strftime("%Y-%m-%d %H:%M")


def track_check(patrol: Patrol, points: Sequence[tuple[datetime, float, float]], *, now: datetime) -> None:
    """Refuse a track (time, lat, lon; times aware) that is not this patrol's, saying why."""
    first, last = min(p[0] for p in points), max(p[0] for p in points)
    opens = min(patrol.window_start, patrol.started_at or patrol.window_start) - TIME_SLACK
    closes = max(patrol.window_end, patrol.ended_at or patrol.window_end) + TIME_SLACK
    if last > now + timedelta(minutes=10):
        raise _refuse("track_in_future", _("The track has times in the future (up to %(last)s).") % {"last": _local(last)})
    if first < opens or last > closes:
        raise _refuse(
            "track_outside_window",
            _(
                "The track was recorded from %(first)s to %(last)s, outside this patrol's time "
                "(%(opens)s to %(closes)s, two hours either side of its window included)."
            )
            % {"first": _local(first), "last": _local(last), "opens": _local(opens), "closes": _local(closes)},
        )
    nearest = _nearest_km(patrol, points)
    if nearest is not None and nearest > NEAR_KM:
        distance = _("more than 1,000 km") if nearest > 1000 else _("%(km).1f km") % {"km": nearest}
        raise _refuse(
            "track_far_from_segments",
            _("The track never comes within %(near)d km of this patrol's border segments: its nearest point is %(distance)s away.")
            % {"near": NEAR_KM, "distance": distance},
            nearest_km=round(min(nearest, 99999.0), 1),
        )


def _nearest_km(patrol: Patrol, points: Sequence[tuple[datetime, float, float]]) -> float | None:
    distances = []
    for seg in patrol.segments.all():
        try:
            distances.append(geo.nearest_m(seg.geometry, points) / 1000)
        except ValueError:  # a segment without a usable line says nothing either way
            continue
    return min(distances) if distances else None


def _refuse(code: str, message: str, **details: object) -> DomainError:
    return DomainError(code, message, status=422, details={"field": "file", **details})
