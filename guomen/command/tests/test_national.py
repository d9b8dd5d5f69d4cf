"""The national view: the counts a province publishes equal its own dashboard, only changes are
written, and the national page sums what the provinces sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from guomen.command import national
from guomen.command.models import PublishedCount
from guomen.command.queries import dashboard, local_today
from guomen.lib import clock
from guomen.loop import services as s
from guomen.loop.models import Disposition, State
from guomen.loop.tests.factories import person, u, who
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

pytestmark = pytest.mark.django_db


def arrive(port: str = "port-ruili", officer: str = "ruili_port"):
    return s.journey_arrive(actor=who(officer), unit=u(port), person=person(port), origin_country="MMR")


def published(county: str) -> dict[str, int]:
    day = local_today()
    return dict(PublishedCount.objects.filter(county_code=county, day=day).values_list("figure", "n"))


def test_a_countys_published_counts_equal_its_dashboard_and_only_changes_are_written(world):
    j = arrive()
    arrive()
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)
    s.journey_dispose(
        actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"), via_unit=u("c533102-transfer")
    )
    first = national.publish()
    counties = Jurisdiction.objects.filter(level="county").count()
    assert first == counties * (len(State.values) + 2)  # every county, every figure, zeros included

    ruili = Jurisdiction.objects.get(code="533102")
    d = dashboard(Scope.of(who("ruili")), ruili)
    rows = published("533102")
    assert {f.removeprefix("state:"): n for f, n in rows.items() if f.startswith("state:")} == {
        st: d.states.get(st, 0) for st in State.values
    }
    assert rows["arrived"] == d.arrivals_total == 2
    assert rows["positive"] == d.positives_today
    assert rows["state:at_gate"] == 1 and rows["state:handover_offered"] == 1

    # Nothing changed: nothing written. One more arrival: its county's two figures only.
    assert national.publish() == 0
    arrive()
    assert national.publish() == 2
    assert published("533102")["arrived"] == 3
    # Another county's figures did not move.
    assert published("532823")["arrived"] == 0


def test_the_national_figures_sum_the_provinces_and_each_figure_is_the_sum_of_its_counties(world):
    arrive()
    arrive("port-mohan", "mohan_port")
    national.publish()
    # What a second province's publication brings to the national table (as logical replication writes it).
    day = local_today()
    for county, name, n in (("451481", "凭祥市", 5), ("452623", "那坡县", 2)):
        PublishedCount.objects.create(
            key=f"{county}/arrived/{day}", province_code="450000", province_name="广西壮族自治区", province_name_en="Guangxi",
            county_code=county, county_name=name, figure="arrived", day=day, n=n, updated_at=clock.now(),
        )  # fmt: skip
    f = national.national_figures()
    by_code = {p.code: p for p in f.provinces}
    assert set(by_code) == {"530000", "450000"}
    assert by_code["530000"].figures["arrived"] == 2 and by_code["450000"].figures["arrived"] == 7
    assert f.total.figures["arrived"] == 9
    for p in f.provinces:
        for figure, n in p.figures.items():
            assert n == sum(c.figures.get(figure, 0) for c in f.counties[p.code])
    # Another day has nothing yet.
    assert national.national_figures(day - timedelta(days=400)).provinces == []


def test_the_national_page_is_for_the_province_command_and_refuses_others_and_bad_days_plainly(client_as):
    arrive()
    national.publish()
    page = client_as("province").get("/command/national/")
    assert page.status_code == 200
    assert b'id="national-total"' in page.content and "云南省".encode() in page.content
    assert client_as("ruili").get("/command/national/").status_code == 403
    bad = client_as("province").get("/command/national/?day=31-02-2020")
    assert bad.status_code == 200 and b"YYYY-MM-DD" in bad.content
