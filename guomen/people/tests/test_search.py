"""Search by characters, pinyin (with or without spaces), initials, Latin name or exact document
number — and only among the people the reader reaches."""

from __future__ import annotations

import pytest

from guomen.org.scoping import Scope
from guomen.people.queries import people_search, person_get, persons

pytestmark = pytest.mark.django_db


def names(user, q):
    return [p.name_native for p in people_search(scope=Scope.of(user), q=q)]


@pytest.mark.parametrize("q", ["王芳", "王", "wangfang", "wang fang", "Wang Fang", "WF", "fang"])
def test_wang_fang_is_found_by_characters_pinyin_and_initials(register, user, q):
    register(name="王芳", latin="")
    register(name="李明", latin="", number="E22222222")
    assert names(user("mohan_port"), q) == ["王芳"]


def test_a_latin_name_with_accents_is_found_without_them(register, user):
    register(name="Nguyễn Văn An", latin="NGUYEN VAN AN", nationality="VNM", country="VNM", number="C1234567")
    assert names(user("mohan_port"), "nguyen van") == ["Nguyễn Văn An"]
    assert names(user("mohan_port"), "Nguyễn") == ["Nguyễn Văn An"]


def test_an_exact_document_number_finds_its_holder_but_a_fragment_does_not(register, user):
    register(number="E12345678")
    assert names(user("mohan_port"), "e1234 5678") == ["王芳"]
    assert names(user("mohan_port"), "5678") == []


def test_an_empty_query_finds_nobody(register, user):
    register()
    assert names(user("mohan_port"), "  ") == []


def test_a_person_registered_at_mohan_is_not_found_by_ruilis_officer(register, user):
    person = register("mohan_port", "port-mohan")
    assert names(user("ruili_port"), "wangfang") == []
    assert names(user("ruili"), "E12345678") == []
    from django.http import Http404

    with pytest.raises(Http404):
        person_get(Scope.of(user("ruili_port")), person.public_id)


def test_a_person_with_no_journey_is_reached_through_the_registering_unit_and_its_commands(register, user):
    person = register("mohan_port", "port-mohan")
    for who in ("mohan_port", "mengla", "xishuangbanna", "province", "auditor"):
        assert person_get(Scope.of(user(who)), person.public_id) == person, who
    for who in ("ruili_port", "ruili", "dehong", "mengla_hotel"):
        assert not persons(Scope.of(user(who))).filter(pk=person.pk).exists(), who


def test_a_person_is_reached_through_their_journey_by_its_custodian_and_its_county(register, user, unit):
    from guomen.loop.services import journey_intercept

    person = register("mohan_port", "port-mohan")
    assert not persons(Scope.of(user("ruili_patrol"))).filter(pk=person.pk).exists()
    journey_intercept(actor=user("ruili_patrol"), unit=unit("c533102-patrol"), person=person, place="界碑附近")
    for who in ("ruili_patrol", "ruili", "dehong"):
        assert names(user(who), "wf") == ["王芳"], who
    assert names(user("ruili_port"), "wf") == []
