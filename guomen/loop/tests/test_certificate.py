"""The release certificate says exactly what happened: completed, or released by override —
by whom, when, why, and which requirements were not met."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from guomen.loop import services as s
from guomen.loop.models import Disposition
from guomen.loop.tests.factories import person, u, who

pytestmark = pytest.mark.django_db

HOTEL = "c533102-hotel1"


def pdf_text(pdf: bytes) -> str:
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def quarantined(room: str = "101"):
    j = s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person(), origin_country="MMR")
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u(HOTEL))
    s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=u(HOTEL), room=room, card_code=j.code)
    j.refresh_from_db()
    return j


def certificate(client_as, j) -> str:
    r = client_as("ruili_hotel").get(reverse("loop:certificate", args=[j.code]))
    assert r.status_code == 200
    return pdf_text(r.content)


def test_an_override_release_on_day_13_with_a_test_missing_says_so_by_whom_and_why(client_as, world):
    start = timezone.now() - timedelta(days=13)
    with time_machine.travel(start, tick=False):
        j = quarantined()
    for day, sample in ((1, "S1"), (7, "S7")):
        with time_machine.travel(start + timedelta(days=day, hours=1), tick=False):
            s.journey_test_result(actor=who("ruili_hotel"), journey=j, sample_id=sample, result="negative")
    with time_machine.travel(start + timedelta(days=12, hours=2), tick=False):
        s.journey_release(actor=who("ruili"), journey=j, override_reason="家属病危 family emergency")
    text = certificate(client_as, j)
    assert "Released by override" in text and "经指挥部特批" in text
    assert "ruili" in text and "家属病危 family emergency" in text
    assert "12 days served of 14 required" in text and "已满 12 天，应满 14 天" in text
    assert "2 of 3 taken, 1 missing" in text and "缺少 1 次" in text
    assert "has completed" not in text and "已按照" not in text


def test_a_release_that_met_the_policy_certifies_completion_and_mentions_no_override(client_as, world):
    start = timezone.now() - timedelta(days=15)
    with time_machine.travel(start, tick=False):
        j = quarantined("102")
    for day in (1, 7, 13):
        with time_machine.travel(start + timedelta(days=day, hours=1), tick=False):
            s.journey_test_result(actor=who("ruili_hotel"), journey=j, sample_id=f"S{day}", result="negative")
    with time_machine.travel(start + timedelta(days=14, hours=1), tick=False):
        s.journey_release(actor=who("ruili_hotel"), journey=j)
    text = certificate(client_as, j)
    assert "has completed the centralised quarantine" in text and "override" not in text


def test_a_journey_closed_by_override_is_not_certified_as_completed(client_as, world):
    j = quarantined("103")
    s.journey_close(actor=who("ruili"), journey=j, override_reason="转往外省 moved to another province")
    text = certificate(client_as, j)
    assert "ended by override" in text and "转往外省 moved to another province" in text
    assert "Closed-loop follow-up completed" not in text and "has completed" not in text


def test_the_certificate_fits_one_page_even_with_an_override_home_monitoring_and_every_test(client_as, world):
    start = timezone.now() - timedelta(days=13)
    with time_machine.travel(start, tick=False):
        j = quarantined()
    for day in (1, 4, 7, 10, 11, 12):
        with time_machine.travel(start + timedelta(days=day, hours=1), tick=False):
            s.journey_test_result(actor=who("ruili_hotel"), journey=j, sample_id=f"S{day}", result="negative")
    with time_machine.travel(start + timedelta(days=12, hours=2), tick=False):
        s.journey_release(
            actor=who("ruili"), journey=j, override_reason="家属病危，经专家组评估同意提前解除 family emergency, early release agreed"
        )
    r = client_as("ruili_hotel").get(reverse("loop:certificate", args=[j.code]))
    assert len(PdfReader(io.BytesIO(r.content)).pages) == 1
