"""Every "in my custody" list and count comes from one query (``queries.in_custody``): the
home tile and every desk agree for every unit, and the village desk shows the people found
locally or confirmed from a self-declaration."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from guomen.loop import services as s
from guomen.loop.models import Disposition, Journey, State
from guomen.loop.tests.factories import person, u, who
from guomen.org.models import Role, UnitKind
from guomen.places import services as places
from guomen.places.models import SelfDeclaration

pytestmark = pytest.mark.django_db

DESKS = {
    UnitKind.PORT_HEALTH_STATION: "loop:port",
    UnitKind.TRANSFER_TEAM: "loop:transfer",
    UnitKind.QUARANTINE_FACILITY: "loop:facility",
    UnitKind.HOSPITAL: "loop:hospital",
    UnitKind.VILLAGE_COMMITTEE: "loop:village",
}
# The demo logins of the units that hold people (README: demo logins).
HOLDERS = [
    "ruili_port",
    "mohan_port",
    "ruili_transfer",
    "mengla_transfer",
    "ruili_hotel",
    "mengla_hotel",
    "ruili_hospital",
    "ruili_grid",
    "mengla_grid",
]


def grid_village():
    m = who("ruili_grid").memberships.select_related("unit__jurisdiction").get(role=Role.GRID_WORKER)
    return m.unit, m.unit.jurisdiction


def found_locally_and_declared():
    committee, village = grid_village()
    found = s.returnee_report(actor=who("ruili_grid"), village=village, name="岩罕", phone="13800000000", came_from_country="MMR")
    declaration = places.self_declaration_submit(
        name="玉南", phone="13900000000", village=village, came_from="缅甸木姐", returned_on=timezone.localdate()
    )
    declared = s.self_declaration_confirm(actor=who("ruili_grid"), declaration=SelfDeclaration.objects.get(pk=declaration.pk))
    return committee, found, declared


def a_day_of_work():
    """People in every kind of custody state across the Ruili units."""
    port, hotel, village = u("port-ruili"), u("c533102-hotel1"), u("v533102103201")
    arrive = lambda: s.journey_arrive(actor=who("ruili_port"), unit=port, person=person(), origin_country="MMR")  # noqa: E731
    arrive()  # at the gate
    s.journey_declare(actor=who("ruili_port"), port_unit=port, person=person(), expected_at=timezone.now() + timezone.timedelta(days=3))
    offered = arrive()
    s.journey_dispose(actor=who("ruili_port"), journey=offered, disposition=Disposition.QUARANTINE, to_unit=hotel)
    for room in ("1", "2"):
        j = arrive()
        s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=hotel)
        s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=hotel, room=room, card_code=j.code)
    home = arrive()
    s.journey_dispose(actor=who("ruili_port"), journey=home, disposition=Disposition.HOME, to_unit=village)
    s.handover_accept(actor=who("ruili_grid"), journey=home, unit=village, card_code=home.code)
    sick = arrive()
    s.journey_screen(actor=who("ruili_port"), journey=sick, temperature=38.6, symptoms=["cough"])
    s.journey_dispose(actor=who("ruili_port"), journey=sick, disposition=Disposition.HOSPITAL, to_unit=u("c533102-hospital"))
    s.handover_accept(actor=who("ruili_hospital"), journey=sick, unit=u("c533102-hospital"), card_code=sick.code)


def in_my_custody_tile(client) -> int:
    home = client.get(reverse("home"))
    panel = next(p for p in home.context["panels"] if p["template"] == "loop/panels/waiting.html")
    return next(i["n"] for i in panel["items"] if i["url"].endswith("#custody"))


def test_returnees_found_locally_and_confirmed_declarations_appear_on_the_village_desk(client_as, world):
    _committee, found, declared = found_locally_and_declared()
    c = client_as("ruili_grid")
    r = c.get(reverse("loop:village"))
    html = r.content.decode()
    assert {j.code for j in r.context["to_decide"]} == {found.code, declared.code}
    assert found.code in html and declared.code in html
    assert in_my_custody_tile(c) == len(r.context["custody"]) == 2


@pytest.mark.parametrize("login", HOLDERS)
def test_the_in_my_custody_count_equals_the_desks_list_for_each_demo_unit(client_as, world, login):
    a_day_of_work()
    found_locally_and_declared()
    c = client_as(login)
    units = [m.unit for m in who(login).memberships.select_related("unit") if m.unit.kind in DESKS]
    r = c.get(reverse(DESKS[units[0].kind]))
    listed = {j.code for j in r.context["custody"]}
    held = set(Journey.objects.filter(custodian__in=units, closed_at__isnull=True).values_list("code", flat=True))
    assert in_my_custody_tile(c) == len(r.context["custody"]) == len(listed) == len(held)
    assert listed == held
    html = r.content.decode()
    assert all(code in html for code in held)
    if login == "ruili_port":  # offered onward and not yet accepted: still the port's custody
        assert Journey.objects.filter(custodian__code="port-ruili", state=State.HANDOVER_OFFERED).exists() and len(held) == 3
