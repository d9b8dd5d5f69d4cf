"""Demo data for the five controls: border segments cut along the county shapes' border, informal
paths and fords, status histories, grids and their workers. Every row is ``is_demo`` or named as demo.

Each step is idempotent: rows are matched by code, and histories are written once.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from shapely.geometry import LineString, shape

from . import geo
from .models import (
    PORT_KINDS,
    Allowed,
    BorderSegment,
    Grid,
    Jurisdiction,
    Level,
    Passage,
    PassageKind,
    PassageStatus,
    PassageStatusKind,
    Risk,
    VillageStatus,
    VillageStatusKind,
)
from .reference import geojson, short_name_zh, village_short_zh

CST = dt.timezone(dt.timedelta(hours=8))
NOTICE_15 = dt.datetime(2020, 3, 28, 0, 0, tzinfo=CST)  # Yunnan Notice No. 15: passenger traffic suspended at 19 land ports
HISTORY_START = dt.datetime(2020, 1, 1, 0, 0, tzinfo=CST)
PATHS_CLOSED = dt.datetime(2020, 1, 26, 0, 0, tzinfo=CST)
VILLAGES_CLOSED = dt.datetime(2020, 2, 10, 0, 0, tzinfo=CST)


def border_pieces() -> list[tuple[geo.Piece, Jurisdiction]]:
    """The border as the county shapes draw it (data/yunnan_border_line.geojson: each border county's
    stretches along Myanmar, Laos or Vietnam), cut into 10–20 km pieces. A piece belongs to the county
    whose polygon it runs along. Pieces are numbered per neighbour in order along the Natural Earth
    line, from its north-western end."""
    counties = {c.code: c for c in Jurisdiction.objects.filter(level=Level.COUNTY)}
    ne = {}
    for f in geojson("ne_10m_boundary_lines_chn_mmr_lao_vnm.geojson")["features"]:
        if f["properties"].get("china_border"):
            ne[next(c for c in f["properties"]["pair"].split("-") if c != "CHN")] = geo.to_metric(shape(f["geometry"]))
    parts: dict[str, list[tuple[float, LineString, Jurisdiction]]] = {}
    for f in geojson("yunnan_border_line.geojson")["features"]:
        county = counties.get(f["properties"]["county"])
        if county is None:
            continue
        neighbour = f["properties"]["neighbour"]
        g = shape(f["geometry"])
        for part in getattr(g, "geoms", [g]):
            m = geo.to_metric(part)
            along = ne[neighbour].project(m.interpolate(0.5, normalized=True))
            parts.setdefault(neighbour, []).append((along, part, county))
    out: list[tuple[geo.Piece, Jurisdiction]] = []
    for neighbour, found in sorted(parts.items()):
        index = 0
        for _along, part, county in sorted(found, key=lambda x: x[0]):
            for piece in geo.cut_line(part, neighbour, first_index=index + 1):
                out.append((piece, county))
                index = piece.index
    return out


def _risk(mid_lon: float, mid_lat: float, ports: list[Passage]) -> str:
    """Demo rule: higher risk near ports (where people and traffic gather)."""
    d = min((geo.distance_km(mid_lon, mid_lat, p.lon, p.lat) for p in ports), default=999.0)
    return Risk.HIGH if d < 20 else Risk.MEDIUM if d < 50 else Risk.LOW


@transaction.atomic
def generate_demo_segments() -> int:
    ports = list(Passage.objects.filter(kind__in=PORT_KINDS - {PassageKind.AIR_PORT}).exclude(lon=None))
    made = 0
    for piece, county in border_pieces():
        geometry = geo.as_geojson(piece.line)
        mid = piece.midpoint
        BorderSegment.objects.update_or_create(
            code=f"{piece.neighbour.lower()}-{piece.index:03d}",
            defaults={
                "county": county,
                "neighbour": piece.neighbour,
                "geometry": geometry,
                "length_km": round(geo.length_km(geometry), 3),
                "risk": _risk(mid.x, mid.y, ports),
                "is_demo": True,
            },
        )
        made += 1
    return made


def _perpendicular(line: LineString, half_km: float) -> tuple[dict[str, Any], tuple[float, float]]:
    """A short line across the border at the middle of ``line`` (an informal path), and its middle."""
    m = geo.to_metric(line)
    a = m.interpolate(0.45, normalized=True)
    b = m.interpolate(0.55, normalized=True)
    dx, dy = b.x - a.x, b.y - a.y
    norm = (dx * dx + dy * dy) ** 0.5 or 1.0
    mid = m.interpolate(0.5, normalized=True)
    ox, oy = -dy / norm * half_km * 1000, dx / norm * half_km * 1000
    across = geo.to_lonlat(LineString([(mid.x - ox, mid.y - oy), (mid.x, mid.y), (mid.x + ox, mid.y + oy)]))
    centre = geo.to_lonlat(mid)
    return geo.as_geojson(across), (round(centre.x, 5), round(centre.y, 5))


@transaction.atomic
def generate_demo_passages() -> int:
    """Per border county, one informal path and one ford on its segments; ports get their segment."""
    made = 0
    for county in Jurisdiction.objects.filter(level=Level.COUNTY).exclude(borders=[]).order_by("code"):
        segs = list(BorderSegment.objects.filter(county=county).order_by("code"))
        if not segs:
            continue
        zh, en = short_name_zh(county.name_zh), county.name_en.split()[0]
        path_seg, ford_seg = segs[len(segs) // 3], segs[(2 * len(segs)) // 3]
        path_geom, (plon, plat) = _perpendicular(shape(path_seg.geometry), 0.6)
        ford_mid = geo.to_lonlat(geo.to_metric(shape(ford_seg.geometry)).interpolate(0.5, normalized=True))
        for code, kind, name_zh, name_en, seg, geometry, lon, lat, allowed in [
            (
                f"demo-path-{county.code}",
                PassageKind.INFORMAL_PATH,
                f"{zh}边境便道一号（示例）",
                f"{en} informal path 1 (demo)",
                path_seg,
                path_geom,
                plon,
                plat,
                [],
            ),
            (
                f"demo-ford-{county.code}",
                PassageKind.FORD,
                f"{zh}界河渡口一号（示例）",
                f"{en} ford 1 (demo)",
                ford_seg,
                {"type": "Point", "coordinates": [round(ford_mid.x, 5), round(ford_mid.y, 5)]},
                round(ford_mid.x, 5),
                round(ford_mid.y, 5),
                [Allowed.BORDER_RESIDENTS],
            ),
        ]:
            Passage.objects.update_or_create(
                code=code,
                defaults={
                    "kind": kind,
                    "county": county,
                    "neighbour": seg.neighbour,
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "segment": seg,
                    "geometry": geometry,
                    "lon": lon,
                    "lat": lat,
                    "coord_approximate": True,
                    "coord_note": "generated demo position on the border drawn by the county shapes",
                    "allowed": allowed,
                    "is_demo": True,
                },
            )
            made += 1
    # Ports: the nearest segment of their county, and what they let through.
    for port in Passage.objects.filter(kind__in=PORT_KINDS).exclude(lon=None):
        updates: dict[str, Any] = {}
        if port.segment_id is None and port.kind != PassageKind.AIR_PORT:
            segs = list(BorderSegment.objects.filter(county=port.county))
            if segs:
                updates["segment"] = min(
                    segs, key=lambda s: shape(s.geometry).distance(shape({"type": "Point", "coordinates": [port.lon, port.lat]}))
                )
        if not port.allowed:
            updates["allowed"] = [Allowed.PEOPLE] if port.kind == PassageKind.AIR_PORT else [Allowed.PEOPLE, Allowed.CARGO]
        if updates:
            Passage.objects.filter(pk=port.pk).update(**updates)
    return made


@transaction.atomic
def generate_demo_statuses() -> int:
    """Demo histories: land ports open, then passenger traffic suspended from 2020-03-28 (as Yunnan's
    Notice No. 15 did at 19 land ports; cargo went on, so the status is "restricted"); informal paths
    and fords closed from 2020-01-26; about half the villages under closed management."""
    made = 0
    if not PassageStatus.objects.filter(is_demo=True).exists():
        rows = []
        for p in Passage.objects.all():
            if p.kind in PORT_KINDS and p.kind != PassageKind.AIR_PORT:
                rows.append(
                    PassageStatus(
                        passage=p,
                        status=PassageStatusKind.OPEN,
                        valid_from=HISTORY_START,
                        valid_to=NOTICE_15,
                        reason="Normal operation (demo history)",
                        is_demo=True,
                    )
                )
                rows.append(
                    PassageStatus(
                        passage=p,
                        status=PassageStatusKind.RESTRICTED,
                        valid_from=NOTICE_15,
                        reason="Passenger traffic suspended, cargo continues — as Yunnan Notice No. 15 did at 19 land ports (demo history)",
                        is_demo=True,
                    )
                )
            elif p.kind in (PassageKind.INFORMAL_PATH, PassageKind.FORD):
                rows.append(
                    PassageStatus(
                        passage=p,
                        status=PassageStatusKind.CLOSED,
                        valid_from=PATHS_CLOSED,
                        reason="Informal crossing closed and watched (demo history)",
                        is_demo=True,
                    )
                )
        PassageStatus.objects.bulk_create(rows)
        made += len(rows)
    if not VillageStatus.objects.filter(is_demo=True).exists():
        rng = random.Random(2020)
        rows = []
        for i, v in enumerate(Jurisdiction.objects.filter(level=Level.VILLAGE).order_by("code")):
            if i % 2 == 0:
                rows.append(
                    VillageStatus(
                        village=v,
                        status=VillageStatusKind.OPEN,
                        valid_from=HISTORY_START,
                        valid_to=VILLAGES_CLOSED,
                        reason="Normal (demo history)",
                        is_demo=True,
                    )
                )
                rows.append(
                    VillageStatus(
                        village=v,
                        status=VillageStatusKind.CLOSED_MANAGEMENT,
                        entrance_posts=rng.randint(1, 3),
                        valid_from=VILLAGES_CLOSED,
                        reason="Closed grid management near the border (demo history)",
                        is_demo=True,
                    )
                )
            else:
                rows.append(
                    VillageStatus(
                        village=v, status=VillageStatusKind.OPEN, valid_from=HISTORY_START, reason="Normal (demo history)", is_demo=True
                    )
                )
        VillageStatus.objects.bulk_create(rows)
        made += len(rows)
    return made


# --- after the demo units and users (org steps 20–21) ----------------------------------------------
def _demo_users(specs: list[tuple[str, str]]) -> dict[str, Any]:
    """Create missing demo users (no usable password: they are named, not signed in) in one query."""
    User = get_user_model()
    have = set(User.objects.filter(username__in=[u for u, _n in specs]).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=u, first_name=n[:150], password="!demo-no-password") for u, n in specs if u not in have]  # noqa: S106
    )
    return {u.username: u for u in User.objects.filter(username__in=[u for u, _n in specs])}


def _memberships(pairs: list[tuple[Any, Any, str]]) -> None:
    from guomen.org.models import Membership

    Membership.objects.bulk_create([Membership(user=u, unit=unit, role=r) for u, unit, r in pairs], ignore_conflicts=True)


RESPONSIBILITY = "守住本地段：24小时巡逻执勤，发现非法越境人员立即拦截、报告并移交（示例）"
TASKS = "每日两次徒步巡逻；检查便道与渡口封控设施；记录巡查情况；发现异常30分钟内报县指挥部（示例）"


@transaction.atomic
def generate_demo_segment_owners() -> int:
    """Every demo segment gets a named person and unit: the county's patrol team and a demo patrol member."""
    from guomen.org.models import Role, Unit, UnitKind

    counties = list(Jurisdiction.objects.filter(level=Level.COUNTY, segments__isnull=False).distinct().order_by("code"))
    teams = {u.jurisdiction_id: u for u in Unit.objects.filter(kind=UnitKind.PATROL_TEAM, jurisdiction__in=counties)}
    specs = [
        ("ruili_patrol" if c.code == "533102" else f"patrol_{c.code}", f"{short_name_zh(c.name_zh)}巡逻队员（示例）") for c in counties
    ]
    users = _demo_users(specs)
    pairs = []
    n = 0
    for c, (username, _name) in zip(counties, specs, strict=True):
        team = teams.get(c.pk)
        person = users[username]
        if team is not None:
            pairs.append((person, team, Role.PATROL_MEMBER))
        n += BorderSegment.objects.filter(county=c, is_demo=True).update(
            responsible_person=person, responsible_unit=team, responsibility=RESPONSIBILITY, tasks=TASKS
        )
    _memberships(pairs)
    return n


