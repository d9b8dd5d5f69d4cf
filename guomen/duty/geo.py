"""Tracks against segments, in metres: WGS-84 lon/lat projected to the segment's UTM zone."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point

REACH_M = 200.0  # a stretch of border counts as patrolled when the track passed within this distance


def transform(fn: Any, geom: Any) -> Any:
    """Apply a pyproj ``transform`` (x, y arrays → x, y arrays) to a shapely geometry."""
    return shapely.transform(geom, lambda x, y: fn(x, y), interleaved=False)


@lru_cache(maxsize=64)
def _to_metric(zone: int, north: bool) -> Transformer:
    epsg = (32600 if north else 32700) + zone
    return Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)


def utm_for(lon: float, lat: float) -> Transformer:
    zone = min(max(int((lon + 180) // 6) + 1, 1), 60)
    return _to_metric(zone, lat >= 0)


def line_lonlat(geometry: dict[str, Any]) -> LineString:
    if not geometry or geometry.get("type") != "LineString" or len(geometry.get("coordinates") or []) < 2:
        raise ValueError("not a GeoJSON LineString")
    return LineString([(float(c[0]), float(c[1])) for c in geometry["coordinates"]])


def length_km(geometry: dict[str, Any]) -> float:
    line = line_lonlat(geometry)
    c = line.centroid
    return transform(utm_for(c.x, c.y).transform, line).length / 1000


@dataclass(frozen=True)
class SegmentEffort:
    covered_km: float
    share: float
    walked_km: float
    hours: float


def segment_effort(geometry: dict[str, Any], points: Sequence[tuple[datetime, float, float]], reach_m: float = REACH_M) -> SegmentEffort:
    """What a track (time, lat, lon, in time order) did for a segment.

    covered: the part of the segment within ``reach_m`` of the track; walked: the part of the track
    within ``reach_m`` of the segment; hours: time between consecutive points both within reach.
    """
    seg_ll = line_lonlat(geometry)
    c = seg_ll.centroid
    to_m = utm_for(c.x, c.y).transform
    seg = transform(to_m, seg_ll)
    if seg.length == 0 or not points:
        return SegmentEffort(0.0, 0.0, 0.0, 0.0)
    xy = [to_m(lon, lat) for _t, lat, lon in points]
    if len(xy) == 1:
        reach = Point(xy[0]).buffer(reach_m)
        covered = seg.intersection(reach).length
        return SegmentEffort(covered / 1000, min(covered / seg.length, 1.0), 0.0, 0.0)
    track = LineString(xy)
    covered = seg.intersection(track.buffer(reach_m)).length
    walked = track.intersection(seg.buffer(reach_m)).length
    near = [seg.distance(Point(p)) <= reach_m for p in xy]
    seconds = sum((points[i + 1][0] - points[i][0]).total_seconds() for i in range(len(points) - 1) if near[i] and near[i + 1])
    return SegmentEffort(covered / 1000, min(covered / seg.length, 1.0), walked / 1000, max(seconds, 0) / 3600)


def nearest_m(geometry: dict[str, Any], points: Sequence[tuple[datetime, float, float]]) -> float:
    """The distance in metres from the segment to the track's nearest point (inf when none can be
    projected: a point on another continent falls outside the segment's UTM zone)."""
    seg_ll = line_lonlat(geometry)
    c = seg_ll.centroid
    to_m = utm_for(c.x, c.y).transform
    seg = transform(to_m, seg_ll)
    best = math.inf
    for _t, lat, lon in points:
        x, y = to_m(lon, lat)
        if math.isfinite(x) and math.isfinite(y):
            best = min(best, seg.distance(Point(x, y)))
    return best
