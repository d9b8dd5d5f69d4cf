"""Command: daily reports (per port, county and prefecture) and dispatch tasks (督办)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guomen.org.models import Unit
from guomen.places.models import Jurisdiction


class ReportLevel(models.TextChoices):
    PORT = "port", _("Port")
    COUNTY = "county", _("County")
    PREFECTURE = "prefecture", _("Prefecture")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class DailyReport(models.Model):
    """One unit's report for one local day: figures pre-filled from the data, free text, then
    submitted and acknowledged by the command one level up."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    day = models.DateField(_("day"))
    level = models.CharField(_("level"), max_length=12, choices=ReportLevel.choices)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="daily_reports", verbose_name=_("reporting unit"))
    jurisdiction = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="+", verbose_name=_("jurisdiction"))
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    text = models.TextField(_("situation and remarks"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=ReportState.choices, default=ReportState.DRAFT)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    ack_note = models.CharField(_("acknowledgement note"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("generated demo data"), default=False)

    scope_unit_field = "unit"
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["-day", "jurisdiction__path", "unit__code"]
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="daily_report_one_per_unit_day")]
        indexes = [models.Index(fields=["day", "level"], name="daily_report_day_idx")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.day}"


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_TASK_STATES = [TaskState.OPEN, TaskState.IN_PROGRESS]


class DispatchTask(models.Model):
    """A task (督办) that a command gives a unit, with a due time; the unit reports progress."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("task"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="dispatch_tasks", verbose_name=_("assigned unit"))
    jurisdiction = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="+", verbose_name=_("jurisdiction"))
    issued_by_unit = models.ForeignKey(Unit, models.PROTECT, related_name="issued_tasks", verbose_name=_("issued by"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"))
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(_("state"), max_length=12, choices=TaskState.choices, default=TaskState.OPEN)
    source = models.CharField(_("raised from"), max_length=60, blank=True)  # a dashboard figure key or "alert"
    source_ref = models.CharField(_("reference"), max_length=120, blank=True)  # jurisdiction code, alert id…
    alert = models.ForeignKey("alerts.Alert", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("from alert"))
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalation_alert = models.ForeignKey("alerts.Alert", models.SET_NULL, null=True, blank=True, related_name="+")
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    is_demo = models.BooleanField(_("generated demo data"), default=False)
    # Given in a drill (guomen.emergency): shown to the unit, never counted, never escalated, cleared after.
    exercise = models.BooleanField(_("exercise"), default=False)

    scope_unit_field = ("unit", "issued_by_unit")
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("dispatch task")
        verbose_name_plural = _("dispatch tasks")
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(state__in=["open", "in_progress"], escalated_at__isnull=True), name="dispatch_overdue_idx"
            ),
            models.Index(fields=["jurisdiction", "state"], name="dispatch_jurisdiction_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_TASK_STATES


class TaskProgress(models.Model):
    task = models.ForeignKey(DispatchTask, models.CASCADE, related_name="progress", verbose_name=_("task"))
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))
    text = models.TextField(_("progress"))
    state = models.CharField(_("state after"), max_length=12, choices=TaskState.choices)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("task progress")
        verbose_name_plural = _("task progress")


class LoopSnapshot(models.Model):
    """The journeys in each state per jurisdiction at the end of a local day, copied from the live
    counts by the periodic task, so that trends of people in the loop read a few rows per day."""

    day = models.DateField()
    jurisdiction = models.ForeignKey(Jurisdiction, models.CASCADE, related_name="+")
    state = models.CharField(max_length=20)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "jurisdiction", "state"], name="loop_snapshot_unique")]


class PublishedCount(models.Model):
    """One county's figure for one local day, as this instance publishes it to the national view.

    Only counts, never a person: journeys per state, arrivals and positive results. The key is
    national (GB/T 2260 county code, figure, day), so the tables of every province can be gathered
    into one national table by PostgreSQL's logical replication without clashing. Kept by
    ``command.national.publish`` a few times an hour; rows of past days stay as the history."""

    key = models.CharField(max_length=80, primary_key=True)
    province_code = models.CharField(_("province"), max_length=12, db_index=True)
    county_code = models.CharField(_("county"), max_length=12)
    county_name = models.CharField(_("county name"), max_length=100)
    county_name_en = models.CharField(_("county name (English)"), max_length=100, blank=True)
    province_name = models.CharField(_("province name"), max_length=100)
    province_name_en = models.CharField(_("province name (English)"), max_length=100, blank=True)
    figure = models.CharField(_("figure"), max_length=40)
    day = models.DateField(_("day"))
    n = models.IntegerField(default=0)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        indexes = [models.Index(fields=["day", "figure"], name="published_count_day")]
