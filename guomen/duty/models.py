"""Duty on the border line: posts and their rosters, patrols and their tracks, tasks, the duty log, incidents.

Every row that grows with time keeps its unit and jurisdiction, so that scoping is one indexed
condition (and so that a distributed database could shard it by jurisdiction).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guomen.org.models import Unit
from guomen.places.models import Bilingual, BorderSegment, Jurisdiction, Passage

HOURS_PER_DAY = 24
DEFAULT_STAFFING = 2
MAX_SHIFT_HOURS = 24  # a shift is never longer: coverage reads only shifts that start in the 24 h before a window


def default_staffing() -> list[int]:
    """Two people on duty in every hour of the day (24 entries, local hour of day 0–23)."""
    return [DEFAULT_STAFFING] * HOURS_PER_DAY


class PostKind(models.TextChoices):
    CHECKPOINT = "checkpoint_at_passage", _("Checkpoint at a passage")
    VILLAGE_ENTRANCE = "village_entrance", _("Village entrance")
    SEGMENT_POINT = "segment_point", _("Point on a border segment")


class DutyPost(Bilingual):
    """A staffed point (执勤点/卡点). ``staffing[h]`` people are required in local hour ``h`` of each day."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=PostKind.choices)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="duty_posts", verbose_name=_("responsible unit"))
    jurisdiction = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="duty_posts", verbose_name=_("jurisdiction"))
    passage = models.ForeignKey(Passage, models.PROTECT, null=True, blank=True, related_name="duty_posts", verbose_name=_("passage"))
    segment = models.ForeignKey(
        BorderSegment, models.PROTECT, null=True, blank=True, related_name="duty_posts", verbose_name=_("border segment")
    )
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    staffing = models.JSONField(_("required staff by hour of day"), default=default_staffing)
    active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("generated demo data"), default=False)

    scope_unit_field = "unit"
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["jurisdiction__path", "code"]
        verbose_name = _("duty post")
        verbose_name_plural = _("duty posts")


class Shift(models.Model):
    """People on duty at a post from ``start`` to ``end`` (aware UTC)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    post = models.ForeignKey(DutyPost, models.CASCADE, related_name="shifts", verbose_name=_("post"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="ShiftMember", related_name="duty_shifts", verbose_name=_("members"))
    headcount = models.PositiveSmallIntegerField(_("people on duty"), default=0)  # = number of members, kept by shift_create
    # Copied from the post: scoping and sharding read them without a join.
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    jurisdiction = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="+")
    template = models.ForeignKey("RosterTemplate", models.SET_NULL, null=True, blank=True, related_name="shifts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_unit_field = "unit"
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["start", "post"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        indexes = [models.Index(fields=["post", "start"]), models.Index(fields=["start", "end"])]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="shift_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.post.code} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


class ShiftMember(models.Model):
    shift = models.ForeignKey(Shift, models.CASCADE, related_name="shift_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="shift_memberships")
    # Copied from the shift so that "does this person overlap?" is one indexed range query.
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shift", "user"], name="shift_member_unique")]
        indexes = [models.Index(fields=["user", "start"])]


class RosterTemplate(models.Model):
    """A rotation that fills a month: ``shifts_per_day`` shifts of 24/n hours from ``first_hour`` (local),
    ``per_shift`` people each, taken in turn from the ordered members."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    post = models.ForeignKey(DutyPost, models.CASCADE, related_name="templates", verbose_name=_("post"))
    name = models.CharField(_("name"), max_length=80)
    shifts_per_day = models.PositiveSmallIntegerField(_("shifts per day"), choices=[(2, _("2 × 12 h")), (3, _("3 × 8 h"))], default=2)
    first_hour = models.PositiveSmallIntegerField(_("first shift starts at (local hour)"), default=8)
    per_shift = models.PositiveSmallIntegerField(_("people per shift"), default=2)
    members = models.JSONField(_("members in rotation order (user ids)"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_unit_field = "post__unit"
    scope_jurisdiction_field = "post__jurisdiction"

    class Meta:
        verbose_name = _("roster template")
        verbose_name_plural = _("roster templates")

    def __str__(self) -> str:
        return self.name


class PatrolStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    STARTED = "started", _("Started")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled")


class Patrol(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Unit, models.PROTECT, related_name="patrols", verbose_name=_("team"))
    jurisdiction = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="+")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="led_patrols", verbose_name=_("leader"))
    segments = models.ManyToManyField(BorderSegment, related_name="patrols", verbose_name=_("segments"))
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    status = models.CharField(_("status"), max_length=12, choices=PatrolStatus.choices, default=PatrolStatus.PLANNED)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    not_started_alerted_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    is_demo = models.BooleanField(default=False)

    scope_unit_field = "team"
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["-window_start"]
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        indexes = [models.Index(fields=["status", "window_start"])]

    def __str__(self) -> str:
        return f"{self.team} {self.window_start:%Y-%m-%d %H:%M}"


class PointSource(models.TextChoices):
    CHECKIN = "checkin", _("Check-in from the phone")
    GPX = "gpx", _("GPX upload")


class TrackPoint(models.Model):
    patrol = models.ForeignKey(Patrol, models.CASCADE, related_name="points")
    client_id = models.CharField(max_length=64)  # generated by the device (or derived from the GPX file): retries are no-ops
    at = models.DateTimeField()
    lat = models.FloatField()
    lon = models.FloatField()
    accuracy = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=PointSource.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["patrol", "at", "id"]
        constraints = [models.UniqueConstraint(fields=["patrol", "client_id"], name="trackpoint_client_unique")]


