"""Geometry in metres: GeoJSON in WGS-84 lon/lat in the database, shapely in a metric projection here.

The projection is an Albers equal-area conic centred on Yunnan (standard parallels 21° and 29° N,
the province's extent), so lengths along the border are within a fraction of a percent of the
geodesic ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyproj
import shapely
from shapely.geometry import LineString, Point, mapping, shape
from shapely.ops import substring

YUNNAN_ALBERS = "+proj=aea +lat_1=21 +lat_2=29 +lat_0=24 +lon_0=101 +datum=WGS84 +units=m +no_defs"
MAX_KM = 20.0  # segments come out between 10 and 20 km


@cache
def _to_metric() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", pyproj.CRS.from_proj4(YUNNAN_ALBERS), always_xy=True)


@cache
def _to_lonlat() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(pyproj.CRS.from_proj4(YUNNAN_ALBERS), "EPSG:4326", always_xy=True)


GEOD = pyproj.Geod(ellps="WGS84")


def to_metric(geom: Any) -> Any:
    t = _to_metric()
    return shapely.transform(geom, lambda xy: _stack(t.transform(xy[:, 0], xy[:, 1])))


def to_lonlat(geom: Any) -> Any:
    t = _to_lonlat()
    return shapely.transform(geom, lambda xy: _stack(t.transform(xy[:, 0], xy[:, 1])))


def _stack(xy: tuple[Any, Any]) -> Any:
    import numpy as np

    return np.column_stack(xy)


def length_km(geometry: dict[str, Any]) -> float:
    """Length of a GeoJSON line in km, measured in the metric projection."""
    return to_metric(shape(geometry)).length / 1000.0


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0


def rounded(geom: Any, digits: int = 5) -> dict[str, Any]:
    """GeoJSON of a lon/lat geometry with coordinates rounded (5 decimals ≈ 1 m)."""
    return mapping(shapely.set_precision(geom, 10**-digits)) | {}


def as_geojson(geom: Any, digits: int = 5) -> dict[str, Any]:
    def rnd(c: Any) -> Any:
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(v), digits) for v in c]
        return [rnd(x) for x in c]

    m = mapping(geom)
    return {"type": m["type"], "coordinates": rnd(m["coordinates"])}


# --- validation ---------------------------------------------------------------------------------
class GeometryError(ValueError):
    """A geometry that cannot be accepted, with a message for people."""


def _valid_position(c: Any) -> bool:
    return (
        isinstance(c, (list, tuple))
        and len(c) in (2, 3)
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in c)
        and -180 <= c[0] <= 180
        and -90 <= c[1] <= 90
    )


def check_geometry(g: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    """Return ``g`` when it is a well-formed GeoJSON geometry of an allowed type, else raise GeometryError."""
    from django.utils.translation import gettext as _

    if not isinstance(g, dict) or g.get("type") not in allowed:
        raise GeometryError(_("The geometry must be a GeoJSON %(types)s.") % {"types": " / ".join(allowed)})
    coords = g.get("coordinates")
    if g["type"] == "Point":
        if not _valid_position(coords):
            raise GeometryError(_("A point needs one [longitude, latitude] position within range."))
    elif g["type"] == "LineString":
        if not isinstance(coords, list) or len(coords) < 2 or not all(_valid_position(c) for c in coords):
            raise GeometryError(_("A line needs at least two [longitude, latitude] positions within range."))
        if shape(g).length == 0:
            raise GeometryError(_("A line must have a length."))
    return {"type": g["type"], "coordinates": coords}


# --- cutting the border into segments -----------------------------------------------------------
@dataclass(frozen=True)
class Piece:
    neighbour: str
    index: int
    line: LineString  # lon/lat
    length_km: float

    @property
    def midpoint(self) -> Point:
        return to_lonlat(to_metric(self.line).interpolate(0.5, normalized=True))


def cut_line(line: LineString, neighbour: str, first_index: int = 1) -> Iterator[Piece]:
    """Cut one lon/lat line into equal pieces of 10–20 km (a line shorter than 10 km stays whole),
    numbered from ``first_index``."""
    m = to_metric(line)
    total = m.length
    n = max(1, math.ceil(total / (MAX_KM * 1000)))
    for i in range(n):
        piece_m = substring(m, total * i / n, total * (i + 1) / n)
        yield Piece(neighbour, first_index + i, to_lonlat(piece_m), piece_m.length / 1000.0)


def point_or_line_lonlat(g: dict[str, Any]) -> tuple[float, float] | None:
    """A representative lon/lat for a Point or LineString (its middle)."""
    geom = shape(g)
    if isinstance(geom, Point):
        return geom.x, geom.y
    mid = to_lonlat(to_metric(geom).interpolate(0.5, normalized=True))
    return mid.x, mid.y
