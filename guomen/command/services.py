"""Every write of the command: daily reports, dispatch tasks, the missing-report and overdue-task
controls, and the daily loop snapshot. One transaction each; authority through Scope."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.errors import Conflict, DomainError
from guomen.lib.text import clean_text
from guomen.org.models import Role, Unit, UnitKind
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction, Level

from . import queries
from .models import OPEN_TASK_STATES, DailyReport, DispatchTask, LoopSnapshot, ReportLevel, ReportState, TaskProgress, TaskState

COMMAND_WRITE_ROLES = COMMAND_ROLES


def may_dispatch(user: Any) -> bool:
    """Whether ``user`` gives dispatch tasks: the rule of the page, its links and task_create."""
    return scope_dispatches(Scope.of(user))


def scope_dispatches(scope: Scope) -> bool:
    return not scope.read_only and scope.has_role(*COMMAND_WRITE_ROLES)


# --- daily reports ------------------------------------------------------------------------------------
def _may_report_for(scope: Scope, unit: Unit) -> bool:
    level = queries.report_level_of(unit)
    if level == ReportLevel.PORT:
        return scope.acts_for(unit, Role.PORT_OFFICER)
    if level in (ReportLevel.COUNTY, ReportLevel.PREFECTURE):
        return scope.acts_for(unit, Role.COUNTY_COMMAND, Role.PREFECTURE_COMMAND)
    return False


@transaction.atomic
def report_save(*, actor: Any, unit: Unit, day: date, text: str = "", submit: bool = False) -> DailyReport:
    """Write (or rewrite) a unit's report for a day, its figures freshly pre-filled; ``submit`` sends it up."""
    scope = Scope.of(actor)
    scope.require_write()
    if queries.report_level_of(unit) is None:
        raise DomainError("not_a_reporting_unit", _("This unit does not file daily reports."), status=422)
    if not _may_report_for(scope, unit):
        raise PermissionDenied(_("Only a member of %(unit)s may do this.") % {"unit": unit})
    if day > queries.local_today():
        raise DomainError("day_in_future", _("A daily report cannot be written for a day still to come."), status=422)
    text = clean_text(text, "text", max_length=4000, label=_("the text"), multiline=True)
    report, _created = DailyReport.objects.select_for_update().get_or_create(
        unit=unit, day=day, defaults={"level": queries.report_level_of(unit), "jurisdiction": unit.jurisdiction}
    )
    if report.state == ReportState.ACKNOWLEDGED:
        raise Conflict("report_acknowledged", _("This report has been acknowledged and can no longer change."))
    if report.level == ReportLevel.PREFECTURE:
        report.figures = queries.rollup(unit.jurisdiction, day)["totals"]
    else:
        report.figures = queries.report_prefill(unit, day)
    report.text = text
    if submit:
        report.state = ReportState.SUBMITTED
        report.submitted_at, report.submitted_by = clock.now(), actor
    report.save()
    if submit:
        _report_arrived(unit, day)
    return report


@transaction.atomic
def report_acknowledge(*, actor: Any, report: DailyReport, note: str = "") -> DailyReport:
    scope = Scope.of(actor)
    scope.require_write()
    r = scope.get(DailyReport.objects.select_for_update().select_related("jurisdiction", "unit"), pk=report.pk)
    if not queries.may_acknowledge(scope, r):
        raise PermissionDenied(_("Only the command one level up acknowledges this report."))
    if r.state == ReportState.DRAFT:
        raise Conflict("report_not_submitted", _("The report has not been submitted yet."))
    if r.state == ReportState.ACKNOWLEDGED:
        return r
    r.ack_note = clean_text(note, "note", max_length=300, label=_("the note"), multiline=True)
    r.state = ReportState.ACKNOWLEDGED
    r.acknowledged_at, r.acknowledged_by = clock.now(), actor
    r.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "ack_note"])
    return r


def report_deadline() -> tuple[int, int]:
    value = str(getattr(settings, "GUOMEN_DAILY_REPORT_DEADLINE", "20:00"))
    hh, mm = value.split(":")
    return int(hh), int(mm)


class AlertKind:
    """The command's kinds of alert (registered with the alerts app in CommandConfig.ready)."""

    REPORT_MISSING = "report_missing"  # one per unit and day; stays with the county
    REPORTS_MISSING = "reports_missing"  # one per prefecture and day: the summary its command sees
    TASK_OVERDUE = "task_overdue"


