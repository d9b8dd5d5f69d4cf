"""The dashboard's figures add up, each links to the list behind it, and a command sees only its own jurisdiction."""

from __future__ import annotations

import re

import pytest
from django.db.models import Count, F

from guomen.command import queries
from guomen.loop.models import Journey, State
from guomen.loop.tests.factories import who
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

pytestmark = pytest.mark.django_db


def _counted(path: str) -> dict[str, int]:
    out = dict.fromkeys(State.values, 0)
    for r in Journey.objects.filter(jurisdiction__path__startswith=path).values("state").order_by().annotate(n=Count("id")):
        out[r["state"]] = r["n"]
    return out


def test_the_dashboard_read_again_shows_what_changed_in_between(day_of_loop):
    """Its statements are built once per jurisdiction; every read binds the request's time and reads the rows anew."""
    from datetime import timedelta

    from django.utils import timezone

    from guomen.alerts.services import alert_raise
    from guomen.loop.tests.factories import u
    from guomen.org.models import Unit

    scope, node, now = Scope.of(who("ruili")), Jurisdiction.objects.get(code="533102"), timezone.now()
    first = queries.dashboard(scope, node, now=now)
    alert_raise(kind="other", unit=u("c533102-hotel1"), subject="房间 101")
    Unit.objects.filter(code="c533102-hotel1").update(capacity=F("capacity") + 7)
    Journey.objects.filter(state=State.HANDOVER_OFFERED).update(due_at=now - timedelta(minutes=1))
    later = now + timedelta(hours=3)
    again = queries.dashboard(scope, node, now=later)
    assert again.capacity == first.capacity + 7
    assert again.handover_overdue == 2 and first.handover_overdue == 0
    assert again.handover_oldest_hours == pytest.approx(first.handover_oldest_hours + 3, abs=0.11)
    assert again.alerts_total == first.alerts_total + 1
    assert [(a["code"], a["name"]) for a in again.arrivals] == [(p.code, p.name) for p in queries.ports_in(node)]


@pytest.mark.parametrize("code", ["530000", "533100", "533102", "532823"])
def test_state_counts_from_counters_equal_counting_journeys_by_state(day_of_loop, code):
    node = Jurisdiction.objects.get(code=code)
    assert queries.state_counts(node) == _counted(node.path)


@pytest.mark.parametrize(("user", "code"), [("province", "530000"), ("ruili", "533102")])
def test_the_dashboard_reads_the_same_single_figures_as_their_own_functions(day_of_loop, user, code):
    """The dashboard reads its single-valued figures in one statement; each equals its function's own read."""
    from django.utils import timezone

    scope, node, now = Scope.of(who(user)), Jurisdiction.objects.get(code=code), timezone.now()
    d = queries.dashboard(scope, node, now=now)
    ids, day = queries.subtree_ids(node), queries.local_today(now)
    assert d.capacity == queries.quarantine_capacity(node) > 0
    ages = queries.handover_ages(ids, now)
    assert (d.handover_oldest_hours, d.handover_overdue) == (ages["oldest_hours"], ages["overdue"])
    assert d.positives_today == queries.positives(ids, day)
    assert d.segments == queries.segments_unassigned(node)
    assert d.dispatch == queries.dispatch_figures(ids, now)
    assert d.reports == queries.report_status(node, day) and d.reports["expected"] > 0
    assert d.duty == queries.duty_figures(scope, node, now)
    assert d.states == queries.state_counts(node)
    assert [c["open"] for c in d.children] == [
        sum(n for s, n in queries.state_counts(c["node"]).items() if s != State.CLOSED) for c in d.children
    ]
    if code == "533102":
        assert d.positives_today == 1 and d.handover_oldest_hours is not None


def test_every_journey_is_counted_in_exactly_one_state(day_of_loop):
    d = queries.dashboard(Scope.of(who("province")), Jurisdiction.objects.get(code="530000"))
    assert d.total == Journey.objects.count() == sum(d.states.values()) == 11
    assert d.open_total == Journey.objects.exclude(state=State.CLOSED).count()
    ruili = queries.dashboard(Scope.of(who("ruili")), Jurisdiction.objects.get(code="533102"))
    assert ruili.states[State.AT_GATE] == 3 and ruili.states[State.HANDOVER_OFFERED] == 2
    assert ruili.states[State.IN_FACILITY] == 1 and ruili.states[State.IN_HOSPITAL] == 1 and ruili.states[State.CLOSED] == 1
    assert ruili.arrivals_total == 8 and ruili.positives_today == 1 and ruili.handovers == 2


def _n(html: str, element_id: str) -> int:
    tag = re.search(rf'<[^>]*\bid="{element_id}"[^>]*>', html)
    assert tag, element_id
    return int(re.search(r'data-n="(\d+)"', tag.group(0)).group(1))


