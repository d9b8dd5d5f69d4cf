"""A small day of the loop in Ruili (Dehong) and Mengla (Mohan port), made through the loop's services."""

from __future__ import annotations

import pytest

from guomen.loop import services as s
from guomen.loop.models import Disposition
from guomen.loop.tests.factories import person, u, who


def arrive(port: str, officer: str, name: str = "测试旅客"):
    return s.journey_arrive(actor=who(officer), unit=u(port), person=person(port, name=name), origin_country="MMR")


@pytest.fixture
def day_of_loop(world):
    """Ruili: 3 at the gate, 2 handed over to transfer (offered), 1 in the hotel, 1 released, 1 positive in hospital.
    Mengla (Mohan): 2 at the gate, 1 released."""
    ruili = [arrive("port-ruili", "ruili_port", name="王芳芳") for _ in range(8)]
    port = who("ruili_port")
    for j in ruili[3:5]:
        s.journey_dispose(
            actor=port, journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"), via_unit=u("c533102-transfer")
        )
    j = ruili[5]
    s.journey_dispose(actor=port, journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"))
    s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=u("c533102-hotel1"), room="101", card_code=j.code)
    s.journey_screen(actor=port, journey=ruili[6], temperature=36.5)  # no one is released unscreened
    s.journey_dispose(actor=port, journey=ruili[6], disposition=Disposition.RELEASE)
    s.journey_sample(actor=port, journey=ruili[7], sample_id="S-1")
    s.journey_test_result(actor=port, journey=ruili[7], sample_id="S-1", result="positive")
    s.handover_accept(actor=who("ruili_hospital"), journey=ruili[7], unit=u("c533102-hospital"), card_code=ruili[7].code)
    mengla = [arrive("port-mohan", "mohan_port", name="玉罕罕") for _ in range(3)]
    s.journey_screen(actor=who("mohan_port"), journey=mengla[2], temperature=36.5)  # no one is released unscreened
    s.journey_dispose(actor=who("mohan_port"), journey=mengla[2], disposition=Disposition.RELEASE)
    return {"ruili": ruili, "mengla": mengla}
