"""The returnee form of a village: a document-number field, and the worker's only village chosen already."""

from __future__ import annotations

import re

import pytest

from guomen.loop.models import Journey, Origin
from guomen.org.models import Membership, Role, Unit, UnitKind
from guomen.places.queries import my_villages

from .factories import who

pytestmark = pytest.mark.django_db
URL = "/places/returnees/new/"


def village_select(html: str) -> str:
    return re.search(r'<select[^>]*name="village".*?</select>', html, re.S).group(0)


def test_the_form_asks_for_the_document_number_and_chooses_the_workers_only_village(client_as):
    c = client_as("ruili_grid")
    (village,) = my_villages(who("ruili_grid"))
    html = c.get(URL).content.decode()
    assert re.search(r'<input[^>]*name="document_number"', html)
    assert f'<option value="{village.pk}" selected>' in village_select(html)
    r = c.post(
        URL,
        {
            "village": village.pk,
            "name": "岩温",
            "document_kind": "resident_id",
            "document_number": "11010519491231002X",
            "nationality": "CHN",
            "risk": "high",
        },
    )
    assert r.status_code == 302, re.findall(r"(?:errorlist|role=\"alert\")[^<]*<[^>]*>[^<]*", r.content.decode())
    j = Journey.objects.get(origin=Origin.FOUND_LOCALLY, person__name_native="岩温")
    (doc,) = j.person.documents.all()
    assert doc.kind == "resident_id" and doc.last4 == "002X"


def test_a_worker_of_two_villages_chooses_one(client_as):
    grid = who("ruili_grid")
    (mine,) = my_villages(grid)
    other = Unit.objects.filter(kind=UnitKind.VILLAGE_COMMITTEE, jurisdiction__parent=mine.parent).exclude(jurisdiction=mine).first()
    Membership.objects.create(user=grid, unit=other, role=Role.GRID_WORKER)
    select = village_select(client_as("ruili_grid").get(URL).content.decode())
    assert select.count("<option") == 3 and select.count("selected") == 1 and '<option value="" selected>' in select
