"""The destination picker's narrowed list: only the sender's directory, never more, searched by a
unit's or its place's name in Chinese or English, and not served outside the user's reach."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from guomen.loop.views.plumbing import likely_units
from guomen.org.models import Unit, UnitKind

pytestmark = pytest.mark.django_db

KINDS = "quarantine_facility,hospital,village_committee"


def listed(client, sender="port-ruili", kinds=KINDS, **narrow):
    query = {"from": sender, "kinds": kinds, "name": "to_unit", **{f"to_unit-{k}": v for k, v in narrow.items()}}
    r = client.get("/loop/destinations/?" + urlencode(query), HTTP_HX_REQUEST="true")
    return r, re.findall(r'<option value="([^"]+)"', r.content.decode().split('name="to_unit"')[-1])


def test_the_list_narrows_by_name_in_either_language_and_by_county_and_township(client_as):
    c = client_as("ruili_port")
    directory = set(likely_units(Unit.objects.get(code="port-ruili"), KINDS.split(",")).values_list("code", flat=True))
    friendship = Unit.objects.get(code="v533102001001")
    for words in (friendship.name_zh[:4], "youyi COMMUNITY", "勐卯 友谊"):
        r, codes = listed(c, q=words)
        assert r.status_code == 200 and codes == [friendship.code], (words, codes)
    r, codes = listed(c, q="弄岛镇")  # a township's name: its villages
    assert codes and all(code.startswith("v533102103") for code in codes)
    r, codes = listed(c, county="533102", township="533102103")
    assert set(codes) == set(
        Unit.objects.filter(jurisdiction__path__contains="/533102103/", kind=UnitKind.VILLAGE_COMMITTEE).values_list("code", flat=True)
    )
    r, codes = listed(c, county="533102")
    assert codes and set(codes) <= directory and all(code.startswith(("v533102", "c533102")) for code in codes)
    assert 'name="to_unit-township"' in r.content.decode()  # the county's townships to choose from


def test_narrowing_never_reaches_beyond_the_senders_directory_nor_the_users_reach(client_as):
    c = client_as("ruili_port")
    far = Unit.objects.filter(kind=UnitKind.VILLAGE_COMMITTEE).exclude(jurisdiction__path__startswith="/530000/533100/").first()
    r, codes = listed(c, q=far.name_zh)
    assert r.status_code == 200 and far.code not in codes
    assert listed(c, sender="port-mohan")[0].status_code == 404  # another county's port: not this user's
    assert listed(c, kinds="command_office")[0].status_code == 404  # not a kind a person is sent to
    assert listed(client_as("mohan_port"), sender="port-ruili")[0].status_code == 404
