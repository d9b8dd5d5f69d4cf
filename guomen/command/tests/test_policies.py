"""Policies side by side, publishing a new version from there, and the 14-day capacity forecast."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import timezone

from guomen.command import forecast
from guomen.command.forecast import project
from guomen.lib.localtime import local_day
from guomen.loop.models import Policy
from guomen.loop.services import policy_current
from guomen.loop.tests.factories import u
from guomen.places.models import Jurisdiction

pytestmark = pytest.mark.django_db


# --- the forecast ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("rate", "stay"), [(10, 14), (3.5, 7), (40, 21)])
def test_a_constant_arrival_rate_settles_at_rate_times_stay(rate, stay):
    rooms = project([], [rate] * 60, stay, horizon=60)
    assert rooms[: stay - 1] == [pytest.approx(rate * (d + 1)) for d in range(stay - 1)]  # filling up
    assert all(r == pytest.approx(rate * stay) for r in rooms[stay - 1 :])  # λ·W from day W on


def test_random_arrivals_average_rate_times_stay():
    rate, stay, days = 12.0, 10, 3000
    arrivals = np.random.default_rng(7).poisson(rate, days).tolist()
    rooms = project([], arrivals, stay, horizon=days)
    assert np.mean(rooms[100:]) == pytest.approx(rate * stay, rel=0.02)


def test_people_inside_leave_on_their_scheduled_day():
    assert project([1, 3], [0] * 5, 14, horizon=5) == [2, 1, 1, 0, 0]


def test_county_forecast_from_the_day_of_loop(day_of_loop):
    f = forecast.county_forecast(Jurisdiction.objects.get(code="533102"))
    assert f.occupied_now == 1  # one in the hotel, released in 14 days
    assert f.share == pytest.approx(3 / 4)  # three sent to quarantine, one released at the gate
    assert f.rate == pytest.approx(1 / 7)  # one admitted in the last seven days
    assert f.rooms[0] == pytest.approx(1 + 1 / 7 + 3 * 3 / 4)  # in now, today's inflow, the three at the gate
    assert len(f.rooms) == forecast.HORIZON and f.days[0] == local_day(timezone.now())
    assert f.runs_out_on is None


def test_a_county_that_will_run_out_is_warned(day_of_loop, client_as):
    for unit in u("c533102-hotel1").jurisdiction.units.filter(kind="quarantine_facility"):
        unit.capacity = 2 if unit.code == "c533102-hotel1" else 0
        unit.save(update_fields=["capacity"])
    f = forecast.county_forecast(Jurisdiction.objects.get(code="533102"))
    assert f.capacity == 2 and f.runs_out_on == local_day(timezone.now())
    assert [w.county.code for w in forecast.warnings(forecast.forecast(Jurisdiction.objects.get(code="533100")))] == ["533102"]
    r = client_as("dehong").get("/command/capacity/?j=533100")
    assert r.status_code == 200
    assert b'data-county="533102"' in r.content and b"county-533103" in r.content


# --- the comparison page ------------------------------------------------------------------------
def test_each_option_needs_rooms_by_its_own_length_of_stay():
    from datetime import date, timedelta

    from guomen.command.policies import Candidate, compare

    days = [date(2020, 4, 1) + timedelta(days=k) for k in range(14)]
    county = forecast.CountyForecast(
        county=None, capacity=100, occupied_now=0, rate=10, share=1, stay_days=14, days=days, release=[], admissions=[10] * 14
    )
    cols = compare(None, [Candidate(7, 0, (6,))], Candidate(14, 7, (1, 7, 13)), forecasts=[county])
    assert [(c.rooms, c.last, c.peak, c.fits) for c in cols] == [(140, 140, 140, False), (70, 70, 70, True)]
    assert [(c.quarantine_person_days, c.home_person_days, c.tests) for c in cols] == [(14000, 7000, 3000), (7000, 0, 1000)]


def test_policies_side_by_side(day_of_loop, client_as):
    r = client_as("ruili").get("/command/policies/?j=533102&q1=14&h1=7&t1=&q2=14&h2=0&t2=&q3=7&h3=0&t3=6")
    assert r.status_code == 200
    html = r.content.decode()
    for cid in ("col-current", "col-1", "col-2", "col-3", "row-risk", "row-rooms", "row-peak", "row-last", "row-person-days"):
        assert f'id="{cid}"' in html
    assert 'data-n="101.0"' not in html and 'data-n="100.6"' in html  # 14 days, no home: Lauer's 101 in 10,000
    assert "publish-form" not in html  # a county command compares; the province publishes


def test_bad_candidates_get_a_clear_message_not_an_error(client_as):
    r = client_as("ruili").get("/command/policies/?j=533102&q1=abc&t2=20&q3=99")
    assert r.status_code == 200
    assert r.content.decode().count('class="msg error"') == 3


def test_policy_pages_are_for_commands_only(client_as):
    assert client_as("ruili_port").get("/command/policies/").status_code == 404
    assert client_as("ruili").get("/command/policies/?j=532823").status_code == 404  # Mengla is not Ruili's
    assert client_as("ruili").get("/command/capacity/?j=532823").status_code == 404


def _publish(client, **extra):
    body = {"j": "530000", "q1": "14", "h1": "7", "t1": "", "q2": "14", "h2": "0", "t2": "", "q3": "7", "h3": "0", "t3": "6"}
    body.update({"slot": "3", "name_zh": "七天加第六天检测", "name_en": "7 days, test on day 6", **extra})
    return client.post("/command/policies/publish/", body)


def test_the_province_publishes_a_new_version_from_the_comparison(client_as, world):
    before = policy_current()
    r = _publish(client_as("province"))
    assert r.status_code == 302 and r["Location"].startswith("/command/policies/?j=530000")
    assert 'class="msg success"' in client_as("province").get(r["Location"]).content.decode()
    new = policy_current()
    assert new.code == before.code and new.version == before.version + 1
    assert new.rules["quarantine_days"] == {"low": 7, "medium": 7, "high": 7} and new.rules["test_days"] == [6]
    assert new.rules["home_days"] == {"low": 0, "medium": 0, "high": 0}
    assert {k: v for k, v in new.rules.items() if k not in ("quarantine_days", "home_days", "test_days")} == {
        k: v for k, v in before.rules.items() if k not in ("quarantine_days", "home_days", "test_days")
    }
    assert new.name_en == "7 days, test on day 6"


@pytest.mark.parametrize(
    ("username", "extra"),
    [("ruili", {"j": "533102"}), ("auditor", {}), ("province", {"t3": "9"}), ("province", {"slot": "7"}), ("province", {"name_zh": ""})],
)
def test_publishing_refused_changes_nothing(client_as, world, username, extra):
    policy_current()
    n = Policy.objects.count()
    r = _publish(client_as(username), **extra)
    assert r.status_code == 302
    assert Policy.objects.count() == n
    assert 'class="msg error"' in client_as(username).get(r["Location"]).content.decode()
