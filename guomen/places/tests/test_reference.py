import pytest
from django.core.exceptions import ValidationError

from guomen.places.models import Jurisdiction, Level, Passage, PassageKind
from guomen.places.reference import load_reference

pytestmark = pytest.mark.django_db

BORDER_COUNTIES = {
    "530581",
    "530523",
    "530826",
    "530827",
    "530828",
    "530829",
    "530924",
    "530926",
    "530927",
    "532530",
    "532531",
    "532532",
    "532624",
    "532625",
    "532628",
    "532801",
    "532822",
    "532823",
    "533102",
    "533103",
    "533123",
    "533124",
    "533301",
    "533323",
    "533324",
}
BORDER_PREFECTURES = {"530500", "530800", "530900", "532500", "532600", "532800", "533100", "533300"}


def test_demo_world_holds_exactly_the_8_border_prefectures_and_25_border_counties_with_real_codes():
    assert set(Jurisdiction.objects.filter(level=Level.PREFECTURE).values_list("code", flat=True)) == BORDER_PREFECTURES
    assert set(Jurisdiction.objects.filter(level=Level.COUNTY).values_list("code", flat=True)) == BORDER_COUNTIES
    assert Jurisdiction.objects.get(level=Level.PROVINCE).code == "530000"


def test_every_border_county_names_the_neighbours_it_borders():
    assert Jurisdiction.objects.get(code="532823").borders == ["LAO", "MMR"]  # Mengla
    assert Jurisdiction.objects.get(code="530826").borders == ["LAO", "VNM"]  # Jiangcheng
    assert Jurisdiction.objects.get(code="533102").borders == ["MMR"]  # Ruili
    assert not Jurisdiction.objects.filter(level=Level.COUNTY, borders=[]).exists()


def test_every_place_below_the_province_has_exactly_one_parent_one_level_up():
    order = [Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
    for j in Jurisdiction.objects.select_related("parent"):
        if j.level == Level.PROVINCE:
            assert j.parent is None
        else:
            assert order.index(j.parent.level) == order.index(j.level) - 1
            assert j.path == f"{j.parent.path}{j.code}/"
            assert j.code.startswith(j.parent.code[: {Level.PREFECTURE: 2, Level.COUNTY: 4}.get(j.level, len(j.parent.code))])


def test_the_place_tree_is_real_down_to_village_committees_and_nothing_in_it_is_marked_demo():
    assert not Jurisdiction.objects.filter(is_demo=True).exists()
    assert Jurisdiction.objects.filter(level=Level.VILLAGE).count() > 2000


def test_land_ports_come_from_the_shipped_facts_with_counterparts_and_modes():
    ruili = Passage.objects.get(code="ruili")
    assert ruili.county.code == "533102"
    assert ruili.name_zh == "瑞丽口岸（姐告）"
    assert ruili.counterpart_en == "Muse"
    assert ruili.kind == PassageKind.ROAD_PORT
    assert ruili.coord_approximate
    assert Passage.objects.get(code="mohan-rail").kind == PassageKind.RAIL_PORT
    assert Passage.objects.get(code="mangshi-air").kind == PassageKind.AIR_PORT
    assert Passage.objects.filter(kind__in=["road_port", "rail_port", "air_port"]).count() == 20
    # The five ports named in the 2 April 2020 report are all there.
    assert set(Passage.objects.filter(code__in=["houqiao", "hekou", "mohan", "ruili", "nansan"]).values_list("code", flat=True)) == {
        "houqiao",
        "hekou",
        "mohan",
        "ruili",
        "nansan",
    }


def test_loading_the_reference_twice_changes_nothing():
    before = list(Jurisdiction.objects.order_by("code").values_list("code", "name_zh", "parent_id", "path"))
    load_reference()
    after = list(Jurisdiction.objects.order_by("code").values_list("code", "name_zh", "parent_id", "path"))
    assert before == after


def test_a_village_whose_parent_is_a_county_is_refused():
    county = Jurisdiction.objects.get(code="533102")
    j = Jurisdiction(code="533102100999", level=Level.VILLAGE, parent=county, name_zh="x", name_en="x")
    with pytest.raises(ValidationError) as err:
        j.full_clean()
    assert "parent" in err.value.message_dict


def test_a_county_code_of_the_wrong_length_and_an_unknown_neighbour_are_refused():
    pref = Jurisdiction.objects.get(code="533100")
    j = Jurisdiction(code="53310", level=Level.COUNTY, parent=pref, name_zh="x", name_en="x", borders=["XXX"])
    with pytest.raises(ValidationError) as err:
        j.full_clean()
    assert {"code", "borders"} <= set(err.value.message_dict)
