"""The real townships and village committees of the 25 border counties (data/border_villages.json:
the National Bureau of Statistics' 统计用区划代码 of 2023, see data/SOURCES.md).

``load_real_places`` is a demo step and the body of ``manage.py places_real_villages``. It is
idempotent and bulk: rows are matched by code; missing ones are inserted in a few queries. On a
database that still holds the generated townships and villages of earlier versions (``is_demo``),
every row that refers to a generated place — journeys, grids, units, statuses, declarations, history
— is moved to a real place of the same county before the generated place is deleted; a generated
row whose code is a real code becomes that real place in place.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

from django.db import models, transaction

from .models import Jurisdiction, Level
from .reference import DATA

VILLAGES_FILE = "border_villages.json"


@cache
def real_places() -> dict[str, Any]:
    import json

    with open(DATA / VILLAGES_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def _references() -> list[tuple[type[models.Model], str]]:
    """Every (model, field) with a foreign key to Jurisdiction, found from the model registry (no app imported)."""
    out = []
    for rel in Jurisdiction._meta.related_objects:
        if rel.many_to_many:
            raise NotImplementedError(f"{rel.related_model.__name__}.{rel.field.name} is many-to-many")
        out.append((rel.related_model, rel.field.name))
    return out


def _move(mapping: dict[int, int]) -> int:
    """Point every reference at ``old pk`` to ``new pk``; returns the rows changed."""
    changed = 0
    if not mapping:
        return 0
    for model, field in _references():
        if model is Jurisdiction:
            continue
        for old, new in mapping.items():
            changed += model._base_manager.filter(**{f"{field}_id": old}).update(**{f"{field}_id": new})
    return changed


def _rename_committees(moved: dict[int, int]) -> None:
    """A moved generated village's committee takes the real village's code (v + 12 digits) when free."""
    from django.apps import apps

    if not apps.is_installed("guomen.org"):
        return
    from guomen.org.models import Unit, UnitKind

    taken = set(Unit.objects.filter(code__startswith="v").values_list("code", flat=True))
    villages = Jurisdiction.objects.in_bulk(list(moved.values()))
    for unit in Unit.objects.filter(kind=UnitKind.VILLAGE_COMMITTEE, jurisdiction_id__in=list(moved.values())):
        v = villages[unit.jurisdiction_id]
        code = f"v{v.code}"
        if code in taken:
            continue
        taken.discard(unit.code)
        unit.code, unit.name_zh, unit.name_en = code, f"{v.name_zh}（示例）", f"{v.name_en} Committee (demo)"
        unit.save(update_fields=["code", "name_zh", "name_en"])
        taken.add(code)


def _apply(level: str, rows: list[dict[str, Any]], parents: dict[str, Jurisdiction]) -> dict[str, Jurisdiction]:
    """Insert or update the real rows of one level; returns code → row."""
    existing = {j.code: j for j in Jurisdiction.objects.filter(code__in=[r["code"] for r in rows])}
    new, changed = [], []
    fields = ["level", "parent", "path", "name_zh", "name_en", "borders", "lon", "lat", "coord_approximate", "is_demo"]
    for r in rows:
        parent = parents[r["parent"]]
        values = {
            "level": level,
            "parent": parent,
            "path": f"{parent.path}{r['code']}/",
            "name_zh": r["name_zh"],
            "name_en": r["name_en"],
            "borders": list(parent.borders),
            "lon": r["lon"],
            "lat": r["lat"],
            "coord_approximate": True,
            "is_demo": False,
        }
        j = existing.get(r["code"])
        if j is None:
            new.append(Jurisdiction(code=r["code"], **values))
        elif any(getattr(j, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(j, k, v)
            changed.append(j)
    Jurisdiction.objects.bulk_create(new, batch_size=500)
    if changed:
        Jurisdiction.objects.bulk_update(changed, fields, batch_size=500)
    return {j.code: j for j in Jurisdiction.objects.filter(code__in=[r["code"] for r in rows])}


@transaction.atomic
def load_real_places() -> dict[str, int]:
    data = real_places()
    counties = {c.code: c for c in Jurisdiction.objects.filter(level=Level.COUNTY, code__in=list(data["counties"]))}
    towns, villages = [], []
    for county_code, townships in data["counties"].items():
        if county_code not in counties:
            continue
        for t in townships:
            towns.append(
                {
                    "code": t["code"],
                    "parent": county_code,
                    "name_zh": t["name_zh"],
                    "name_en": t["name_en"],
                    "lon": t["lon"],
                    "lat": t["lat"],
                }
            )
            for code, zh, en, lon, lat in t["villages"]:
                villages.append({"code": code, "parent": t["code"], "name_zh": zh, "name_en": en, "lon": lon, "lat": lat})
    real_towns = _apply(Level.TOWNSHIP, towns, counties)
    real_villages = _apply(Level.VILLAGE, villages, real_towns)
    moved = retire_generated(set(real_towns) | set(real_villages))
    return {"townships": len(real_towns), "villages": len(real_villages), "moved": moved}


def retire_generated(real_codes: set[str]) -> int:
    """Move what refers to the generated townships and villages of earlier versions to real ones, then delete them."""
    generated = list(
        Jurisdiction.objects.filter(level__in=[Level.TOWNSHIP, Level.VILLAGE], is_demo=True).exclude(code__in=real_codes).order_by("code")
    )
    if not generated:
        return 0
    moved = 0
    for level in (Level.VILLAGE, Level.TOWNSHIP):
        olds = [j for j in generated if j.level == level]
        by_county: dict[str, list[Jurisdiction]] = defaultdict(list)
        for j in olds:
            by_county["/".join(j.path.split("/")[:4]) + "/"].append(j)  # "/530000/533100/533102/"
        mapping: dict[int, int] = {}
        for county_path, items in by_county.items():
            # real places of the county, village committees (村) first
            targets = sorted(
                Jurisdiction.objects.filter(level=level, path__startswith=county_path, is_demo=False),
                key=lambda j: ("村" not in j.name_zh, j.code),
            )
            if not targets:
                continue
            for i, old in enumerate(items):
                mapping[old.pk] = targets[i % len(targets)].pk
        moved += _move(mapping)
        if level == Level.VILLAGE:
            _rename_committees(mapping)
        Jurisdiction.objects.filter(pk__in=list(mapping)).delete()
    return moved