@pytest.mark.parametrize(("username", "code"), [("province", "530000"), ("dehong", "533100"), ("ruili", "533102")])
def test_dashboard_totals_equal_the_totals_of_the_lists_behind_them(day_of_loop, client_as, username, code):
    c = client_as(username)
    html = c.get(f"/command/?j={code}").content.decode()
    for state in State.values:
        page = c.get(f"/command/list/journeys/?j={code}&state={state}").content.decode()
        assert _n(html, f"fig-state-{state}") == _n(page, "list-total"), state
    assert _n(html, "fig-journeys-total") == _n(c.get(f"/command/list/journeys/?j={code}").content.decode(), "list-total")
    assert _n(html, "fig-arrivals-total") == _n(c.get(f"/command/list/arrivals/?j={code}").content.decode(), "list-total")
    assert _n(html, "fig-handovers-n") == _n(c.get(f"/command/list/handovers/?j={code}").content.decode(), "list-total")
    assert _n(html, "fig-alerts-total") == _n(c.get(f"/command/list/alerts/?j={code}").content.decode(), "list-total")
    assert _n(html, "fig-positives-n") == _n(c.get(f"/command/list/positives/?j={code}").content.decode(), "list-total")


def test_province_drills_down_to_prefecture_and_county(day_of_loop, client_as):
    c = client_as("province")
    html = c.get("/command/").content.decode()
    assert 'id="child-533100"' in html and "?j=533100" in html
    html = c.get("/command/?j=533100").content.decode()
    assert 'id="child-533102"' in html
    assert c.get("/command/?j=533102").status_code == 200


def test_ruili_county_sees_only_ruili_and_404_outside(day_of_loop, client_as):
    c = client_as("ruili")
    assert c.get("/command/").status_code == 200
    for url in [
        "/command/?j=532823",
        "/command/?j=533100",
        "/command/?j=530000",
        "/command/list/journeys/?j=532823",
        "/command/map/figures.geojson?j=530000",
    ]:
        assert c.get(url).status_code == 404, url
    page = c.get("/command/list/journeys/").content.decode()
    codes = set(re.findall(r"<td>([A-Z0-9]{6,16})</td>", page))
    ruili_codes = {j.code for j in day_of_loop["ruili"]}
    assert codes and codes <= ruili_codes
    assert not {j.code for j in day_of_loop["mengla"]} & codes


def test_non_command_roles_have_no_dashboard(day_of_loop, client_as):
    assert client_as("ruili_port").get("/command/").status_code == 404


def test_map_figures_are_scoped_points_per_county_and_port(day_of_loop, client_as):
    data = client_as("ruili").get("/command/map/figures.geojson").json()
    kinds = {(f["properties"]["kind"], f["properties"]["code"]) for f in data["features"]}
    assert ("county", "533102") in kinds
    assert all(f["properties"].get("county", "533102") == "533102" or f["properties"]["code"] == "533102" for f in data["features"])
    ruili = next(f for f in data["features"] if f["properties"]["code"] == "533102")
    assert ruili["properties"]["open"] == 7
    port = next(f for f in data["features"] if f["properties"]["code"] == "ruili")
    assert port["properties"]["arrivals_today"] == 8
    province = client_as("province").get("/command/map/figures.geojson").json()
    assert len([f for f in province["features"] if f["properties"]["kind"] == "county"]) == 25


def test_map_base_serves_the_shipped_natural_earth_files(client_as):
    r = client_as("ruili").get("/command/map/base/countries.geojson")
    assert r.status_code == 200 and b"FeatureCollection" in b"".join(r.streaming_content)
    assert client_as("ruili").get("/command/map/base/secrets.geojson").status_code == 404
    assert client_as("ruili").get("/command/map/").status_code == 200


def test_trends_give_daily_series_for_the_period(day_of_loop, client_as):
    data = client_as("ruili").get("/command/trends.json?days=7").json()
    assert len(data["days"]) == 7 and data["in_loop"][-1] == 7
    ruili = next(p for p in data["arrivals_by_port"] if p["port"] == "ruili")
    assert ruili["data"][-1] == 8
    html = client_as("ruili").get("/command/trends/?days=7").content.decode()
    assert 'id="trends-data"' in html and "echarts.min.js" in html and "<script>" not in html


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_figures_escape_names_and_speak_the_users_language_in_the_page_and_in_the_minutes_refresh(client_as, lang):
    """The figures are rendered with Jinja2: autoescaped, translated with Django's catalogues."""
    Jurisdiction.objects.filter(code="533100").update(name_zh="<b>德宏</b>", name_en="<b>Dehong</b>")
    c = client_as("province")
    c.cookies["django_language"] = lang
    heading = "闭环人员状态" if lang == "zh-hans" else "Journeys by state"
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        html = c.get("/command/?j=530000", **headers).content.decode()
        row = re.search(r'<tr id="child-533100">.*?</tr>', html, re.S).group(0)
        assert "&lt;b&gt;" in row and "<b>" not in row, row
        assert heading in html
    assert "<html" not in html  # the refresh is the figures alone