def _missing_key(unit: Unit, day: date) -> str:
    return f"{AlertKind.REPORT_MISSING}:{unit.code}:{day.isoformat()}"


def _summary_key(prefecture_code: str, day: date) -> str:
    return f"{AlertKind.REPORTS_MISSING}:{prefecture_code}:{day.isoformat()}"


def reports_flag_missing(*, now: datetime | None = None) -> int:
    """After the deadline (20:00 local by default): one alert per unit whose report for today is
    missing (it stays with the county and closes when the report arrives), and one summary per
    prefecture and day for its command, not one per unit. Safe to run again: alerts have keys."""
    from guomen.alerts.models import Alert, AlertLevel
    from guomen.alerts.services import alert_raise

    now = now or clock.now()
    local = timezone.localtime(now, queries.tz())
    hh, mm = report_deadline()
    if (local.hour, local.minute) < (hh, mm):
        return 0
    day = local.date()
    deadline = local.replace(hour=hh, minute=mm, second=0, microsecond=0)
    raised = 0
    for pref in Jurisdiction.objects.filter(level=Level.PREFECTURE).order_by("path"):
        missing = [row["unit"] for row in queries.rollup(pref, day)["missing"]]
        for unit in missing:
            if Alert.objects.filter(key=_missing_key(unit, day)).exists():  # open, or answered by hand: once per unit and day
                continue
            with transaction.atomic():
                alert_raise(
                    kind=AlertKind.REPORT_MISSING,
                    unit=unit,
                    subject=_("Daily report of %(day)s missing: %(unit)s") % {"day": day.isoformat(), "unit": unit.name_zh},
                    details={"day": day.isoformat(), "unit": unit.code},
                    key=_missing_key(unit, day),
                    due_at=deadline,
                    now=now,
                )
                raised += 1
        command = Unit.objects.filter(jurisdiction=pref, kind=UnitKind.COMMAND_OFFICE, active=True).order_by("code").first()
        summary_closed = Alert.objects.filter(key=_summary_key(pref.code, day), closed_at__isnull=False).exists()
        if missing and command is not None and not summary_closed:
            with transaction.atomic():
                summary = alert_raise(
                    kind=AlertKind.REPORTS_MISSING,
                    unit=command,
                    subject="",
                    key=_summary_key(pref.code, day),
                    due_at=deadline,
                    level=AlertLevel.PREFECTURE,
                    now=now,
                )
                summary.subject = _("%(n)d daily reports of %(day)s missing in %(place)s") % {
                    "n": len(missing),
                    "day": day.isoformat(),
                    "place": pref.name_zh,
                }
                summary.details = {"day": day.isoformat(), "missing": [u.code for u in missing]}
                summary.save(update_fields=["subject", "details"])
    return raised


def _report_arrived(unit: Unit, day: date) -> None:
    """A submitted report answers its unit's missing-report alert, and the prefecture's summary once none is missing."""
    from guomen.alerts.services import alerts_close_by_key

    now = clock.now()
    alerts_close_by_key(_missing_key(unit, day), note=_("The report arrived."), now=now)
    codes = unit.jurisdiction.path.strip("/").split("/")
    if len(codes) >= 2:
        pref = Jurisdiction.objects.filter(code=codes[1]).first()
        if pref is not None and not queries.rollup(pref, day)["missing"]:
            alerts_close_by_key(_summary_key(pref.code, day), note=_("Every report arrived."), now=now)


# --- dispatch tasks ------------------------------------------------------------------------------------
def _issuing_unit(scope: Scope, unit: Unit, commands: list[Unit] | None = None) -> Unit:
    for u in queries.command_units(scope) if commands is None else commands:
        if unit.jurisdiction.path.startswith(u.jurisdiction.path):
            return u
    raise PermissionDenied(_("Only a command over %(unit)s may give it a task.") % {"unit": unit})


TASK_DUE_WITHIN = timedelta(days=366)


