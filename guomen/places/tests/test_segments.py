"""Border segments: cut from the real line, every one owned, every border county covered, lengths true."""

from __future__ import annotations

import copy
import json

import pytest
from django.db.models import Sum
from shapely.geometry import Point, mapping, shape

from guomen.places import geo
from guomen.places.geo import GEOD
from guomen.places.models import BorderSegment, Jurisdiction, Level, Risk
from guomen.places.reference import geojson

pytestmark = pytest.mark.django_db


def test_every_demo_segment_has_a_named_person_unit_responsibility_and_tasks(world):
    segs = BorderSegment.objects.filter(is_demo=True).select_related("responsible_unit")
    assert segs.count() > 100
    for s in segs:
        assert s.responsible_person_id and s.responsible_unit_id, s.code
        assert s.responsible_unit.jurisdiction_id == s.county_id
        assert s.responsibility and s.tasks


def test_every_border_county_has_a_segment_for_each_neighbour_it_borders(world):
    counties = Jurisdiction.objects.filter(level=Level.COUNTY).exclude(borders=[])
    assert counties.count() == 25
    for c in counties:
        assert BorderSegment.objects.filter(county=c).exists(), c.name_zh
        for n in c.borders:
            assert BorderSegment.objects.filter(county=c, neighbour=n).exists(), (c.name_zh, n)


def test_segments_are_at_most_20_km_at_least_10_unless_a_whole_stretch_and_lengths_match_the_geodesic_within_1_percent(world):
    stretches = {(f["properties"]["county"], f["properties"]["neighbour"]): f for f in geojson("yunnan_border_line.geojson")["features"]}
    for s in BorderSegment.objects.select_related("county"):
        assert s.length_km <= 20, s.code
        if s.length_km < 10:
            parts = shape(stretches[(s.county.code, s.neighbour)]["geometry"])
            assert any(abs(geo.length_km(mapping(p)) - s.length_km) < 0.01 for p in getattr(parts, "geoms", [parts])), s.code
        reference = GEOD.geometry_length(shape(s.geometry)) / 1000.0  # pyproj.Geod on the WGS-84 ellipsoid
        assert abs(s.length_km - reference) / reference < 0.01, (s.code, s.length_km, reference)


def test_segments_follow_the_shipped_border_line_of_their_county_and_no_other_province(world):
    stretches = {
        (f["properties"]["county"], f["properties"]["neighbour"]): shape(f["geometry"])
        for f in geojson("yunnan_border_line.geojson")["features"]
    }
    for s in BorderSegment.objects.select_related("county"):
        line = shape(s.geometry)
        assert max(stretches[(s.county.code, s.neighbour)].distance(Point(c)) for c in line.coords) < 1e-4, s.code  # on it (≈10 m)
    total = BorderSegment.objects.aggregate(km=Sum("length_km"))["km"]
    assert 2000 < total < 4060  # the drawn line is shorter than the official 4,060 km


def test_risk_is_higher_near_ports(world):
    near_ruili = BorderSegment.objects.filter(county__code="533102")
    assert near_ruili.filter(risk=Risk.HIGH).exists()
    assert BorderSegment.objects.filter(risk=Risk.LOW).exists()


def test_report_lists_segments_without_a_named_person(client_as):
    s = BorderSegment.objects.filter(county__code="533102").order_by("code").first()
    s.responsible_person = None
    s.save()
    page = client_as("ruili").get("/places/segments/?without_person=1").content.decode()
    assert s.code in page
    other = BorderSegment.objects.filter(county__code="533102").exclude(pk=s.pk).first()
    assert other.code not in page
    api = client_as("ruili").get("/api/places/segments?without_person=true").json()
    assert [x["code"] for x in api] == [s.code]


