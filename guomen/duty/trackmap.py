"""The patrol page's map: the patrol's segments, the uploaded or checked-in track over them, and the
stretches of each segment the track covered (within ``geo.REACH_M``), with covered km and share."""

from __future__ import annotations

from typing import Any

from pyproj import Transformer
from shapely.geometry import LineString, Point, mapping

from . import geo
from .models import Patrol


def _lonlat(fn_back: Any, geom: Any) -> dict[str, Any]:
    g = geo.transform(fn_back, geom)
    m = mapping(g)
    return {"type": m["type"], "coordinates": m["coordinates"]}


def patrol_map(patrol: Patrol) -> dict[str, Any]:
    points = list(patrol.points.order_by("at", "id").values_list("at", "lat", "lon"))
    coverage = {c.segment_id: c for c in patrol.coverage.all()}
    segments, covered = [], []
    total_km = total_covered = 0.0
    for s in patrol.segments.all().order_by("code"):
        seg_ll = geo.line_lonlat(s.geometry)
        c = seg_ll.centroid
        t = geo.utm_for(c.x, c.y)
        seg = geo.transform(t.transform, seg_ll)
        piece = None
        if points:
            xy = [t.transform(lon, lat) for _at, lat, lon in points]
            reach = (LineString(xy) if len(xy) > 1 else Point(xy[0])).buffer(geo.REACH_M)
            piece = seg.intersection(reach)
        km = (piece.length / 1000) if piece is not None else 0.0
        total_km += seg.length / 1000
        total_covered += km
        row = coverage.get(s.pk)
        segments.append(
            {
                "type": "Feature",
                "geometry": s.geometry,
                "properties": {
                    "code": s.code,
                    "risk": s.risk,
                    "length_km": round(seg.length / 1000, 2),
                    "covered_km": round(row.covered_km if row else km, 2),
                    "share": round(row.share if row else 0.0, 3),
                },
            }
        )
        if piece is not None and not piece.is_empty:
            back = Transformer.from_crs(t.target_crs, "EPSG:4326", always_xy=True).transform
            covered.append({"type": "Feature", "geometry": _lonlat(back, piece), "properties": {"code": s.code}})
    track = {"type": "LineString", "coordinates": [[lon, lat] for _at, lat, lon in points]} if len(points) > 1 else None
    return {
        "segments": {"type": "FeatureCollection", "features": segments},
        "covered": {"type": "FeatureCollection", "features": covered},
        "track": track,
        "points": [[lon, lat] for _at, lat, lon in points] if len(points) == 1 else [],
        "length_km": round(total_km, 2),
        "covered_km": round(total_covered, 2),
        "share": round(total_covered / total_km, 3) if total_km else 0.0,
    }