def task_problems(*, title: Any, details: Any = "", due_at: datetime | None) -> list[DomainError]:
    """Every problem of a task's typed fields at once (a form shows them all; ``task_create`` refuses the first)."""
    problems: list[DomainError] = []
    for value, field, max_length, label, required in (
        (title, "title", 200, _("the task"), True),
        (details, "details", 4000, _("the details"), False),
    ):
        try:
            clean_text(value, field, max_length=max_length, label=label, required=required, multiline=field == "details")
        except DomainError as exc:
            problems.append(exc)
    now = clock.now()
    if due_at is None:
        problems.append(DomainError("bad_time", _("Give the due time as a date and time."), status=422, details={"field": "due_at"}))
    elif timezone.is_naive(due_at):
        problems.append(DomainError("naive_time", _("Give the time with its time zone."), status=422, details={"field": "due_at"}))
    elif due_at <= now:
        problems.append(DomainError("due_in_past", _("The due time must be in the future."), status=422, details={"field": "due_at"}))
    elif due_at > now + TASK_DUE_WITHIN:
        problems.append(
            DomainError("due_too_far", _("The due time must be within a year from now."), status=422, details={"field": "due_at"})
        )
    return problems


@transaction.atomic
def task_create(
    *,
    actor: Any,
    unit: Unit,
    title: str,
    due_at: datetime,
    details: str = "",
    source: str = "",
    source_ref: str = "",
    alert: Any = None,
) -> DispatchTask:
    scope = Scope.of(actor)
    scope.require_write()
    if not may_dispatch(actor):
        raise PermissionDenied(_("Only a command gives dispatch tasks."))
    if not scope.reaches_unit(unit):
        raise DomainError("unit_not_found", _("No such unit within your reach."), status=404)
    issuer = _issuing_unit(scope, unit)
    problems = task_problems(title=title, details=details, due_at=due_at)
    if problems:
        raise problems[0]
    title = clean_text(title, "title", max_length=200, label=_("the task"), required=True)
    details = clean_text(details, "details", max_length=4000, label=_("the details"), multiline=True)
    source = clean_text(source, "source", max_length=60, label=_("the source"))
    source_ref = clean_text(source_ref, "source_ref", max_length=120, label=_("the source's reference"))
    now = clock.now()
    if alert is not None:
        from guomen.alerts.models import Alert

        alert = scope.get(Alert.objects.all(), pk=alert.pk)
    return DispatchTask.objects.create(
        title=title,
        details=details,
        unit=unit,
        jurisdiction=unit.jurisdiction,
        issued_by_unit=issuer,
        created_by=actor,
        created_at=now,
        due_at=due_at,
        source=source,
        source_ref=source_ref,
        alert=alert,
    )


@transaction.atomic
def tasks_create_many(*, actor: Any, items: list[dict[str, Any]], exercise: bool = False) -> list[DispatchTask]:
    """Many tasks at once (an emergency plan's steps), all or none: authority checked once per unit,
    rows written in one insert. Each item: unit, title, due_at, details, source, source_ref."""
    scope = Scope.of(actor)
    scope.require_write()
    if not scope.has_role(*COMMAND_WRITE_ROLES):
        raise PermissionDenied(_("Only a command gives dispatch tasks."))
    now = clock.now()
    commands = list(queries.command_units(scope))  # read once, not once per unit
    issuers: dict[int, Unit] = {}
    rows = []
    for item in items:
        unit = item["unit"]
        if unit.pk not in issuers:
            if not scope.reaches_unit(unit):
                raise DomainError("unit_not_found", _("No such unit within your reach."), status=404)
            issuers[unit.pk] = _issuing_unit(scope, unit, commands)
        due_at = item["due_at"]
        if timezone.is_naive(due_at):
            raise DomainError("naive_time", _("Give the time with its time zone."), status=422)
        if due_at <= now:
            raise DomainError("due_in_past", _("The due time must be in the future."), status=422)
        rows.append(
            DispatchTask(
                title=clean_text(item["title"], "title", max_length=200, label=_("the task"), required=True),
                details=clean_text(item.get("details", ""), "details", max_length=4000, label=_("the details"), multiline=True),
                unit=unit,
                jurisdiction_id=unit.jurisdiction_id,
                issued_by_unit=issuers[unit.pk],
                created_by=actor,
                created_at=now,
                due_at=due_at,
                source=clean_text(item.get("source", ""), "source", max_length=60, label=_("the source")),
                source_ref=clean_text(item.get("source_ref", ""), "source_ref", max_length=120, label=_("the source's reference")),
                exercise=exercise,
            )
        )
    return DispatchTask.objects.bulk_create(rows, batch_size=500)


def _may_report_progress(scope: Scope, task: DispatchTask) -> bool:
    return scope.acts_for(task.unit) or scope.acts_for(task.issued_by_unit)


