"""Duty tasks, their overdue alerts, and the duty log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from guomen.lib.errors import Conflict
from guomen.lib.text import clean_text
from guomen.org.models import Unit
from guomen.org.scoping import Scope
from guomen.places.models import BorderSegment

from ..models import (
    OPEN_TASK_STATUSES,
    DutyLogEntry,
    DutyPost,
    DutyTask,
    LogCategory,
    Patrol,
    TaskStatus,
)
from .common import AlertKind, _alert, _aware, _coord, _invalid, _may_manage, _now
from .patrols import _patrol_member


# --- tasks and the duty log ---------------------------------------------------------------------------
@transaction.atomic
def task_create(
    *,
    actor: Any,
    unit: Unit,
    title: str,
    due_at: datetime,
    description: str = "",
    assignee: Any = None,
    post: DutyPost | None = None,
    segment: BorderSegment | None = None,
) -> DutyTask:
    _may_manage(actor, unit)
    if assignee is not None and not assignee.memberships.filter(unit=unit).exists():
        raise _invalid("assignee_not_in_unit", _("The person must be a member of the unit."), "assignee")
    return DutyTask.objects.create(
        title=clean_text(title, "title", max_length=160, required=True, label=_("the title")),
        description=clean_text(description, "description", max_length=4000, multiline=True, label=_("the description")),
        unit=unit,
        assignee=assignee,
        jurisdiction=unit.jurisdiction,
        post=post,
        segment=segment,
        due_at=_aware(due_at, "due_at"),
        created_by=actor,
    )


TASK_MOVES = {
    TaskStatus.OPEN: {TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED},
    TaskStatus.IN_PROGRESS: {TaskStatus.DONE, TaskStatus.CANCELLED, TaskStatus.OPEN},
}


@transaction.atomic
def task_set_status(*, actor: Any, task: DutyTask, status: str) -> DutyTask:
    scope = Scope.of(actor)
    scope.require_write()
    if actor.pk != task.assignee_id and not scope.reaches_unit(task.unit):
        raise PermissionDenied(_("Only a member of %(unit)s may do this.") % {"unit": task.unit})
    t = DutyTask.objects.select_for_update().get(pk=task.pk)
    if t.status == status:
        return t
    if status not in TASK_MOVES.get(t.status, set()):
        raise Conflict("wrong_status", _("Not possible now: the task is “%(status)s”.") % {"status": t.get_status_display()})
    t.status = status
    t.done_at = _now() if status == TaskStatus.DONE else None
    t.save(update_fields=["status", "done_at"])
    return t


def task_overdue_alerts(*, now: datetime | None = None) -> int:
    now = now or _now()
    raised = 0
    due = DutyTask.objects.filter(status__in=OPEN_TASK_STATUSES, overdue_alerted_at__isnull=True, due_at__lt=now)
    for t in due.select_related("unit", "assignee"):
        with transaction.atomic():
            if DutyTask.objects.filter(pk=t.pk, overdue_alerted_at__isnull=True).update(overdue_alerted_at=now) != 1:
                continue
            _alert(
                kind=AlertKind.TASK_OVERDUE,
                unit=t.unit,
                subject=_("Task overdue: %(title)s") % {"title": t.title},
                details={
                    "task": str(t.public_id),
                    "due_at": t.due_at.isoformat(),
                    "assignee": t.assignee.get_username() if t.assignee else "",
                },
                due_at=t.due_at,
                now=now,
            )
            raised += 1
    return raised


@transaction.atomic
def log_add(
    *,
    actor: Any,
    text: str,
    category: str = LogCategory.OBSERVATION,
    post: DutyPost | None = None,
    patrol: Patrol | None = None,
    at: datetime | None = None,
    lat: Any = None,
    lon: Any = None,
) -> DutyLogEntry:
    if (post is None) == (patrol is None):
        raise _invalid("post_or_patrol", _("A log entry belongs to one post or one patrol."), "post")
    if patrol is not None:
        _patrol_member(actor, patrol)
        unit, jur = patrol.team, patrol.jurisdiction
    else:
        _may_manage(actor, post.unit)
        unit, jur = post.unit, post.jurisdiction
    if category not in LogCategory.values:
        raise _invalid("bad_category", _("Unknown category."), "category")
    la = lo = None
    if lat not in (None, "") or lon not in (None, ""):
        la, lo = _coord(lat, lon)
    return DutyLogEntry.objects.create(
        post=post,
        patrol=patrol,
        unit=unit,
        jurisdiction=jur,
        at=_aware(at, "at") if at else _now(),
        author=actor,
        category=category,
        text=clean_text(text, "text", max_length=4000, required=True, multiline=True, label=_("what you saw")),
        lat=la,
        lon=lo,
    )
