"""Demo persons carry two names, as real travellers do: the native one in the script of their
nationality and the Latin one of the passport — the same names for the same seed."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from guomen.loop.demo import NAMES, demo_names

SCRIPT = {"CHN": "CJK UNIFIED IDEOGRAPH", "MMR": "MYANMAR", "LAO": "LAO", "VNM": "LATIN"}
PASSPORT_LATIN = re.compile(r"^[A-Z][a-z]+( [A-Z][a-z]+)*$")  # Burmese and Lao names may be one word


@pytest.mark.parametrize("nat", sorted(NAMES))
def test_each_demo_person_has_a_native_name_in_their_script_and_a_latin_one(nat):
    rng = random.Random(7)
    for _n in range(60):
        native, latin = demo_names(rng, nat)
        assert native and latin and native != latin
        assert all(SCRIPT[nat] in unicodedata.name(c) for c in native if c.isalpha()), native
        assert PASSPORT_LATIN.match(latin), latin


def test_chinese_demo_names_are_given_in_pinyin_surname_first():
    rng = random.Random(2020)
    seen = {demo_names(rng, "CHN") for _n in range(200)}
    for native, latin in seen:
        surname, given = latin.split(" ")
        assert len(given) >= 2 and surname.isascii() and given.isascii(), (native, latin)
    assert ("张伟", "Zhang Wei") in seen or any(native[0] == "张" and latin.startswith("Zhang ") for native, latin in seen)


def test_the_demo_names_are_the_same_for_the_same_seed():
    def draw(seed):
        rng = random.Random(seed)
        return [demo_names(rng, nat) for nat in ("CHN", "MMR", "LAO", "VNM") * 20]

    assert draw(2020) == draw(2020)
    assert draw(2020) != draw(2021)


@pytest.mark.django_db
def test_the_demo_registers_every_person_with_both_names(world):
    from guomen.loop.demo import _person
    from guomen.loop.tests.factories import u, who

    rng = random.Random(2020)
    people = [_person(rng, u("port-ruili"), who("ruili_port"), n) for n in range(40)]
    assert {p.nationality for p in people} == set(NAMES)
    for p in people:
        p.refresh_from_db()
        assert p.name_native and p.name_latin and PASSPORT_LATIN.match(p.name_latin), (p.nationality, p.name_native, p.name_latin)
