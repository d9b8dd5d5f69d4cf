"""Input help for the port desk — passport MRZ, PRC resident IDs — and validation that refuses
bad input with a clear error and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from guomen.lib.errors import DomainError
from guomen.people.models import IdentityDocument, Person
from guomen.people.services import mrz_parse, person_register, resident_id_check

from .conftest import ICAO_SPECIMEN, td3


def ric(first17: str) -> str:
    """A resident ID with its GB 11643 check character, computed here independently of the app."""
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(first17))
    return first17 + "10X98765432"[total % 11]


def test_the_test_helper_agrees_with_a_published_example():
    assert ric("11010519491231002") == "11010519491231002X"


pytestmark = pytest.mark.django_db


# --- MRZ -------------------------------------------------------------------------------------
def test_the_icao_specimen_passport_is_read_with_every_field():
    f = mrz_parse(ICAO_SPECIMEN)
    assert f["surname"] == "ERIKSSON" and f["given_names"] == "ANNA MARIA"
    assert f["number"] == "L898902C3" and f["issuing_country"] == "UTO"
    assert f["birth_date"] == dt.date(1974, 8, 12) and f["sex"] == "F" and f["valid_until"] == dt.date(2012, 4, 15)
    assert f["optional_data"] == "ZE184226B"
    assert f["known_country"] is False  # Utopia is ICAO's specimen state, not an ISO country


def test_a_myanmar_passport_built_by_hand_is_read_and_tolerates_spaces_and_one_line():
    text = td3()
    f = mrz_parse(text)
    assert (f["name_latin"], f["nationality"], f["number"], f["known_country"]) == ("AUNG KYAW MIN", "MMR", "MA1234567", True)
    assert f["birth_date"] == dt.date(1985, 6, 15) and f["valid_until"] == dt.date(2028, 12, 31)
    assert mrz_parse("  " + text.replace("\n", "\r\n").lower() + "\n") == f
    assert mrz_parse(text.replace("\n", "")) == f


def _break(text: str, line2_index: int) -> str:
    l1, l2 = text.split("\n")
    digit = l2[line2_index]
    wrong = str((int(digit) + 1) % 10) if digit.isdigit() else "1"
    return l1 + "\n" + l2[:line2_index] + wrong + l2[line2_index + 1 :]


@pytest.mark.parametrize(
    ("index", "which"),
    [(9, "document_number"), (19, "birth_date"), (27, "expiry_date"), (42, "optional_data"), (43, "composite")],
)
def test_each_wrong_check_digit_is_named(index, which):
    with pytest.raises(DomainError) as exc:
        mrz_parse(_break(td3(optional="G12345678"), index))
    err = exc.value
    assert err.code == "mrz_check_digit" and err.status == 422
    assert which in err.details["failed"]
    # A wrong field digit also breaks the composite (it covers the digits); a wrong composite breaks only itself.
    assert err.details["failed"] == ([which, "composite"] if which != "composite" else ["composite"])


def test_a_wrong_check_digit_message_is_translated():
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        mrz_parse(_break(td3(), 19))
    assert "校验" in exc.value.message and "出生日期" in exc.value.message


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "mrz_shape"),
        ("P<MMRAUNG", "mrz_shape"),
        ("V" + td3()[1:], "mrz_not_passport"),
        (td3().replace("AUNG", "AUN#"), "mrz_characters"),
        (td3() + "\x00", "control_characters"),
    ],
)
def test_malformed_zones_are_refused_clearly(text, code):
    with pytest.raises(DomainError) as exc:
        mrz_parse(text)
    assert exc.value.code == code


# --- resident ID -------------------------------------------------------------------------------
def test_a_resident_id_with_a_good_check_digit_gives_birth_date_and_sex():
    facts = resident_id_check("11010519491231002x")
    assert facts["number"] == "11010519491231002X"
    assert facts["birth_date"] == dt.date(1949, 12, 31) and facts["sex"] == "F" and facts["region_code"] == "110105"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "resident_id_check_digit"),
        ("1101051949123100", "resident_id_length"),
        ("11010519491231A02X", "resident_id_format"),
        (ric("11010519491331002"), "resident_id_birth_date"),
    ],
)
def test_bad_resident_ids_are_refused_saying_why(number, code):
    with pytest.raises(DomainError) as exc:
        resident_id_check(number)
    assert exc.value.code == code


def test_the_check_digit_error_names_the_expected_digit():
    with pytest.raises(DomainError) as exc:
        resident_id_check("110105194912310021")
    assert exc.value.details["expected"] == "X"


# --- registration ------------------------------------------------------------------------------
def _register(user, unit, **kw):
    args = {
        "actor": user("ruili_port"),
        "unit": unit("port-ruili"),
        "name_native": "王芳",
        "nationality": "CHN",
        "documents": [{"kind": "resident_id", "number": "11010519491231002X", "issuing_country": "CHN"}],
    }
    args.update(kw)
    return person_register(**args)


def test_registering_the_same_document_again_returns_the_same_person(world, user, unit):
    first = _register(user, unit)
    again = _register(user, unit, name_native="王 芳")
    assert again.pk == first.pk
    assert Person.objects.count() == 1 and IdentityDocument.objects.count() == 1


def test_a_known_document_plus_a_new_one_links_the_new_one_to_the_known_person(world, user, unit):
    first = _register(user, unit)
    again = _register(
        user,
        unit,
        documents=[
            {"kind": "resident_id", "number": "110105 19491231 002X", "issuing_country": "CHN"},
            {"kind": "passport", "number": "E98765432", "issuing_country": "CHN"},
        ],
    )
    assert again.pk == first.pk and first.documents.count() == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"nationality": "XYZ"}, "unknown_country"),
        ({"name_native": "王\x00芳"}, "control_characters"),
        ({"name_latin": "Wang\x07"}, "control_characters"),
        ({"name_native": "  "}, "required"),
        ({"sex": "Q"}, "bad_choice"),
        ({"phone": "call me"}, "bad_phone"),
        ({"birth_date": dt.date(2999, 1, 1)}, "birth_in_future"),
        ({"documents": [{"kind": "resident_id", "number": "110105194912310021", "issuing_country": "CHN"}]}, "resident_id_check_digit"),
        ({"documents": [{"kind": "passport", "number": "E1", "issuing_country": "CHN"}]}, "bad_number"),
        ({"documents": [{"kind": "passport", "number": "E12345678", "issuing_country": "ZZZ"}]}, "unknown_country"),
        (
            {"documents": [{"kind": "border_pass", "number": "BP123456", "issuing_country": "MMR", "border_county": "999999"}]},
            "unknown_county",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, user, unit, changes, code):
    with pytest.raises(DomainError) as exc:
        _register(user, unit, **changes)
    assert exc.value.code == code and exc.value.status == 422
    assert not Person.objects.exists() and not IdentityDocument.objects.exists()


@pytest.mark.parametrize("code", ["CHN", "MMR", "LAO", "VNM", "THA", "IND", "KHM", "DEU", "mmr"])
def test_iso_country_codes_are_accepted(world, user, unit, code):
    assert _register(user, unit, nationality=code).nationality == code.upper()


def test_only_a_member_of_the_unit_may_register_for_it(world, user, unit):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _register(user, unit, actor=user("mohan_port"))
    with pytest.raises(PermissionDenied):
        _register(user, unit, actor=user("auditor"))
