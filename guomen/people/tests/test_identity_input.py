"""Identity input refused clearly and only when it is wrong: real resident ID numbers of people born
before their county got its code, birth dates between 1900 and today, names without hidden
direction or control characters."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from guomen.lib.errors import DomainError
from guomen.lib.text import hidden_character
from guomen.people.models import Person
from guomen.people.services import person_register, resident_id_check

from .test_input import ric

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("first17", "born"),
    [
        ("53310219850302001", dt.date(1985, 3, 2)),  # Ruili became a city (533102) in 1992
        ("53310319900715002", dt.date(1990, 7, 15)),  # Mangshi (then Luxi, 533103) in 1996
    ],
)
def test_a_real_resident_id_of_someone_born_before_their_county_code_existed_is_accepted(first17, born):
    facts = resident_id_check(ric(first17))
    assert facts["birth_date"] == born and facts["warnings"] == []


def test_an_unknown_region_code_is_a_warning_not_a_refusal():
    facts = resident_id_check(ric("53999919850302001"))
    assert facts["birth_date"] == dt.date(1985, 3, 2)
    assert len(facts["warnings"]) == 1 and "539999" in facts["warnings"][0]


@pytest.mark.parametrize(
    ("number", "code", "needle"),
    [
        (ric("11010520200230002"), "resident_id_birth_date", "20200230"),
        (ric("11010518991231002"), "resident_id_birth_too_early", "1900-01-01"),
        (ric("11010520990101002"), "resident_id_birth_in_future", "2099-01-01"),
        ("110105194912310021", "resident_id_check_digit", "X"),
    ],
)
def test_each_resident_id_failure_has_its_own_code_and_message(number, code, needle):
    with pytest.raises(DomainError) as exc:
        resident_id_check(number)
    assert exc.value.code == code and needle in exc.value.message


def test_the_resident_id_api_shows_the_region_warning(api_as):
    r = api_as("ruili_port").post("/api/people/resident-id/validate", {"number": ric("53999919850302001")}, content_type="application/json")
    assert r.status_code == 200 and "539999" in r.json()["warnings"][0]


def _register(user, unit, **kw):
    args = {"actor": user("ruili_port"), "unit": unit("port-ruili"), "name_native": "王芳", "nationality": "CHN"}
    args.update(kw)
    return person_register(**args)


@pytest.mark.parametrize(
    ("born", "code"),
    [(dt.date(1, 1, 1), "birth_too_early"), ("0001-01-01", "birth_too_early"), (dt.date(1899, 12, 31), "birth_too_early")],
)
def test_a_birth_date_before_1900_is_refused_saying_the_bound(world, user, unit, born, code):
    with pytest.raises(DomainError) as exc:
        _register(user, unit, birth_date=born)
    assert exc.value.code == code and "1900-01-01" in exc.value.message
    assert not Person.objects.exists()


@time_machine.travel(dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC), tick=False)
def test_a_birth_date_in_the_future_is_refused_naming_today(world, user, unit):
    with pytest.raises(DomainError) as exc:
        _register(user, unit, birth_date=dt.date(2026, 5, 2))
    assert exc.value.code == "birth_in_future" and "2026-05-01" in exc.value.message
    assert _register(user, unit, birth_date=dt.date(1900, 1, 1)).birth_date == dt.date(1900, 1, 1)


@pytest.mark.parametrize(
    "name",
    ["\u202eanaD", "Dana\u202c", "\u2067Dana\u2069", "Da\u200fna", "\ufeffDana", "Da\u00adna", "Dana\x85", "Dana\x9b"],
)
def test_a_name_with_a_hidden_direction_or_control_character_is_refused_naming_it(world, user, unit, name):
    with pytest.raises(DomainError) as exc:
        _register(user, unit, name_latin=name)
    assert exc.value.code == "control_characters" and "U+" in exc.value.message
    assert exc.value.details["field"] == "name_latin"
    assert not Person.objects.exists()


def test_joiners_that_spell_real_names_are_kept(world, user, unit):
    assert _register(user, unit, name_native="مهر\u200cناز").name_native == "مهر\u200cناز"
    assert hidden_character("ශ්\u200dරී") is None
    assert hidden_character("Wang\tFang\n") is None


def test_the_messages_are_in_the_users_language(world, user, unit):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        _register(user, unit, name_latin="\u202eanaD")
    assert "不可见" in exc.value.message and "U+202E" in exc.value.message
    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        resident_id_check(ric("11010520200230002"))
    assert "不是真实存在的日期" in exc.value.message
