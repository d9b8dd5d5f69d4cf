"""The closed loop: journeys, their append-only custody events and policies (alerts live in ``alerts``).

A journey's ``state``, ``custodian`` and ``due_at`` (and the other projected fields) are a
projection of its events, kept on the row for speed and re-derivable by replay
(``loop.projection.replay``). Only ``loop.services`` writes any of these tables.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guomen.org.models import Unit
from guomen.people.models import Person
from guomen.places.models import Jurisdiction, Passage


class State(models.TextChoices):
    DECLARED = "declared", _("Declared (pre-arrival)")
    AT_GATE = "at_gate", _("At the port")
    INTERCEPTED = "intercepted", _("Intercepted or found locally")
    HANDOVER_OFFERED = "handover_offered", _("Handover offered")
    IN_TRANSIT = "in_transit", _("In transfer")
    IN_FACILITY = "in_facility", _("In centralised quarantine")
    IN_HOSPITAL = "in_hospital", _("In hospital")
    HOME_MONITORING = "home_monitoring", _("Home health monitoring")
    CLOSED = "closed", pgettext_lazy("journey state", "Closed")


OPEN_STATES = [s for s in State.values if s != State.CLOSED]


class Origin(models.TextChoices):
    DECLARATION = "declaration", _("Pre-arrival declaration")
    PORT_ARRIVAL = "port_arrival", _("Arrival at a port")
    INTERCEPTED = "intercepted", _("Intercepted on the border")
    FOUND_LOCALLY = "found_locally", _("Found locally by a village")


class Risk(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class EventKind(models.TextChoices):
    DECLARED = "declared", _("Declared before arrival")
    ARRIVED = "arrived", _("Arrived at the port")
    INTERCEPTED = "intercepted", _("Intercepted")
    FOUND_LOCALLY = "found_locally", _("Found locally")
    DOCUMENT_CHECKED = "document_checked", _("Document checked")
    SCREENED = "screened", _("Screened")
    SAMPLED = "sampled", _("Sample taken")
    TEST_RESULT = "test_result", _("Test result")
    DISPOSED = "disposed", _("Disposition decided")
    HANDOVER_OFFERED = "handover_offered", _("Handover offered")
    HANDOVER_ACCEPTED = "handover_accepted", _("Handover accepted")
    HANDOVER_REFUSED = "handover_refused", _("Handover refused")
    HANDOVER_WITHDRAWN = "handover_withdrawn", _("Handover withdrawn by the sender")
    HANDOVER_REDIRECTED = "handover_redirected", _("Handover redirected to another unit")
    HEALTH_CHECK = "health_check", _("Health check")
    HOSPITAL_REPORT = "hospital_report", _("Hospital status report")
    RELEASED = "released", _("Released from quarantine")
    CLOSED = "closed", pgettext_lazy("journey event", "Closed")
    OVERRIDE_CLOSED = "override_closed", _("Closed by override")
    UNDONE = "undone", _("Step undone")


class Disposition(models.TextChoices):
    QUARANTINE = "quarantine", _("Centralised quarantine")
    HOSPITAL = "hospital", _("Hospital")
    HOME = "home", _("Home health monitoring")
    RELEASE = "release", _("Release")


class Policy(models.Model):
    """A versioned set of rules. A journey keeps the version it started under."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    effective_from = models.DateTimeField(_("effective from"))
    rules = models.JSONField(_("rules"))  # validated by loop.policy.Rules
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="policy_version_unique")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Journey(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Printed on the loop card, scanned to find; unique through Meta.constraints (a plain unique
    # index: the extra pattern-matching index a unique field gets on PostgreSQL is never used).
    code = models.CharField(_("loop code"), max_length=16)
    person = models.ForeignKey(Person, models.PROTECT, related_name="journeys", verbose_name=_("person"))
    origin = models.CharField(_("began by"), max_length=20, choices=Origin.choices)
    port = models.ForeignKey(Passage, models.PROTECT, null=True, blank=True, related_name="journeys", verbose_name=_("port or passage"))
    origin_country = models.CharField(_("coming from (country)"), max_length=3, blank=True)
    origin_place = models.CharField(_("coming from (place)"), max_length=120, blank=True)
    destination = models.ForeignKey(
        Jurisdiction, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("destination (home jurisdiction)")
    )
    risk = models.CharField(_("risk level"), max_length=10, choices=Risk.choices, default=Risk.MEDIUM)
    policy = models.ForeignKey(Policy, models.PROTECT, related_name="journeys", verbose_name=_("policy"), db_index=False)
    opened_at = models.DateTimeField(_("opened"))

    # --- the projection of the events (loop.projection) ---
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    custodian = models.ForeignKey(Unit, models.PROTECT, related_name="custody", verbose_name=_("custodian"), db_index=False)
    jurisdiction = models.ForeignKey(
        Jurisdiction, models.PROTECT, related_name="+", verbose_name=_("custodian's jurisdiction"), db_index=False
    )
    state_since = models.DateTimeField(_("in this state since"), null=True, blank=True)
    due_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    awaiting = models.CharField(_("waiting for"), max_length=30, blank=True)
    last_seq = models.PositiveIntegerField(default=0)
    pending_unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="offered", verbose_name=_("offered to"), db_index=False
    )
    expected_at = models.DateTimeField(_("expected arrival"), null=True, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    facts = models.JSONField(default=dict, blank=True)  # projection details: start times, checks, tests, offer-from state
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    alert_open = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    # What a normal health check does next (``projection.check_plan``, with the policy's fever line),
    # written with the projection; it holds only while ``check_plan_seq`` equals ``last_seq``. The
    # API's single check applies it in the statement that authenticates the token (``services.checks``).
    check_plan = models.JSONField(null=True, blank=True, editable=False)
    check_plan_seq = models.PositiveIntegerField(null=True, blank=True, editable=False)

    scope_unit_field = ("custodian", "pending_unit", "events__unit")
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        indexes = [
            # The sweep: open journeys past due with no open alert. Its cost grows with those, not with all journeys.
            models.Index(fields=["due_at"], condition=Q(closed_at__isnull=True, alert_open=False), name="journey_sweep_idx"),
            models.Index(fields=["custodian", "state"], name="journey_custodian_state_idx"),
            models.Index(fields=["pending_unit", "state"], name="journey_pending_idx"),
            models.Index(fields=["jurisdiction", "state", "state_since"], name="journey_jur_state_since_idx"),
            # The handovers waiting (the dashboard's oldest offer and how many are overdue): a few
            # thousand rows read without walking an index over every journey.
            models.Index(
                fields=["jurisdiction", "state_since", "due_at"], condition=Q(state="handover_offered"), name="journey_handover_waiting_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="journey_code_unique"),
            models.UniqueConstraint(
                fields=["custodian", "room"], condition=Q(state="in_facility") & ~Q(room=""), name="journey_one_per_room"
            ),
            models.CheckConstraint(condition=Q(closed_at__isnull=True) | Q(state="closed"), name="journey_closed_state"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED

    @property
    def coming_from(self) -> str:
        """Where the person came from, in the reader's language: "缅甸 · 木姐" or "Myanmar · Muse"."""
        from guomen.people.countries import name

        return " · ".join(p for p in (name(self.origin_country) if self.origin_country else "", self.origin_place) if p)


class CustodyEvent(models.Model):
    """One step of a journey. Appended, never changed, deleted or truncated (database triggers enforce
    it, see ``core.append_only``)."""

    append_only_since = "0002_custody_events_append_only"

    journey = models.ForeignKey(Journey, models.PROTECT, related_name="events", db_index=False)
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", db_index=False)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="events")
    data = models.JSONField(default=dict, blank=True)
    # The journey's opening time, copied onto each of its events when written: the same for every
    # event of a journey. On PostgreSQL the table is partitioned by its month (``loop.partitions``),
    # so a journey's events share one partition and (journey, seq, journey_opened_at) is as unique
    # as (journey, seq); the primary key there is (id, journey_opened_at).
    journey_opened_at = models.DateTimeField()

    class Meta:
        ordering = ["journey", "seq"]
        constraints = [models.UniqueConstraint(fields=["journey", "seq", "journey_opened_at"], name="event_seq_unique")]
        indexes = [models.Index(fields=["kind", "occurred_at"], name="event_kind_time_idx")]

    def __str__(self) -> str:
        return f"{self.journey_id}#{self.seq} {self.kind}"


class DailyCount(models.Model):
    """How many of a kind of event each unit recorded on each local day — arrivals, positive test
    results —, kept in the same transaction as the events, so that "today" on a dashboard reads a
    few rows however many events the day held."""

    ARRIVED = "arrived"
    POSITIVE = "positive"
    WHAT = ((ARRIVED, ARRIVED), (POSITIVE, POSITIVE))

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+")
    day = models.DateField()
    what = models.CharField(max_length=10, choices=WHAT)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "what", "unit"], name="daily_count_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.what}: {self.n}"


class JourneyCount(models.Model):
    """How many journeys are in each state per custodian jurisdiction, kept in the same
    transaction as the events so that dashboards read a few rows instead of millions."""

    jurisdiction = models.ForeignKey(Jurisdiction, models.CASCADE, related_name="+")
    state = models.CharField(max_length=20, choices=State.choices)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "state"], name="journey_count_unique")]


class ManifestJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Refused whole")


class ManifestJob(models.Model):
    """A large manifest imported in the background (``loop.manifest_jobs``): the upload is kept sealed in
    ``ManifestChunk`` rows until the worker has read it, the progress counters are updated after each
    batch, and the refused rows are kept sealed in ``ManifestRefused`` for the correction file. The
    same file at the same port is one job (unless it was refused whole)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("port"))
    jurisdiction = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="+", db_index=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    language = models.CharField(max_length=10, default="zh-hans")
    file_name = models.CharField(max_length=200)
    digest = models.CharField(max_length=64)  # SHA-256 of the file
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=ManifestJobStatus.choices, default=ManifestJobStatus.QUEUED)
    error = models.TextField(blank=True)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    n_taken = models.PositiveIntegerField(default=0)
    n_unchanged = models.PositiveIntegerField(default=0)
    n_refused = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)  # the last batch written
    finished_at = models.DateTimeField(null=True, blank=True)

    scope_unit_field = "unit"
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "digest"], condition=~Q(status="failed"), name="manifest_job_once_per_file"),
        ]


class ManifestChunk(models.Model):
    """One piece (at most 1 MB) of an uploaded manifest, sealed; deleted once the worker has read the file."""

    job = models.ForeignKey(ManifestJob, models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="manifest_chunk_seq")]


class ManifestRefused(models.Model):
    """The refused rows of one batch of a background import: row, code, reason and the row as sent, sealed JSON."""

    job = models.ForeignKey(ManifestJob, models.CASCADE, related_name="refused")
    first_row = models.PositiveIntegerField()
    n = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "first_row"], name="manifest_refused_batch")]
