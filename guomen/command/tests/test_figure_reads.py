"""How the dashboard's figures read their rows at scale, and that they are still the same figures.

The waiting handovers (the oldest offer, how many are past due) are read by the jurisdictions whose
journey counters hold waiting handovers: the same figures as counting the waiting journeys of the
whole subtree, as the handovers list does. The quarantine capacity and the units owing a daily
report look each unit's jurisdiction up by key instead of joining the subtree's jurisdictions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count, Min, Q
from django.utils import timezone

from guomen.command import queries
from guomen.command.queries.figures import _capacity, _handovers
from guomen.command.queries.reports import _reporters
from guomen.loop import services as s
from guomen.loop.models import Disposition, Journey, JourneyCount, State
from guomen.loop.tests.factories import u, who
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

from .conftest import arrive

pytestmark = pytest.mark.django_db

CODES = ["530000", "533100", "533102", "532823"]


def _counted(path: str, now):
    """The figures counted over every waiting journey of the subtree (the handovers list's rows)."""
    agg = Journey.objects.filter(state=State.HANDOVER_OFFERED, jurisdiction__path__startswith=path).aggregate(
        oldest=Min("state_since"), overdue=Count("due_at", filter=Q(due_at__lt=now))
    )
    oldest = agg["oldest"]
    return {"oldest_hours": round((now - oldest).total_seconds() / 3600, 1) if oldest else None, "overdue": agg["overdue"]}


def test_the_waiting_handovers_are_read_by_the_jurisdictions_whose_counters_hold_some(day_of_loop):
    qs, _aggs = _handovers(queries.subtree_ids(Jurisdiction.objects.get(code="530000")), timezone.now())
    assert JourneyCount._meta.db_table in str(qs.query)


def test_handover_figures_equal_counting_the_subtrees_waiting_journeys(day_of_loop):
    # A handover waiting in Mengla too, and one of Ruili's taken: its counter drops and it leaves the figures.
    mengla = arrive("port-mohan", "mohan_port")
    s.journey_dispose(actor=who("mohan_port"), journey=mengla, disposition=Disposition.QUARANTINE, to_unit=u("c532823-hotel1"))
    mengla_path = Jurisdiction.objects.get(code="532823").path
    taken = Journey.objects.filter(state=State.HANDOVER_OFFERED, pending_unit=u("c533102-transfer")).order_by("id").first()
    s.handover_accept(actor=who("ruili_transfer"), journey=taken, card_code=taken.code)
    now = timezone.now()
    Journey.objects.filter(state=State.HANDOVER_OFFERED, jurisdiction__path__startswith=mengla_path).update(
        due_at=now - timedelta(minutes=5)
    )
    for later in (now, now + timedelta(days=2)):
        for code in CODES:
            node = Jurisdiction.objects.get(code=code)
            assert queries.handover_ages(queries.subtree_ids(node), later) == _counted(node.path, later), (code, later)
            d = queries.dashboard(Scope.of(who("ruili" if code == "533102" else "province")), node, now=later)
            assert (d.handover_oldest_hours, d.handover_overdue) == tuple(_counted(node.path, later).values()), (code, later)
    assert queries.handover_ages(queries.subtree_ids(Jurisdiction.objects.get(code="532823")), now)["overdue"] == 1
    assert queries.handover_ages(queries.subtree_ids(Jurisdiction.objects.get(code="533102")), now)["overdue"] == 0


def test_capacity_and_reporters_look_their_units_jurisdiction_up_by_key(day_of_loop):
    province = Jurisdiction.objects.get(code="530000")
    for qs in (_capacity(province)[0], _reporters(province)):
        sql = str(qs.order_by().query)
        assert " JOIN " not in sql and 'WHERE U0."id" = ("org_unit"."jurisdiction_id")' in sql, sql


@pytest.mark.parametrize("code", CODES)
def test_capacity_and_reporters_are_the_units_of_the_subtree(day_of_loop, code):
    from guomen.org.models import Unit, UnitKind
    from guomen.places.models import Level

    node = Jurisdiction.objects.get(code=code)
    units = Unit.objects.filter(active=True, jurisdiction__path__startswith=node.path)
    facilities = units.filter(kind=UnitKind.QUARANTINE_FACILITY)
    assert queries.quarantine_capacity(node) == sum(f.capacity or 0 for f in facilities)
    reporters = units.filter(kind=UnitKind.PORT_HEALTH_STATION) | units.filter(
        kind=UnitKind.COMMAND_OFFICE, jurisdiction__level__in=[Level.COUNTY, Level.PREFECTURE]
    )
    assert sorted(u.pk for u in queries.expected_reporters(node)) == sorted(reporters.values_list("pk", flat=True))
