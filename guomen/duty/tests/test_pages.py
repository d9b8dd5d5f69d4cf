"""The duty pages render for a patrol member and for the county, and their forms write through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guomen.duty import services
from guomen.duty.models import DutyLogEntry, DutyTask, Incident, InterceptedPerson, Shift

from .helpers import local, members, post, segment_in_ruili, unit, who

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["ruili", "ruili_patrol"])
def test_every_duty_page_renders(client_as, username):
    now = timezone.now()
    p = services.patrol_plan(
        actor=who("ruili"),
        team=unit(),
        leader=who("ruili_patrol"),
        segments=[segment_in_ruili()],
        window_start=now,
        window_end=now + timedelta(hours=4),
    )
    inc = services.incident_report(actor=who("ruili_patrol"), unit=unit(), kind="suspicious_activity")
    dp = post()
    c = client_as(username)
    for url in [
        "/duty/",
        "/duty/roster/",
        "/duty/patrols/",
        f"/duty/patrols/{p.public_id}/",
        "/duty/segments/",
        "/duty/board/",
        f"/duty/incidents/{inc.code}/",
        f"/duty/posts/{dp.code}/",
        "/",
    ]:
        r = c.get(url)
        assert r.status_code == 200, url
    r = c.get("/duty/roster/?month=2020-02", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b"<html" not in r.content and b"roster" in r.content


def test_home_panel_for_patrol_member_and_nav_entries(client_as):
    html = client_as("ruili_patrol").get("/").content.decode()
    assert 'id="panel-my-duty"' in html and "/duty/roster/" in html


def test_shift_form_shows_the_conflict_and_changes_nothing(client_as):
    a, b = post(), post()
    (m,) = members(1)
    services.shift_create(actor=who("ruili"), post=a, start=local(2020, 4, 1, 8), end=local(2020, 4, 1, 20), members=[m])
    c = client_as("ruili")
    r = c.post(f"/duty/posts/{b.code}/shifts/", {"start": "2020-04-01T10:00", "end": "2020-04-01T18:00", "members": [m.username]})
    html = r.content.decode()
    # the post's own page again (not another one), with the reason beside the form and what was typed kept
    assert r.status_code == 409 and r.templates[0].name == "duty/post.html" and r.context["post"] == b
    assert 'id="shift-error"' in html and "已在" in html
    assert 'value="2020-04-01T10:00"' in html and 'value="2020-04-01T18:00"' in html and f'value="{m.username}"' in html
    assert Shift.objects.filter(post=b).count() == 0
    r = c.post(f"/duty/posts/{b.code}/shifts/", {"start": "2020-04-01T10:00", "end": "", "members": ["nobody-here"]})
    assert r.status_code == 422 and 'id="shift-error"' in r.content.decode() and 'value="nobody-here"' in r.content.decode()
    assert Shift.objects.filter(post=b).count() == 0


def test_forms_write_log_task_and_interception(client_as):
    c = client_as("ruili_patrol")
    dp = post()
    c.post("/duty/log/", {"post": dp.code, "text": "一切正常", "category": "observation"})
    assert DutyLogEntry.objects.filter(post=dp, text="一切正常").exists()
    cmd = client_as("ruili")
    cmd.post("/duty/tasks/", {"unit": unit().code, "title": "加固围网", "due_at": "2030-01-01T08:00", "assignee": "ruili_patrol"})
    assert DutyTask.objects.filter(title="加固围网", assignee__username="ruili_patrol").exists()
    c = client_as("ruili_patrol")  # the same test client, signed in again as the patrol member
    r = c.post(
        "/duty/incidents/",
        {
            "unit": unit().code,
            "kind": "illegal_crossing_intercepted",
            "place": "便道",
            "person_name": ["Aye Aye", ""],
            "person_nationality": ["MMR", ""],
            "person_sex": ["F", "X"],
        },
    )
    inc = Incident.objects.filter(kind="illegal_crossing_intercepted", place="便道").get()
    assert r.status_code == 302 and r["Location"].endswith(f"/duty/incidents/{inc.code}/")
    assert InterceptedPerson.objects.filter(incident=inc).count() == 1


def test_an_empty_log_entry_is_refused_naming_the_field_the_form_shows(client_as):
    c = client_as("ruili_patrol")
    dp = post()
    r = c.post("/duty/log/", {"post": dp.code, "text": "  ", "category": "observation", "next": "/duty/me/"}, follow=True)
    html = r.content.decode()
    assert "观察到的情况" in html and "进展" not in html
    assert not DutyLogEntry.objects.filter(post=dp).exists()
