"""Load the real Yunnan border geography shipped in ``places/data`` (see data/SOURCES.md).

Idempotent: rows are matched by code and updated, so loading twice changes nothing.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

# short_name_zh lives in lib (org names demo units with it too); re-exported for the callers here.
from guomen.lib.zhnames import short_name_zh  # noqa: F401

from .models import Jurisdiction, Level, Passage, PassageKind

DATA = Path(__file__).resolve().parent / "data"
MODE_KIND = {"road": PassageKind.ROAD_PORT, "rail": PassageKind.RAIL_PORT, "river": PassageKind.RIVER_PORT, "air": PassageKind.AIR_PORT}


@cache
def border_facts() -> dict[str, Any]:
    with open(DATA / "yunnan_border.json", encoding="utf-8") as fh:
        return json.load(fh)


@cache
def geojson(name: str) -> dict[str, Any]:
    with open(DATA / name, encoding="utf-8") as fh:
        return json.load(fh)


def _upsert_jurisdiction(*, code: str, level: str, parent: Jurisdiction | None, **fields: Any) -> Jurisdiction:
    j, _created = Jurisdiction.objects.update_or_create(code=code, defaults={"level": level, "parent": parent, **fields})
    return j


@transaction.atomic
def load_reference() -> dict[str, int]:
    """The province, its 8 border prefectures, 25 border counties and the land ports."""
    facts = border_facts()
    p = facts["province"]
    province = _upsert_jurisdiction(
        code=p["code"], level=Level.PROVINCE, parent=None, name_zh=p["name_zh"], name_en=p["name_en"], borders=["MMR", "LAO", "VNM"]
    )
    counties = 0
    for pref in facts["prefectures"]:
        seat = pref.get("seat_approx") or {}
        prefecture = _upsert_jurisdiction(
            code=pref["code"],
            level=Level.PREFECTURE,
            parent=province,
            name_zh=pref["name_zh"],
            name_en=pref["name_en"],
            lon=seat.get("lon"),
            lat=seat.get("lat"),
            coord_approximate=True,
            borders=sorted({c for county in pref["counties"] for c in county["borders"]}),
        )
        for c in pref["counties"]:
            seat = c.get("seat_approx") or {}
            _upsert_jurisdiction(
                code=c["code"],
                level=Level.COUNTY,
                parent=prefecture,
                name_zh=c["name_zh"],
                name_en=c["name_en"],
                borders=sorted(c["borders"]),
                lon=seat.get("lon"),
                lat=seat.get("lat"),
                coord_approximate=True,
            )
            counties += 1
    ports = 0
    by_code = {j.code: j for j in Jurisdiction.objects.filter(level=Level.COUNTY)}
    for port in facts["ports"]:
        county = by_code[port["county_code"]]
        cp = port.get("counterpart") or {}
        mode = (port.get("modes") or ["road"])[0]
        Passage.objects.update_or_create(
            code=port["id"],
            defaults={
                "name_zh": port["name_zh"],
                "name_en": port["name_en"],
                "kind": MODE_KIND.get(mode, PassageKind.ROAD_PORT),
                "county": county,
                "neighbour": cp.get("country") or (county.borders[0] if len(county.borders) == 1 else ""),
                "counterpart_zh": cp.get("name_zh") or "",
                "counterpart_en": cp.get("name_en") or cp.get("name") or "",
                "port_class": port.get("class") or "",
                "lon": port.get("lon") if port.get("lon") is not None else county.lon,
                "lat": port.get("lat") if port.get("lat") is not None else county.lat,
                "coord_approximate": True,
                "coord_note": (
                    port.get("coord_note")
                    or ("" if port.get("lat") is not None else "county seat; the port's own position is not in the shipped data")
                )[:300],
            },
        )
        ports += 1
    return {"prefectures": len(facts["prefectures"]), "counties": counties, "ports": ports}


_COMMITTEE = ("村民委员会", "居民委员会", "村委会", "居委会", "委员会")


def village_short_zh(name: str) -> str:
    """弄岛村民委员会 → 弄岛村, 友谊社区居民委员会 → 友谊社区 (the name people say)."""
    for suffix in _COMMITTEE:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            return stem + "村" if suffix.startswith("村") and not stem.endswith("村") else stem
    return name.removesuffix("（示例）")
