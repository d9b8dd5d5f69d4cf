"""Every figure of the dashboard that links to a list equals the number of rows of that list, for
every demo jurisdiction (the province, its prefectures and counties). The figures are found from
the page itself (``data-n`` with ``data-list``), so a new figure is checked as soon as it exists."""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

import pytest

from guomen.alerts.services import alert_raise, escalate
from guomen.loop import services as s
from guomen.loop.tests.factories import u
from guomen.places.models import Jurisdiction, Level

pytestmark = pytest.mark.django_db

FIGURE = re.compile(r"<[^>]*\bdata-n=\"(\d+)\"[^>]*\bdata-list=\"([^\"]+)\"[^>]*>")


def _total(page: str) -> int:
    return int(re.search(r'id="list-total" data-n="(\d+)"', page).group(1))


def test_every_dashboard_figure_equals_the_rows_of_its_list_for_every_demo_jurisdiction(day_of_loop, client_as):
    # alerts at every level, in Ruili and Mengla, held by port, hotel and command
    journeys = day_of_loop["ruili"][:3] + day_of_loop["mengla"][:2]
    due = max(j.due_at for j in journeys)
    s.sweep(now=due + timedelta(minutes=1))
    alert_raise(kind="other", unit=u("c533102-hotel1"), subject="房间不足")
    alert_raise(kind="watchlist_hit", unit=u("c532823-command"), subject="护照")
    escalate(now=due + timedelta(hours=7))
    c = client_as("province")
    nodes = Jurisdiction.objects.filter(level__in=[Level.PROVINCE, Level.PREFECTURE, Level.COUNTY]).order_by("path")
    assert nodes.count() == 1 + 8 + 25
    checked = 0
    for node in nodes:
        page = c.get(f"/command/?j={node.code}").content.decode()
        figures = FIGURE.findall(page)
        assert len(figures) >= 15, node.code
        for n, url in figures:
            listed = _total(c.get(htmllib.unescape(url)).content.decode())
            assert int(n) == listed, (node.code, url)
            checked += 1
    assert checked > 500


def test_the_daily_report_counts_open_alerts_as_the_dashboard_does(day_of_loop):
    from guomen.command import queries
    from guomen.loop.tests.factories import who
    from guomen.org.models import Unit, UnitKind
    from guomen.org.scoping import Scope

    due = max(j.due_at for j in day_of_loop["ruili"][:3])
    s.sweep(now=due + timedelta(minutes=1))
    alert_raise(kind="other", unit=u("c533102-hotel1"), subject="房间不足")
    escalate(now=due + timedelta(hours=25))  # some rise to the province: the county still counts them
    scope = Scope.of(who("province"))
    day = queries.local_today()
    commands = Unit.objects.filter(kind=UnitKind.COMMAND_OFFICE, jurisdiction__level__in=[Level.COUNTY, Level.PREFECTURE])
    assert commands.count() == 8 + 25
    for unit in commands.select_related("jurisdiction"):
        report = queries.report_prefill(unit, day)["alerts_open"]
        assert report == queries.dashboard(scope, unit.jurisdiction).alerts_total, unit.code
    ruili = Jurisdiction.objects.get(code="533102")
    assert queries.dashboard(scope, ruili).alerts_total == 4
