"""Persons and their identity documents. Minimal data; identifiers encrypted and masked."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guomen.org.models import Unit


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    UNKNOWN = "X", _("Unspecified")


class Category(models.TextChoices):
    TRAVELLER = "traveller", _("Traveller")
    BORDER_RESIDENT = "border_resident", _("Border resident")
    DRIVER = "driver", _("Cross-border driver")
    FOREIGN_NATIONAL = "foreign_national", _("Foreign national")
    RETURNEE = "returnee", _("Returnee")


class DocumentKind(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    RESIDENT_ID = "resident_id", _("PRC resident identity card")
    BORDER_PASS = "border_pass", _("Border pass")
    ENTRY_EXIT_PERMIT = "entry_exit_permit", _("Entry-exit permit")
    OTHER = "other", _("Other document")


class Person(models.Model):
    """Someone in the closed loop. Reached through the journeys that hold them (see ``loop``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name_native = models.CharField(_("name (native script)"), max_length=120)
    name_latin = models.CharField(_("name (Latin letters)"), max_length=120, blank=True)
    # Pinyin and initials, lower case. Searched with LIKE '%…%' (``queries``), which no B-tree
    # serves: no index, so that registering a person writes one index entry fewer (two on PostgreSQL).
    name_search = models.CharField(max_length=400, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    nationality = models.CharField(_("nationality (ISO 3166 alpha-3)"), max_length=3)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.TRAVELLER)
    registered_by = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("registered by"))
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    # Set when the retention policy removed the names, numbers, phone and exact birth date.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

    # A person is reached through their journeys' units and jurisdictions.
    scope_unit_field = ("registered_by", "journeys__custodian", "journeys__events__unit")
    scope_jurisdiction_field = "registered_by__jurisdiction"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.name_native

    def save(self, *args, **kwargs) -> None:
        from .names import search_text

        # Every write keeps the search column in step with the names.
        self.name_search = search_text(self.name_native, self.name_latin)
        if kwargs.get("update_fields") is not None and ({"name_native", "name_latin"} & set(kwargs["update_fields"])):
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_search"}
        super().save(*args, **kwargs)


class IdentityDocument(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, models.CASCADE, related_name="documents", verbose_name=_("person"))
    kind = models.CharField(_("document type"), max_length=20, choices=DocumentKind.choices)
    issuing_country = models.CharField(_("issuing country (ISO 3166 alpha-3)"), max_length=3)
    number_sealed = models.TextField(editable=False)  # Fernet token of the number
    # HMAC(kind, country, number); the unique constraint below is its index.
    lookup = models.CharField(max_length=64, editable=False)
    # HMAC(number); its index is in ``Meta.indexes``: a hash is looked up whole, never by a LIKE prefix,
    # so it has no pattern-matching twin (``db_index`` adds one on PostgreSQL).
    number_lookup = models.CharField(max_length=64, editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    border_county = models.ForeignKey(
        "places.Jurisdiction", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("border county (border passes)")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        # One row per (kind, country, number): registering it again finds the same person.
        constraints = [models.UniqueConstraint(fields=["lookup"], name="identitydocument_lookup_unique")]
        indexes = [models.Index(fields=["number_lookup"], name="identitydocument_number_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ••••{self.last4}"

    @property
    def masked(self) -> str:
        return f"••••{self.last4}"


class WatchReason(models.TextChoices):
    LOST = "lost", _("Reported lost")
    STOLEN = "stolen", _("Reported stolen")
    FORGED = "forged", _("Forged")
    REVOKED = "revoked", _("Revoked or cancelled")


class DocumentWatch(models.Model):
    """A document to stop at the desk. The number itself is never stored: only its keyed hashes."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("document type"), max_length=20, choices=DocumentKind.choices)
    issuing_country = models.CharField(_("issuing country (ISO 3166 alpha-3)"), max_length=3)
    lookup = models.CharField(max_length=64, db_index=True, editable=False)  # HMAC(kind, country, number)
    number_lookup = models.CharField(max_length=64, db_index=True, editable=False)  # HMAC(number)
    last4 = models.CharField(max_length=4, editable=False)
    reason = models.CharField(_("reason"), max_length=10, choices=WatchReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("added by"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)
    deactivated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("watch-listed document")
        verbose_name_plural = _("document watch-list")
        constraints = [models.UniqueConstraint(fields=["lookup"], condition=models.Q(active=True), name="documentwatch_one_active")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.issuing_country} ••••{self.last4}"

    @property
    def masked(self) -> str:
        return f"••••{self.last4}"
