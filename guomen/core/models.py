"""Cross-cutting records: the access audit, API tokens and idempotent requests."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """One full view of personal data (an unmasked identifier, an export...). Append-only: database
    triggers refuse UPDATE, DELETE and TRUNCATE (``core.append_only``)."""

    append_only_since = "0002_access_log_append_only"

    class Action(models.TextChoices):
        VIEW_IDENTITY = "view_identity", _("Viewed an identity document in full")
        EXPORT = "export", _("Exported personal data")
        PRINT = "print", _("Printed a personal document")
        SUBJECT_EXPORT = "subject_export", _("Exported everything held about a person")
        CORRECTION = "correction", _("Corrected a person's data")
        BREAK_GLASS = "break_glass", _("Opened a record outside their reach (break the glass)")
        RECOVERY_CODE = "recovery_code", _("Signed in with a recovery code")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("who"))
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64)
    subject = models.CharField(_("whose data"), max_length=64, blank=True, help_text=_("Public id of the person concerned"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, default="web")

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        indexes = [models.Index(fields=["subject", "at"]), models.Index(fields=["user", "at"])]


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotentRequest(models.Model):
    """The stored answer to a write made with an Idempotency-Key, replayed on retry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.TextField()
    # The answer held a secret (a new API token) that was left out of ``body``: a retry is told so
    # instead of being given an answer without it.
    secret_withheld = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]
