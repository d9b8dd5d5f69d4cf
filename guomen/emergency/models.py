"""Emergency plans (应急预案) and drills: plans with versions and steps, activations (real or
exercise) that fan out dispatch tasks, trigger firings, scripted injects, evaluation and
improvement items."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from guomen.org.models import Role, Unit
from guomen.places.models import Jurisdiction


def _pick(zh: str, en: str) -> str:
    return zh if (get_language() or "").startswith("zh") or not en else en


class Scenario(models.TextChoices):
    PORT_POSITIVE = "port_positive", _("A positive case found at a port")
    VILLAGE_CLUSTER = "village_cluster", _("A cluster in a border village")
    MASS_CROSSING = "mass_crossing", _("Mass illegal crossing on a segment")
    CAPACITY_SURGE = "capacity_surge", _("A surge beyond the county's quarantine capacity")
    OTHER = "other", _("Other")


class TriggerKind(models.TextChoices):
    MANUAL = "manual", _("Activated by hand")
    PORT_POSITIVE = "port_positive", _("A positive result at a port")
    FACILITY_FEVERS = "facility_fevers", _("N people with fever at one facility within 24 h")
    COUNTY_OCCUPANCY = "county_occupancy", _("County quarantine occupancy above X %")
    SEGMENT_INTERCEPTIONS = "segment_interceptions", _("More than N intercepted on one segment in a day")
    PARTNER_NOTICE = "partner_notice", _("A partner's case notice")
    CAPACITY_FORECAST = "capacity_forecast", _("Forecast: a county runs out of quarantine rooms")


class Plan(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    scenario = models.CharField(_("scenario"), max_length=20, choices=Scenario.choices)
    jurisdiction = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="+", verbose_name=_("scope"))
    owner_unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("command that owns the plan"))
    facility = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("port or facility"))
    trigger_kind = models.CharField(_("trigger"), max_length=24, choices=TriggerKind.choices, default=TriggerKind.MANUAL)
    trigger_threshold = models.PositiveIntegerField(_("trigger threshold (N or %)"), default=0)
    created_at = models.DateTimeField(_("created"))
    is_demo = models.BooleanField(_("generated demo data"), default=False)

    scope_unit_field = ("owner_unit",)
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["jurisdiction__path", "code"]
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _pick(self.name_zh, self.name_en)

    def current_version(self) -> PlanVersion | None:
        return self.versions.filter(approved_at__isnull=False).order_by("-number").first()


class PlanVersion(models.Model):
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    review_due = models.DateField(_("review due"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique")]

    def __str__(self) -> str:
        return f"{self.plan.code} v{self.number}"


class Step(models.Model):
    version = models.ForeignKey(PlanVersion, models.CASCADE, related_name="steps")
    code = models.CharField(_("step"), max_length=12)
    kind = models.SlugField(_("kind of step"), max_length=40)  # e.g. "isolate_lane", "notify_command": medians across drills
    title_zh = models.CharField(_("what (Chinese)"), max_length=200)
    title_en = models.CharField(_("what (English)"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("unit"))
    target_minutes = models.PositiveIntegerField(_("target (minutes from activation)"))
    depends_on = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="+", verbose_name=_("after"))
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="step_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return _pick(self.title_zh, self.title_en)


class InjectKind(models.TextChoices):
    ARRIVAL = "arrival", _("A traveller arrives at the port")
    RESULT = "result", _("A test result is reported")
    MESSAGE = "message", _("A message")


class Inject(models.Model):
    """One line of a version's exercise script: at +offset minutes, this happens (drills only)."""

    version = models.ForeignKey(PlanVersion, models.CASCADE, related_name="injects")
    offset_minutes = models.PositiveIntegerField(_("minutes after activation"))
    kind = models.CharField(_("kind"), max_length=12, choices=InjectKind.choices)
    text_zh = models.CharField(_("text (Chinese)"), max_length=300)
    text_en = models.CharField(_("text (English)"), max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)  # arrival: temperature, symptoms, name; result: result

    class Meta:
        ordering = ["version", "offset_minutes", "id"]

    @property
    def text(self) -> str:
        return _pick(self.text_zh, self.text_en)


