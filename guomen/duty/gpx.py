"""GPX 1.1 export of a patrol's track."""

from __future__ import annotations

import gpxpy.gpx

from .models import Patrol


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
