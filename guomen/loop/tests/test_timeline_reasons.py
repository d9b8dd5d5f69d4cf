"""The journey's timeline names the reasons the services record in the reader's language, never their codes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guomen.loop import services as s
from guomen.loop.tests.factories import who
from guomen.loop.tests.test_flows import arrive, to_facility

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "sent to hospital: fever or symptoms at a check"), ("zh-hans", "送医院：检查时发热或有症状")],
)
def test_a_fever_at_a_check_reads_as_its_reason(client_as, language, label):
    j = to_facility(arrive())
    s.health_check(actor=who("ruili_hotel"), journey=j, temperature=38.6, symptoms=["cough"])
    c = client_as("ruili_hotel")
    c.cookies["django_language"] = language
    html = c.get(reverse("loop:journey", args=[j.code])).content.decode()
    assert label in html
    assert "· fever<" not in html and "· fever ·" not in html
