"""Shared helpers of the people tests: a port registers someone; a valid TD3 zone built by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from guomen.org.models import Unit


def check_digit(field: str) -> str:
    """ICAO 9303 check digit (weights 7, 3, 1), computed here independently of the app."""
    values = {**{str(i): i for i in range(10)}, **{chr(65 + i): 10 + i for i in range(26)}, "<": 0}
    return str(sum(values[c] * (7, 3, 1)[i % 3] for i, c in enumerate(field)) % 10)


def td3(
    *,
    surname: str = "AUNG",
    given: str = "KYAW<MIN",
    country: str = "MMR",
    number: str = "MA1234567",
    nationality: str = "MMR",
    birth: str = "850615",
    sex: str = "M",
    expiry: str = "281231",
    optional: str = "",
) -> str:
    line1 = f"P<{country}{surname}<<{given}".ljust(44, "<")[:44]
    num = number.ljust(9, "<")
    opt = optional.ljust(14, "<")
    opt_cd = check_digit(opt) if optional else "<"
    body = num + check_digit(num) + nationality + birth + check_digit(birth) + sex + expiry + check_digit(expiry) + opt + opt_cd
    composite = num + check_digit(num) + birth + check_digit(birth) + expiry + check_digit(expiry) + opt + opt_cd
    line2 = body + check_digit(composite)
    assert len(line1) == 44 and len(line2) == 44
    return f"{line1}\n{line2}"


ICAO_SPECIMEN = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"


@pytest.fixture
def unit():
    return lambda code: Unit.objects.select_related("jurisdiction").get(code=code)


@pytest.fixture
def register(world, user, unit):
    """``register("mohan_port", "port-mohan", number="E12345678")`` — a person with one passport."""
    from guomen.people.services import person_register

    def go(
        username="mohan_port",
        unit_code="port-mohan",
        *,
        name="王芳",
        latin="Wang Fang",
        number="E12345678",
        kind="passport",
        country="CHN",
        nationality="CHN",
        valid_until=None,
        border_county=None,
        **extra,
    ):
        doc = {"kind": kind, "number": number, "issuing_country": country, "valid_until": valid_until or dt.date(2030, 1, 1)}
        if border_county is not None:
            doc["border_county"] = border_county
        return person_register(
            actor=user(username),
            unit=unit(unit_code),
            name_native=name,
            name_latin=latin,
            sex="F",
            birth_date=dt.date(1990, 3, 4),
            nationality=nationality,
            category="traveller",
            documents=[doc],
            **extra,
        )

    return go
