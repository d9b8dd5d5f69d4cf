"""Dispatch tasks (督办): created by a command for a unit, progress reported, overdue ones escalate."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from guomen.alerts.models import Alert
from guomen.command import services
from guomen.command.models import DispatchTask, TaskState
from guomen.command.services import AlertKind
from guomen.lib.errors import Conflict, DomainError
from guomen.loop.tests.factories import u, who

pytestmark = pytest.mark.django_db


def _task(hours: float = 2, unit: str = "c533102-hotel1", actor: str = "ruili"):
    return services.task_create(
        actor=who(actor), unit=u(unit), title="核查隔离房间", due_at=timezone.now() + timedelta(hours=hours), source="quarantine"
    )


def test_task_lifecycle_from_creation_to_done(world):
    t = _task()
    assert t.state == TaskState.OPEN and t.issued_by_unit.code == "c533102-command"
    t = services.task_progress(actor=who("ruili_hotel"), task=t, text="已开始核查")
    assert t.state == TaskState.IN_PROGRESS
    t = services.task_progress(actor=who("ruili_hotel"), task=t, text="核查完毕", state=TaskState.DONE)
    assert t.state == TaskState.DONE and t.finished_at is not None
    assert list(t.progress.values_list("state", flat=True)) == ["in_progress", "done"]
    with pytest.raises(Conflict):
        services.task_progress(actor=who("ruili_hotel"), task=t, text="again")


def test_only_a_command_over_the_unit_dispatches(world):
    with pytest.raises(DomainError):
        _task(unit="c532823-hotel1")  # Mengla is outside Ruili's reach
    with pytest.raises(PermissionDenied):
        _task(actor="ruili_port")
    with pytest.raises(DomainError):
        _task(hours=-1)
    t = _task(unit="c532823-hotel1", actor="province")
    assert t.issued_by_unit.code == "yn-command"
    with pytest.raises(Http404):  # another county's task is not even visible
        services.task_progress(actor=who("ruili_hotel"), task=t, text="not mine")


def test_overdue_task_escalates_once_and_its_alert_closes_when_done(world):
    t = _task(hours=1)
    assert services.tasks_escalate() == 0
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert services.tasks_escalate() == 1
        assert services.tasks_escalate() == 0
    t.refresh_from_db()
    alert = Alert.objects.get(kind=AlertKind.TASK_OVERDUE)
    assert t.escalated_at is not None and t.escalation_alert == alert and alert.unit.code == "c533102-hotel1"
    services.task_progress(actor=who("ruili_hotel"), task=t, text="补办完成", state=TaskState.DONE)
    alert.refresh_from_db()
    assert alert.closed_at is not None


def test_cancelled_by_the_issuing_command_only(world):
    t = _task()
    with pytest.raises(PermissionDenied):
        services.task_cancel(actor=who("ruili_hotel"), task=t, reason="no")
    t = services.task_cancel(actor=who("ruili"), task=t, reason="重复")
    assert t.state == TaskState.CANCELLED


def test_task_pages_dispatch_from_an_alert_and_report_progress(world, client_as):
    from guomen.alerts.services import alert_raise

    alert = alert_raise(kind="other", unit=u("c533102-hotel1"), subject="房间不足")
    c = client_as("ruili")
    page = c.get(f"/command/tasks/new/?source=alert&alert={alert.public_id}&unit=c533102-hotel1").content.decode()
    assert 'id="task-alert"' in page
    due = (timezone.localtime(timezone.now()) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    r = c.post(
        "/command/tasks/new/",
        {"unit": "c533102-hotel1", "title": "增设房间", "due_at": due, "source": "alert", "alert": str(alert.public_id)},
    )
    assert r.status_code == 302
    t = DispatchTask.objects.get()
    assert t.alert == alert
    hotel = client_as("ruili_hotel")
    assert 'id="progress-form"' in hotel.get(f"/command/tasks/{t.public_id}/").content.decode()
    hotel.post(f"/command/tasks/{t.public_id}/progress/", {"text": "已增设", "action": "done"})
    t.refresh_from_db()
    assert t.state == TaskState.DONE
    assert client_as("mengla").get(f"/command/tasks/{t.public_id}/").status_code == 404


def test_a_task_shows_on_the_home_of_the_unit_it_is_given_to(world, client_as):
    mine = _task(hours=1, unit="c533102-patrol")
    late = _task(hours=0.5, unit="c533102-patrol")
    other = services.task_create(
        actor=who("ruili"), unit=u("c533102-hotel1"), title="别的单位的任务", due_at=timezone.now() + timedelta(hours=3), source="x"
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=45)):
        html = client_as("ruili_patrol").get("/").content.decode()
    assert 'id="panel-my-tasks"' in html
    assert f"/command/tasks/{mine.public_id}/" in html and f"/command/tasks/{late.public_id}/" in html
    assert other.title not in html and str(other.public_id) not in html
    assert f'<li class="overdue"><a href="/command/tasks/{late.public_id}/">' in html
    assert f'<li><a href="/command/tasks/{mine.public_id}/">' in html
    services.task_progress(actor=who("ruili_patrol"), task=mine, text="完成", state=TaskState.DONE)
    html = client_as("ruili_patrol").get("/").content.decode()
    assert str(mine.public_id) not in html and str(late.public_id) in html


def test_the_task_form_reports_every_missing_field_and_bounds_the_due_time(world, client_as):
    c = client_as("ruili")
    page = c.post("/command/tasks/new/", {"unit": "", "title": "", "due_at": ""}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Choose the unit that is to do the task." in page
    assert "Give the due time as a date and time." in page
    assert page.count('class="msg error"') == 3  # the unit, the task's text and the due time
    page = c.post(
        "/command/tasks/new/", {"unit": "c533102-hotel1", "title": "核查", "due_at": "9999-12-31T08:00"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "within a year" in page and not DispatchTask.objects.exists()
    with pytest.raises(DomainError) as exc:
        _task(hours=24 * 400)
    assert exc.value.code == "due_too_far"
    assert _task(hours=24 * 300).state == TaskState.OPEN