class FiringState(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    ACTIVATED = "activated", _("Activated")
    DISMISSED = "dismissed", _("Dismissed")


class TriggerFiring(models.Model):
    """A trigger rule matched one situation: once per ``key`` (plan and situation), ever."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="firings")
    key = models.CharField(max_length=200, unique=True)
    situation = models.JSONField(default=dict)
    fired_at = models.DateTimeField()
    alert = models.ForeignKey("alerts.Alert", models.SET_NULL, null=True, blank=True, related_name="+")
    state = models.CharField(max_length=12, choices=FiringState.choices, default=FiringState.SUGGESTED)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    scope_unit_field = ("plan__owner_unit",)
    scope_jurisdiction_field = "plan__jurisdiction"

    class Meta:
        ordering = ["-fired_at"]


class ActivationState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("activation state", "Active")  # core's "Active" is a yes/no field
    ENDED = "ended", _("Ended")
    CLEARED = "cleared", _("Ended, drill records cleared")


class Activation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, models.PROTECT, related_name="activations")
    version = models.ForeignKey(PlanVersion, models.PROTECT, related_name="activations")
    jurisdiction = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="+")
    exercise = models.BooleanField(_("exercise"), default=False)
    state = models.CharField(_("state"), max_length=12, choices=ActivationState.choices, default=ActivationState.ACTIVE)
    started_at = models.DateTimeField(_("activated"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    firing = models.OneToOneField(TriggerFiring, models.SET_NULL, null=True, blank=True, related_name="activation")
    injects_done = models.JSONField(default=list, blank=True)  # ids of the script's injects already played
    summary = models.TextField(_("evaluator's summary"), blank=True)
    is_demo = models.BooleanField(_("generated demo data"), default=False)

    scope_unit_field = ("plan__owner_unit", "steps__unit")
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["exercise", "started_at"], name="activation_ex_started_idx")]

    def __str__(self) -> str:
        return f"{self.plan.code} · {self.started_at:%Y-%m-%d %H:%M}"


class Rating(models.TextChoices):
    P = "P", _("P: performed without challenges")
    S = "S", _("S: performed with some challenges")
    M = "M", _("M: performed with major challenges")
    U = "U", _("U: unable to be performed")


class ActivationStep(models.Model):
    """One step of one activation: its task, target time and, once done, its measured time."""

    activation = models.ForeignKey(Activation, models.CASCADE, related_name="steps")
    step = models.ForeignKey(Step, models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    task = models.OneToOneField("command.DispatchTask", models.SET_NULL, null=True, blank=True, related_name="emergency_step")
    target_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    rating = models.CharField(_("rating"), max_length=1, choices=Rating.choices, blank=True)
    rating_note = models.CharField(_("notes"), max_length=1000, blank=True)

    class Meta:
        ordering = ["activation", "target_at", "id"]

    def is_late(self, now: datetime) -> bool:
        return (self.done_at or now) > self.target_at

    def minutes_taken(self) -> float | None:
        if self.done_at is None:
            return None
        return round((self.done_at - self.activation.started_at) / timedelta(minutes=1), 1)


class DrillEvent(models.Model):
    """What happened in a drill that is not a task: the script's injects played and their messages.
    Simulated travellers live here, never in the loop (see the README)."""

    activation = models.ForeignKey(Activation, models.CASCADE, related_name="drill_events")
    at = models.DateTimeField()
    inject = models.ForeignKey(Inject, models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=12, choices=InjectKind.choices)
    text = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class ImprovementItem(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activation = models.ForeignKey(Activation, models.PROTECT, related_name="improvements")
    text = models.CharField(_("improvement"), max_length=300)
    owner_unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("owner"))
    due_at = models.DateTimeField(_("due"))
    task = models.OneToOneField("command.DispatchTask", models.PROTECT, related_name="emergency_improvement")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at", "id"]