@transaction.atomic
def task_progress(*, actor: Any, task: DispatchTask, text: str, state: str = TaskState.IN_PROGRESS) -> DispatchTask:
    """The unit reports progress (or completion); the issuing command may too."""
    scope = Scope.of(actor)
    scope.require_write()
    t = scope.get(
        DispatchTask.objects.select_for_update(of=("self",)).select_related("unit", "issued_by_unit", "escalation_alert"), pk=task.pk
    )
    if not _may_report_progress(scope, t):
        raise PermissionDenied(_("Only a member of %(unit)s may do this.") % {"unit": t.unit})
    if state not in (TaskState.IN_PROGRESS, TaskState.DONE):
        raise DomainError("invalid_state", _("Progress moves a task to in progress or done."), status=422)
    if not t.is_open:
        raise Conflict("task_finished", _("This task is already finished."))
    text = clean_text(text, "text", max_length=2000, label=_("the progress"), required=True, multiline=True)
    now = clock.now()
    TaskProgress.objects.create(task=t, at=now, by=actor, text=text, state=state)
    t.state = state
    if state == TaskState.DONE:
        t.finished_at = now
    t.save(update_fields=["state", "finished_at"])
    if state == TaskState.DONE:
        _close_escalation(actor, t, text)
    return t


@transaction.atomic
def task_cancel(*, actor: Any, task: DispatchTask, reason: str) -> DispatchTask:
    scope = Scope.of(actor)
    scope.require_write()
    t = scope.get(DispatchTask.objects.select_for_update(of=("self",)).select_related("issued_by_unit", "escalation_alert"), pk=task.pk)
    if not scope.acts_for(t.issued_by_unit) and not scope.everything:
        raise PermissionDenied(_("Only the issuing command may cancel a task."))
    if not t.is_open:
        raise Conflict("task_finished", _("This task is already finished."))
    reason = clean_text(reason, "reason", max_length=2000, label=_("the reason"), required=True, multiline=True)
    now = clock.now()
    TaskProgress.objects.create(task=t, at=now, by=actor, text=reason, state=TaskState.CANCELLED)
    t.state, t.finished_at = TaskState.CANCELLED, now
    t.save(update_fields=["state", "finished_at"])
    _close_escalation(actor, t, reason)
    return t


def _close_escalation(actor: Any, task: DispatchTask, note: str) -> None:
    alert = task.escalation_alert
    if alert is None or alert.closed_at is not None:
        return
    from guomen.alerts.services import alert_close

    # If the alert has risen beyond the actor's reach, the command that holds it closes it.
    with contextlib.suppress(PermissionDenied, DomainError, Http404):
        alert_close(actor=actor, alert=alert, note=(_("Task finished: %(note)s") % {"note": note})[:300])


def tasks_escalate(*, now: datetime | None = None) -> int:
    """Raise one alert (task overdue) for each open task past its due time; safe with several workers."""
    from guomen.alerts.services import alert_raise

    now = now or clock.now()
    raised = 0
    ids = list(
        DispatchTask.objects.filter(state__in=OPEN_TASK_STATES, escalated_at__isnull=True, due_at__lt=now, exercise=False).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        with transaction.atomic():
            if DispatchTask.objects.filter(pk=pk, escalated_at__isnull=True, state__in=OPEN_TASK_STATES).update(escalated_at=now) != 1:
                continue
            t = DispatchTask.objects.select_related("unit__jurisdiction").get(pk=pk)
            alert = alert_raise(
                kind=AlertKind.TASK_OVERDUE,
                unit=t.unit,
                subject=(_("Dispatch task overdue: %(title)s") % {"title": t.title})[:200],
                details={"task": str(t.public_id), "due_at": t.due_at.isoformat()},
                due_at=t.due_at,
                now=now,
            )
            DispatchTask.objects.filter(pk=pk).update(escalation_alert=alert)
            raised += 1
    return raised


# --- the daily snapshot of the loop -------------------------------------------------------------------
@transaction.atomic
def snapshot_take(*, now: datetime | None = None) -> int:
    """Copy the live counts into today's snapshot (rewritten on each run; the day's last run stays)."""
    from guomen.loop.queries import counts_by_jurisdiction

    day = queries.local_today(now)
    rows = counts_by_jurisdiction()
    LoopSnapshot.objects.filter(day=day).delete()
    LoopSnapshot.objects.bulk_create([LoopSnapshot(day=day, jurisdiction_id=j, state=state, n=n) for j, state, n in rows])
    return len(rows)