def test_geojson_round_trip_restores_the_exported_segments(api_as):
    c = api_as("ruili")
    exported = c.get("/api/places/geojson/segments").json()
    assert (
        exported["type"] == "FeatureCollection" and len(exported["features"]) == BorderSegment.objects.filter(county__code="533102").count()
    )
    before = {
        s.code: (s.geometry, s.length_km, s.risk, s.responsible_person_id, s.responsible_unit_id, s.tasks)
        for s in BorderSegment.objects.all()
    }
    BorderSegment.objects.filter(county__code="533102").update(risk=Risk.LOW, responsible_person=None, tasks="changed")
    r = c.post("/api/places/geojson/segments", data=json.dumps(exported), content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json() == {"created": 0, "updated": len(exported["features"])}
    after = {
        s.code: (s.geometry, s.length_km, s.risk, s.responsible_person_id, s.responsible_unit_id, s.tasks)
        for s in BorderSegment.objects.all()
    }
    assert after == before
    assert c.get("/api/places/geojson/segments").json() == exported


def test_passages_geojson_round_trip(api_as):
    c = api_as("ruili")
    exported = c.get("/api/places/geojson/passages").json()
    r = c.post("/api/places/geojson/passages", data=json.dumps(exported), content_type="application/json")
    assert r.status_code == 200, r.content
    assert c.get("/api/places/geojson/passages").json() == exported


def _snapshot():
    return list(BorderSegment.objects.order_by("code").values_list("code", "geometry", "risk", "length_km", "responsible_person_id"))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda f: f["geometry"].update(coordinates=[[97.8, 24.0]]),  # one position
        lambda f: f["geometry"].update(coordinates=[[197.8, 24.0], [97.9, 24.1]]),  # out of range
        lambda f: f["geometry"].update(type="Polygon"),
        lambda f: f["properties"].update(county="532823"),  # Mengla: outside Ruili's reach
        lambda f: f["properties"].update(neighbour="VNM"),  # Ruili does not border Vietnam
        lambda f: f["properties"].update(risk="extreme"),
        lambda f: f["properties"].update(code="bad code!"),
        lambda f: f["properties"].update(tasks="nul\x00byte"),
    ],
)
def test_import_of_bad_geojson_changes_nothing(api_as, breakage):
    c = api_as("ruili")
    exported = c.get("/api/places/geojson/segments").json()
    good, bad = copy.deepcopy(exported["features"][0]), copy.deepcopy(exported["features"][1])
    good["properties"]["risk"] = "low" if good["properties"]["risk"] != "low" else "high"
    new = copy.deepcopy(exported["features"][2])
    new["properties"]["code"] = "mmr-new-1"
    breakage(bad)
    before = _snapshot()
    r = c.post(
        "/api/places/geojson/segments",
        data=json.dumps({"type": "FeatureCollection", "features": [good, new, bad]}),
        content_type="application/json",
    )
    assert r.status_code == 422
    body = r.json()["error"]
    assert body["code"] == "invalid_geojson" and body["details"][0]["feature"] == 2 and body["details"][0]["message"]
    assert _snapshot() == before


def test_import_refuses_what_is_not_a_feature_collection(api_as):
    before = _snapshot()
    r = api_as("ruili").post(
        "/api/places/geojson/segments", data=json.dumps({"type": "Feature", "features": []}), content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_a_feature_collection"
    assert _snapshot() == before


def test_import_command_refuses_a_bad_file_and_changes_nothing(world, call, tmp_path):
    from django.core.management.base import CommandError

    out = tmp_path / "segments.geojson"
    call("places_export_geojson", "segments", out=str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["features"]) == BorderSegment.objects.count()
    data["features"][0]["properties"]["risk"] = "high" if data["features"][0]["properties"]["risk"] != "high" else "low"
    data["features"][-1]["geometry"] = {"type": "LineString", "coordinates": [[1, 2]]}
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(data), encoding="utf-8")
    before = _snapshot()
    with pytest.raises(CommandError):
        call("places_import_geojson", "segments", str(bad))
    assert _snapshot() == before
    call("places_import_geojson", "segments", str(out))
    assert _snapshot() == before


def test_a_patrol_member_reaches_only_their_own_segments_and_can_keep_the_record_log(client_as, user):
    c = client_as("ruili_patrol")
    mine = BorderSegment.objects.filter(responsible_person=user("ruili_patrol")).first()
    assert c.get(f"/places/segments/{mine.code}/").status_code == 200
    assert c.get("/places/segments/lao-001/").status_code == 404
    r = c.post(f"/places/segments/{mine.code}/", {"kind": "patrol", "text": "巡逻正常"})
    assert r.status_code == 302
    assert mine.records.get().author == user("ruili_patrol")