class PatrolSegment(models.Model):
    """What a patrol's track did for one of its segments (recomputed when the track changes)."""

    patrol = models.ForeignKey(Patrol, models.CASCADE, related_name="coverage")
    segment = models.ForeignKey(BorderSegment, models.CASCADE, related_name="patrol_coverage")
    covered_km = models.FloatField(default=0)
    share = models.FloatField(default=0)  # 0..1 of the segment's length within reach of the track
    walked_km = models.FloatField(default=0)
    hours = models.FloatField(default=0)
    week = models.DateField(null=True, blank=True)  # Monday (local) of the patrol's start

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patrol", "segment"], name="patrol_segment_unique")]
        indexes = [models.Index(fields=["segment", "week"])]


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


class DutyTask(models.Model):
    """A task (定任务) for a person or a unit, with a due time."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="duty_tasks", verbose_name=_("unit"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="duty_tasks", verbose_name=_("assigned to")
    )
    jurisdiction = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="+")
    post = models.ForeignKey(DutyPost, models.SET_NULL, null=True, blank=True, related_name="tasks", verbose_name=_("post"))
    segment = models.ForeignKey(BorderSegment, models.SET_NULL, null=True, blank=True, related_name="duty_tasks", verbose_name=_("segment"))
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(default=False)

    scope_unit_field = "unit"
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(status__in=["open", "in_progress"], overdue_alerted_at__isnull=True), name="task_overdue_idx"
            )
        ]

    def __str__(self) -> str:
        return self.title


class LogCategory(models.TextChoices):
    OBSERVATION = "observation", _("Observation")
    HANDOVER = "handover", _("Handover of duty")
    EQUIPMENT = "equipment", _("Equipment or fence")
    VISITOR = "visitor", _("Person or vehicle checked")
    OTHER = "other", _("Other")


class DutyLogEntry(models.Model):
    """One line of the duty log (有记录) of a post or a patrol."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    post = models.ForeignKey(DutyPost, models.CASCADE, null=True, blank=True, related_name="log")
    patrol = models.ForeignKey(Patrol, models.CASCADE, null=True, blank=True, related_name="log")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    jurisdiction = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("author"))
    category = models.CharField(_("category"), max_length=20, choices=LogCategory.choices, default=LogCategory.OBSERVATION)
    text = models.TextField(_("text"))
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)

    scope_unit_field = "unit"
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log entries")
        constraints = [
            models.CheckConstraint(condition=Q(post__isnull=False) | Q(patrol__isnull=False), name="log_entry_has_post_or_patrol")
        ]


class IncidentKind(models.TextChoices):
    INTERCEPTION = "illegal_crossing_intercepted", _("Illegal crossing intercepted")
    SMUGGLING = "smuggling", _("Smuggling")
    DAMAGED_FENCE = "damaged_fence", _("Damaged fence")
    SUSPICIOUS = "suspicious_activity", _("Suspicious activity")


class IncidentStatus(models.TextChoices):
    FOUND = "found", _("Found")
    REPORTED = "reported", _("Reported")
    HANDLED = "handled", _("Handled")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", pgettext_lazy("incident status", "Closed")


# 发现→上报→处置→核查→结案: each status moves only to the next.
INCIDENT_FLOW = [IncidentStatus.FOUND, IncidentStatus.REPORTED, IncidentStatus.HANDLED, IncidentStatus.VERIFIED, IncidentStatus.CLOSED]


class Incident(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("code"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=IncidentKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.FOUND)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="incidents", verbose_name=_("unit"))
    jurisdiction = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="+")
    found_at = models.DateTimeField(_("found"))
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("found by"))
    post = models.ForeignKey(DutyPost, models.SET_NULL, null=True, blank=True, related_name="incidents", verbose_name=_("post"))
    patrol = models.ForeignKey(Patrol, models.SET_NULL, null=True, blank=True, related_name="incidents", verbose_name=_("patrol"))
    segment = models.ForeignKey(BorderSegment, models.SET_NULL, null=True, blank=True, related_name="incidents", verbose_name=_("segment"))
    passage = models.ForeignKey(Passage, models.SET_NULL, null=True, blank=True, related_name="incidents", verbose_name=_("passage"))
    place = models.CharField(_("place"), max_length=160, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    persons_count = models.PositiveIntegerField(_("persons"), default=0)
    updated_at = models.DateTimeField(auto_now=True)
    is_demo = models.BooleanField(default=False)

    scope_unit_field = "unit"
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["-found_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["status", "found_at"])]

    def __str__(self) -> str:
        return self.code

    @property
    def next_status(self) -> str | None:
        i = INCIDENT_FLOW.index(IncidentStatus(self.status))
        return INCIDENT_FLOW[i + 1] if i + 1 < len(INCIDENT_FLOW) else None


class IncidentTransition(models.Model):
    """Who moved an incident to which status, and when (appended, never changed)."""

    incident = models.ForeignKey(Incident, models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=IncidentStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=IncidentStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["incident", "at", "id"]


class InterceptedPerson(models.Model):
    """A person intercepted in an incident, and the journey that took them into the closed loop."""

    incident = models.ForeignKey(Incident, models.CASCADE, related_name="persons")
    person = models.ForeignKey("people.Person", models.PROTECT, related_name="+")
    journey = models.ForeignKey("loop.Journey", models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "person"], name="intercepted_person_unique")]
