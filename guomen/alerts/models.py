"""Alerts: every finding that needs a person's attention, held by a unit and raised up the tree.

The app sits below the domain apps: it knows units (``org``) and nothing above. What an alert is
about comes in generic fields — ``ref_type``/``ref`` (e.g. a journey's id) and ``ref_code`` (its
loop code, shown once) — and each app registers its kinds (``alerts.registry``).

An alert never moves out of the jurisdiction it was raised in (its unit's): escalation adds a
level, so every command it has passed through keeps seeing it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guomen.org.models import Unit


class AlertLevel(models.IntegerChoices):
    UNIT = 0, _("Custodian unit")
    COUNTY = 1, _("County command")
    PREFECTURE = 2, _("Prefecture command")
    PROVINCE = 3, _("Province command")


class Alert(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=30, default="other")  # registered by the raising app
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="alerts", verbose_name=_("responsible unit"))
    ref_type = models.CharField(max_length=20, blank=True)  # what ``ref`` points at, e.g. "journey"
    ref = models.PositiveBigIntegerField(null=True, blank=True)
    ref_code = models.CharField(_("loop code"), max_length=40, blank=True)
    key = models.CharField(max_length=120, blank=True)  # at most one open alert per non-empty key
    subject = models.CharField(_("about"), max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state when missed"), max_length=20, blank=True)
    awaiting = models.CharField(_("waiting for"), max_length=30, blank=True)
    due_at = models.DateTimeField(_("was due"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    level = models.PositiveSmallIntegerField(_("escalation level"), choices=AlertLevel.choices, default=AlertLevel.UNIT)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    escalation_hours = models.JSONField(default=list, blank=True)  # county, prefecture, province: hours after the deadline
    history = models.JSONField(default=list, blank=True)  # [{"at", "level", "jurisdiction", "what", "by"}]
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("assigned to")
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by_seq = models.PositiveIntegerField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    close_note = models.CharField(_("closing note"), max_length=300, blank=True)

    scope_unit_field = "unit"
    scope_jurisdiction_field = "unit__jurisdiction"

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(closed_at__isnull=True) & ~Q(key=""), name="alert_one_open_per_key")
        ]
        indexes = [
            models.Index(fields=["next_escalation_at"], condition=Q(closed_at__isnull=True), name="alert_escalation_idx"),
            models.Index(fields=["unit", "closed_at"], name="alert_unit_idx"),
            models.Index(fields=["ref_type", "ref"], condition=Q(closed_at__isnull=True), name="alert_open_ref_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} · {self.ref_code or self.subject}"

    @property
    def kind_label(self) -> str:
        from . import registry

        return str(registry.kind_label(self.kind))

    def get_kind_display(self) -> str:  # the name templates know from a choices field
        return self.kind_label

    @property
    def closes_itself(self) -> bool:
        from . import registry

        return registry.closes_itself(self.kind)


class AlertCount(models.Model):
    """Open alerts (``closed_at`` empty) per unit, kind and level, kept by the database itself:
    triggers on the alert table (``alerts.counting``) change these rows in the statement that
    writes alerts, whatever writes them — a service, a bulk COPY, a queryset ``update``. The
    dashboard sums a few hundred of them instead of counting the open alerts one by one."""

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    level = models.PositiveSmallIntegerField(choices=AlertLevel.choices)
    n = models.IntegerField(default=0)

    scope_unit_field = "unit"  # reached as the alerts it counts are (``org.scoping.Scope``)
    scope_jurisdiction_field = "unit__jurisdiction"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "kind", "level"], name="alertcount_key")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind} {self.level}: {self.n}"
