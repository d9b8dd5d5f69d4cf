"""Shifts: conflicts refused with a reason, rosters from rotations, the gap report."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from guomen.duty import queries, services
from guomen.duty.models import DutyPost, Shift, ShiftMember
from guomen.lib.errors import Conflict, DomainError

from .helpers import local, members, post, unit, who

pytestmark = pytest.mark.django_db


def test_one_person_on_two_posts_at_overlapping_times_is_refused(world):
    a, b = post(), post()
    (p,) = members(1)
    services.shift_create(actor=who("ruili"), post=a, start=local(2020, 4, 1, 8), end=local(2020, 4, 1, 20), members=[p])
    with pytest.raises(Conflict) as exc:
        services.shift_create(actor=who("ruili"), post=b, start=local(2020, 4, 1, 18), end=local(2020, 4, 2, 6), members=[p])
    assert exc.value.code == "shift_overlap" and a.name in exc.value.message
    assert Shift.objects.filter(post=b).count() == 0


def test_less_rest_than_the_minimum_is_refused(world):
    a, b = post(), post()
    (p,) = members(1)
    services.shift_create(actor=who("ruili"), post=a, start=local(2020, 4, 1, 8), end=local(2020, 4, 1, 20), members=[p])
    with pytest.raises(DomainError) as exc:
        services.shift_create(actor=who("ruili"), post=b, start=local(2020, 4, 2, 3), end=local(2020, 4, 2, 9), members=[p])
    assert exc.value.code == "rest_too_short" and exc.value.status == 422
    # exactly the minimum rest is allowed
    services.shift_create(actor=who("ruili"), post=b, start=local(2020, 4, 2, 4), end=local(2020, 4, 2, 10), members=[p])


def test_api_answers_409_for_overlap_and_422_for_rest_in_the_error_shape(api_as):
    a, b = post(), post()
    p, q = members(2)
    c = api_as("ruili")

    def make(code, start, end, people):
        body = {"post": code, "start": start.isoformat(), "end": end.isoformat(), "members": people}
        return c.post("/api/duty/shifts", json.dumps(body), content_type="application/json")

    r = make(a.code, local(2020, 4, 1, 8), local(2020, 4, 1, 20), [p.username, q.username])
    assert r.status_code == 201, r.content
    assert sorted(r.json()["members"]) == sorted([p.username, q.username])
    r = make(b.code, local(2020, 4, 1, 12), local(2020, 4, 1, 16), [q.username])
    assert r.status_code == 409 and r.json()["error"]["code"] == "shift_overlap"
    r = make(b.code, local(2020, 4, 1, 22), local(2020, 4, 2, 6), [p.username])
    assert r.status_code == 422 and r.json()["error"]["code"] == "rest_too_short"
    assert r.json()["error"]["message"]
    assert ShiftMember.objects.filter(user__in=[p, q]).count() == 2


def test_a_post_of_another_county_is_not_found(api_as):
    mengla_post = post(team=unit("c532823-patrol"), actor=who("mengla"))
    (p,) = members(1)
    body = {"post": mengla_post.code, "start": "2020-04-01T08:00:00+08:00", "end": "2020-04-01T20:00:00+08:00", "members": [p.username]}
    r = api_as("ruili").post("/api/duty/shifts", json.dumps(body), content_type="application/json")
    assert r.status_code == 404


def test_rotation_of_four_fills_a_month_of_two_twelve_hour_shifts_without_conflicts(world):
    p = post(staffing=2)
    crew = members(4)
    t = services.roster_template_create(
        actor=who("ruili"), post=p, name="2 × 12 h", shifts_per_day=2, first_hour=8, per_shift=2, members=crew
    )
    made = services.roster_generate(actor=who("ruili"), template=t, first_day=date(2020, 1, 1), days=31)
    assert len(made) == 62
    assert services.roster_generate(actor=who("ruili"), template=t, first_day=date(2020, 1, 1), days=31) == []  # a second run adds nothing
    r = queries.roster(DutyPost.objects.filter(pk=p.pk), date(2020, 1, 2), 30)
    assert r.gaps == []  # 1 January before 08:00 is before the first shift
    assert {c["cls"] for c in r.rows[0]["cells"]} == {"ok"}
    # the rotation continues across the month end
    first_feb = Shift.objects.filter(post=p, start=local(2020, 2, 1, 8)).first()
    assert first_feb is None  # 31 days only
    last = Shift.objects.filter(post=p).order_by("-start").first()
    assert last.end == local(2020, 2, 1, 8)


def test_three_eight_hour_shifts_rotate_three_people(world):
    p = post(staffing=1)
    crew = members(3)
    t = services.roster_template_create(
        actor=who("ruili"), post=p, name="3 × 8 h", shifts_per_day=3, first_hour=0, per_shift=1, members=crew
    )
    made = services.roster_generate(actor=who("ruili"), template=t, first_day=date(2020, 2, 28), days=3)  # across 29 Feb
    assert [s.end - s.start for s in made] == [timedelta(hours=8)] * 9
    assert queries.roster(DutyPost.objects.filter(pk=p.pk), date(2020, 2, 28), 3).gaps == []


def test_one_missing_night_shift_is_a_gap_of_exactly_those_hours(world):
    p = post(staffing=2)
    crew = members(4)
    t = services.roster_template_create(
        actor=who("ruili"), post=p, name="2 × 12 h", shifts_per_day=2, first_hour=8, per_shift=2, members=crew
    )
    services.roster_generate(actor=who("ruili"), template=t, first_day=date(2020, 3, 30), days=3)
    # take away the night of 31 March → 1 April (across the month end)
    night = Shift.objects.get(post=p, start=local(2020, 3, 31, 20))
    services.shift_delete(actor=who("ruili"), shift=night)
    r = queries.roster(DutyPost.objects.filter(pk=p.pk), date(2020, 3, 31), 2)
    assert [(g["start"], g["end"], g["hours"], g["shortfall"]) for g in r.gaps] == [(local(2020, 3, 31, 20), local(2020, 4, 1, 8), 12, 2)]
    assert [c["cls"] for c in r.rows[0]["cells"]] == ["bad", "bad"]
    assert [c["short"] for c in r.rows[0]["cells"]] == [4, 8]


def test_roster_page_shows_gaps_with_a_class_per_cell(client_as):
    p = post(staffing=1)
    (a,) = members(1)
    services.shift_create(actor=who("ruili"), post=p, start=local(2020, 4, 1, 0), end=local(2020, 4, 1, 12), members=[a])
    r = client_as("ruili").get("/duty/roster/?month=2020-04&unit=" + p.unit.code)
    html = r.content.decode()
    assert r.status_code == 200
    assert p.name in html and 'class="bad"' in html and 'class="gap"' in html
