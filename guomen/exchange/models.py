"""Partners, our signing keys, the outbox and inbox of signed messages, and the threads they carry."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guomen.lib import clock

# The languages partners write in, by their codes (``Partner.languages``, texts' keys).
LANGUAGE_NAMES = {
    "zh-Hans": pgettext_lazy("language", "Chinese"),
    "en": pgettext_lazy("language", "English"),
    "my": pgettext_lazy("language", "Burmese"),
    "lo": pgettext_lazy("language", "Lao"),
    "vi": pgettext_lazy("language", "Vietnamese"),
}


class Partner(models.Model):
    """A neighbouring authority we exchange signed messages with (trust is pairwise)."""

    authority = models.SlugField(_("authority code"), max_length=60, unique=True)  # e.g. mm-muse
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_local = models.CharField(_("name (partner language)"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2)
    base_url = models.URLField(_("base URL"))
    public_key = models.CharField(_("public key (current)"), max_length=64)  # raw Ed25519, base64
    public_key_next = models.CharField(_("public key (next)"), max_length=64, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)  # e.g. ["my"]
    liaison_units = models.ManyToManyField("org.Unit", blank=True, related_name="exchange_partners", verbose_name=_("liaison units"))
    port_units = models.ManyToManyField("org.Unit", blank=True, related_name="exchange_manifest_partners", verbose_name=_("ports"))
    # The user that declares the partner's manifests at our ports (a port officer of each port).
    manifest_user = models.ForeignKey("auth.User", models.PROTECT, null=True, blank=True, related_name="+")
    active = models.BooleanField(_("active"), default=True)
    # Delivery state: when a send fails the whole partner backs off (messages keep their order).
    failures = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["authority"]
        verbose_name = _("partner")

    @property
    def language_names(self) -> list[str]:
        """The partner's languages by name in the reader's language (the code where none is known)."""
        return [str(LANGUAGE_NAMES.get(code, code)) for code in self.languages]

    def __str__(self) -> str:
        return f"{self.name_zh} / {self.name_en}"

    @property
    def inbox_url(self) -> str:
        return self.base_url.rstrip("/") + "/exchange/inbox/"


class InstanceKey(models.Model):
    """Our own Ed25519 signing key; the newest active one signs. The private key is stored
    encrypted (Fernet under ``EXCHANGE_KEY_ENCRYPTION_KEYS``)."""

    public_key = models.CharField(max_length=64, unique=True)
    private_key_encrypted = models.TextField()
    created_at = models.DateTimeField(default=clock.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Direction(models.TextChoices):
    OUT = "out", _("Outgoing")
    IN = "in", _("Incoming")


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    ACCEPTED = "accepted", _("Accepted")
    HELD = "held", _("Held for an earlier message")
    REFUSED = "refused", _("Refused")


class Message(models.Model):
    """One signed message, in or out. Outgoing rows are the outbox; incoming rows the inbox."""

    direction = models.CharField(max_length=3, choices=Direction.choices)
    partner = models.ForeignKey(Partner, models.PROTECT, related_name="messages")
    msg_id = models.UUIDField(default=uuid.uuid4)
    type = models.CharField(max_length=40)
    version = models.PositiveSmallIntegerField(default=1)
    subject = models.CharField(max_length=80, blank=True)
    seq = models.PositiveIntegerField(default=0)
    message = models.JSONField()  # the signed message (outgoing: without sent_at, signed at each send)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    outcome = models.JSONField(null=True, blank=True)  # the acknowledgement's body
    ack = models.JSONField(null=True, blank=True)  # the signed acknowledgement as received / sent
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    acked_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["direction", "msg_id"], name="exchange_message_once")]
        indexes = [
            models.Index(fields=["direction", "status", "partner"]),
            models.Index(fields=["partner", "direction", "subject", "seq"]),
        ]


class Refusal(models.Model):
    """A delivery our inbox refused before it could be trusted (bad signature, unknown sender,
    outside the time window): never stored as a message, so a forger cannot claim an id."""

    at = models.DateTimeField(default=clock.now)
    partner = models.ForeignKey(Partner, models.SET_NULL, null=True, blank=True)
    sender = models.CharField(max_length=80, blank=True)
    msg_id = models.CharField(max_length=60, blank=True)
    code = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at"]


class Cursor(models.Model):
    """The last applied sequence number of a partner's messages on one subject (causal order)."""

    partner = models.ForeignKey(Partner, models.CASCADE)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    subject = models.CharField(max_length=80)
    seq = models.PositiveIntegerField(default=0)
    # Incoming: how many of the subject's messages are held for a predecessor (0: none to look for).
    held = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "direction", "subject"], name="exchange_cursor_once")]


class Kind(models.TextChoices):
    MANIFEST = "manifest", _("Pre-arrival manifest")
    CASE = "case", _("Case notice")
    HANDOVER = "handover", _("Handover across the border")
    AID = "aid", _("Material aid")
    TEAM = "team", _("Medical or expert team")


# Where a thread stands (``Thread.status``, set by ``handlers``), as the desk shows it.
THREAD_STATES = {
    "sent": pgettext_lazy("partner thread", "Sent"),
    "received": pgettext_lazy("partner thread", "Received"),
    "notified": pgettext_lazy("partner thread", "Notified"),
    "traced": pgettext_lazy("partner thread", "Contacts traced"),
    "isolated": pgettext_lazy("partner thread", "Isolated"),
    "tested": pgettext_lazy("partner thread", "Tested"),
    "not_found": pgettext_lazy("partner thread", "Not found"),
    "offered": pgettext_lazy("partner thread", "Offered"),
    "accepted": pgettext_lazy("partner thread", "Accepted"),
    "declined": pgettext_lazy("partner thread", "Declined"),
    "requested": pgettext_lazy("partner thread", "Requested"),
    "committed": pgettext_lazy("partner thread", "Committed"),
    "shipped": pgettext_lazy("partner thread", "Shipped"),
    "deployed": pgettext_lazy("partner thread", "Deployed"),
    "arrived": pgettext_lazy("partner thread", "Arrived"),
    "returned": pgettext_lazy("partner thread", "Returned"),
    "closed": pgettext_lazy("partner thread", "Closed"),
}


class Thread(models.Model):
    """What a run of messages on one subject is about, as both sides see it: its state and data."""

    ref = models.UUIDField(default=uuid.uuid4)
    partner = models.ForeignKey(Partner, models.PROTECT, related_name="threads")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    ours = models.BooleanField(default=True)  # opened by us
    status = models.CharField(max_length=30)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["partner", "ref"], name="exchange_thread_once")]

    @property
    def subject(self) -> str:
        return f"{self.kind}:{self.ref}"

    @property
    def status_label(self) -> str:
        """The state in the reader's language (the stored word where none is known)."""
        return str(THREAD_STATES.get(self.status, self.status))