_GRID_ZH = "一二三四"


@transaction.atomic
def generate_demo_grids(seed: int = 2020) -> int:
    """1–3 demo grids per (real) village, each with a named demo grid worker — except the last grid of every
    fifth village, which is left without one (the report of grids without a worker shows them)."""
    from guomen.org.models import Membership, Role, Unit, UnitKind

    rng = random.Random(seed)
    villages = list(Jurisdiction.objects.filter(level=Level.VILLAGE).order_by("code"))
    committees = {u.jurisdiction_id: u for u in Unit.objects.filter(kind=UnitKind.VILLAGE_COMMITTEE, jurisdiction__in=villages)}
    existing_workers = {
        m.unit.jurisdiction_id: m.user
        for m in Membership.objects.filter(role=Role.GRID_WORKER, unit__in=committees.values()).select_related("user", "unit")
    }
    specs = [(f"grid_{v.code}", f"{village_short_zh(v.name_zh)}网格员（示例）") for v in villages if v.pk not in existing_workers]
    users = _demo_users(specs)
    have = set(Grid.objects.filter(village__in=villages).values_list("code", flat=True))
    grids, pairs = [], []
    for i, v in enumerate(villages):
        worker = existing_workers.get(v.pk) or users[f"grid_{v.code}"]
        if v.pk in committees and v.pk not in existing_workers:
            pairs.append((worker, committees[v.pk], Role.GRID_WORKER))
        n = rng.randint(1, 3)
        for g in range(1, n + 1):
            code = f"g{v.code}-{g}"
            if code in have:
                continue
            unnamed = i % 5 == 0 and g == n
            grids.append(
                Grid(
                    village=v,
                    code=code,
                    name=f"{village_short_zh(v.name_zh)}第{_GRID_ZH[g - 1]}网格（示例）",
                    households=rng.randint(25, 90),
                    worker=None if unnamed else worker,
                    is_demo=True,
                )
            )
    _memberships(pairs)
    Grid.objects.bulk_create(grids)
    return len(grids)
