"""Authoritative public information: approved bulletins (Atom, CAP 1.2), answers to the public,
and citizen reports that are triaged, dispatched and closed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

USER = settings.AUTH_USER_MODEL


class BulletinKind(models.TextChoices):
    FIGURES = "figures", _("Figures of the day")
    NOTICE = "notice", _("Notice")


class NoticeTopic(models.TextChoices):
    GENERAL = "general", _("General")
    PORT = "port", _("Port opened or closed")
    VILLAGE = "village", _("Village status")
    RETURNEES = "returnees", _("Rule for returnees")


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    PUBLISHED = "published", _("Published")


class MsgType(models.TextChoices):
    ALERT = "Alert", pgettext_lazy("CAP message type", "Alert")
    UPDATE = "Update", pgettext_lazy("CAP message type", "Correction")
    CANCEL = "Cancel", pgettext_lazy("CAP message type", "Withdrawal")


class Bulletin(models.Model):
    """One message to the public. Once published it never changes: a correction is a new
    bulletin of type Update (or Cancel) that references it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=BulletinKind.choices, default=BulletinKind.NOTICE)
    topic = models.CharField(_("topic"), max_length=12, choices=NoticeTopic.choices, default=NoticeTopic.GENERAL)
    msg_type = models.CharField(_("message type"), max_length=8, choices=MsgType.choices, default=MsgType.ALERT)
    references = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="followups", verbose_name=_("corrects or withdraws")
    )
    exercise = models.BooleanField(_("exercise (drill)"), default=False)
    day = models.DateField(_("day of the figures"), null=True, blank=True)
    jurisdiction = models.ForeignKey("places.Jurisdiction", models.PROTECT, related_name="+", verbose_name=_("area"))
    passage = models.ForeignKey("places.Passage", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("port"))
    village = models.ForeignKey("places.Jurisdiction", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("village"))
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_zh = models.TextField(_("text (Chinese)"))
    body_en = models.TextField(_("text (English)"))
    status = models.CharField(_("status"), max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT)
    author = models.ForeignKey(USER, models.PROTECT, related_name="+", verbose_name=_("author"))
    last_editor = models.ForeignKey(USER, models.PROTECT, related_name="+", verbose_name=_("last edited by"))
    created_at = models.DateTimeField(_("created"))
    edited_at = models.DateTimeField(_("edited"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approver = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approved by"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    cap_xml = models.TextField(_("CAP message"), blank=True)  # frozen at approval: what was approved is what is served

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        indexes = [models.Index(fields=["status", "exercise", "published_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        from django.utils.translation import get_language

        return self.title_en if (get_language() or "").startswith("en") and self.title_en else self.title_zh

    @property
    def body(self) -> str:
        from django.utils.translation import get_language

        return self.body_en if (get_language() or "").startswith("en") and self.body_en else self.body_zh

    @property
    def cap_identifier(self) -> str:
        return f"guomen-{self.public_id.hex}"


class QuestionTopic(models.TextChoices):
    PORTS = "ports", _("Ports and crossing")
    QUARANTINE = "quarantine", _("Quarantine")
    RETURNEES = "returnees", _("Coming home")
    TESTING = "testing", _("Testing and health")
    OTHER = "other", _("Other")


class QuestionStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    ANSWER_SUBMITTED = "answer_submitted", _("Answer awaiting approval")
    PUBLISHED = "published", _("Published")


class Question(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    text = models.TextField(_("question"))
    language = models.CharField(_("language"), max_length=10, blank=True)
    asked_at = models.DateTimeField(_("asked"))
    topic = models.CharField(_("topic"), max_length=12, choices=QuestionTopic.choices, default=QuestionTopic.OTHER)
    status = models.CharField(_("status"), max_length=20, choices=QuestionStatus.choices, default=QuestionStatus.NEW)
    same_as = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="asked_again", verbose_name=_("same question as")
    )
    moderated_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)
    answer_zh = models.TextField(_("answer (Chinese)"), blank=True)
    answer_en = models.TextField(_("answer (English)"), blank=True)
    answer_author = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("answered by"))
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_approver = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approved by"))
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at"]
        verbose_name = _("question from the public")
        verbose_name_plural = _("questions from the public")

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def answer(self) -> str:
        from django.utils.translation import get_language

        return self.answer_en if (get_language() or "").startswith("en") and self.answer_en else self.answer_zh


class ReportKind(models.TextChoices):
    CROSSING = "crossing", _("Illegal border crossing")
    RETURNEE = "returnee", _("Someone came back without declaring")
    VEHICLE = "vehicle", _("Suspicious vehicle")


class ReportStatus(models.TextChoices):
    NEW = "new", _("Received")
    CHECKED = "checked", _("Checked")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("Being handled")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", pgettext_lazy("citizen report", "Closed")
    DUPLICATE = "duplicate", _("Already reported")
    UNFOUNDED = "unfounded", _("Not confirmed")


OPEN_REPORT_STATES = (ReportStatus.NEW, ReportStatus.CHECKED, ReportStatus.ASSIGNED, ReportStatus.IN_PROGRESS)


class CitizenReport(models.Model):
    """A resident's report. ``code`` is what the reporter keeps to follow it; the status page
    shows the status and dates, never who reported or who handles it."""

    code = models.CharField(_("follow-up code"), max_length=12, unique=True)
    kind = models.CharField(_("what"), max_length=10, choices=ReportKind.choices)
    what = models.TextField(_("what was seen"))
    occurred_at = models.DateTimeField(_("when"))
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    village = models.ForeignKey("places.Jurisdiction", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("village"))
    # The county (or village) whose command triages it: how scoping reaches the report.
    jurisdiction = models.ForeignKey("places.Jurisdiction", models.PROTECT, related_name="+", verbose_name=_("jurisdiction"))
    segment = models.ForeignKey("places.BorderSegment", models.SET_NULL, null=True, blank=True, related_name="+")
    photo = models.BinaryField(_("photo (JPEG or PNG, metadata removed)"), null=True, blank=True, editable=False)
    photo_type = models.CharField(max_length=20, blank=True)
    phone = models.CharField(_("phone (optional)"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    submitted_at = models.DateTimeField(_("submitted"))
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.NEW)
    status_since = models.DateTimeField(_("status since"))
    due_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    duplicate_of = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="duplicates")
    assigned_unit = models.ForeignKey("org.Unit", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("assigned unit"))
    assigned_to = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("assigned to"))
    handler = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("handled by"))
    journey_code = models.CharField(_("loop code of the person found"), max_length=16, blank=True)

    scope_unit_field = "assigned_unit"
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")
        indexes = [models.Index(fields=["status", "occurred_at"]), models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return self.code


class ReportStep(models.Model):
    """Who moved a report to which status, and when (append-only)."""

    report = models.ForeignKey(CitizenReport, models.CASCADE, related_name="steps")
    status = models.CharField(max_length=12, choices=ReportStatus.choices)
    actor = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]


class RefusalReason(models.TextChoices):
    RATE_ADDRESS = "rate_address", _("Too many from one address")
    RATE_PHONE = "rate_phone", _("Too many from one phone")
    RATE_TOTAL = "rate_total", _("Too many in total")
    HONEYPOT = "honeypot", _("Hidden field filled")
    TOO_FAST = "too_fast", _("Sent too fast or form expired")


class Refusal(models.Model):
    """How many submissions were refused, per day, form and reason (no content is kept)."""

    day = models.DateField()
    form = models.CharField(max_length=10)
    reason = models.CharField(max_length=14, choices=RefusalReason.choices)
    n = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "form", "reason"], name="public_refusal_unique")]
