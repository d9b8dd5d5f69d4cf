"""The jurisdiction tree and the passages across the border."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from guomen.core.bilingual import Bilingual
from guomen.core.levels import Level


class Country(models.TextChoices):
    """ISO 3166-1 alpha-3 codes of China and the neighbours on Yunnan's land border."""

    CHN = "CHN", _("China")
    MMR = "MMR", _("Myanmar")
    LAO = "LAO", _("Laos")
    VNM = "VNM", _("Vietnam")


LEVEL_ORDER = [Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
# GB/T 2260 gives 6 digits down to county; townships and villages extend it (GB/T 10114: 9 and 12).
CODE_LENGTH = {Level.PROVINCE: 6, Level.PREFECTURE: 6, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}


class Jurisdiction(Bilingual):
    """One node of province → prefecture → county → township → village.

    ``path`` is the chain of codes from the root ("/530000/533100/533102/"), so a
    subtree is one indexed prefix match.
    """

    code = models.CharField(_("division code"), max_length=12, unique=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent"))
    path = models.CharField(max_length=120, unique=True, editable=False)
    borders = models.JSONField(_("neighbour countries bordered"), default=list, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    coord_approximate = models.BooleanField(_("coordinates approximate"), default=True)
    is_demo = models.BooleanField(_("generated demo data"), default=False)

    scope_unit_field = "units"
    scope_jurisdiction_field = ""

    class Meta:
        ordering = ["path"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        indexes = [models.Index(fields=["level", "path"])]

    def clean(self) -> None:
        errors = {}
        if len(self.code) != CODE_LENGTH[self.level] or not self.code.isdigit():
            errors["code"] = _("A %(level)s code has %(n)d digits.") % {"level": self.get_level_display(), "n": CODE_LENGTH[self.level]}
        if self.level == Level.PROVINCE:
            if self.parent_id is not None:
                errors["parent"] = _("A province has no parent.")
        elif self.parent is None:
            errors["parent"] = _("Every place below the province has exactly one parent.")
        elif LEVEL_ORDER.index(self.parent.level) != LEVEL_ORDER.index(self.level) - 1:
            errors["parent"] = _("The parent of a %(level)s must be one level up.") % {"level": self.get_level_display()}
        bad = [c for c in self.borders if c not in Country.values or c == Country.CHN]
        if bad:
            errors["borders"] = _("Unknown neighbour country codes: %(codes)s") % {"codes": ", ".join(map(str, bad))}
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        self.path = (self.parent.path if self.parent else "/") + f"{self.code}/"
        super().save(*args, **kwargs)

    @property
    def is_border(self) -> bool:
        return bool(self.borders)

    def ancestors(self) -> models.QuerySet[Jurisdiction]:
        codes = [c for c in self.path.strip("/").split("/") if c and c != self.code]
        return Jurisdiction.objects.filter(code__in=codes).order_by("path")

    def subtree(self) -> models.QuerySet[Jurisdiction]:
        return Jurisdiction.objects.filter(path__startswith=self.path)


class Allowed(models.TextChoices):
    """Who or what may go through a passage."""

    PEOPLE = "people", _("People")
    CARGO = "cargo", _("Cargo")
    BORDER_RESIDENTS = "border_residents", _("Border residents")


class PassageKind(models.TextChoices):
    ROAD_PORT = "road_port", _("Road port")
    RAIL_PORT = "rail_port", _("Railway port")
    RIVER_PORT = "river_port", _("River port")
    AIR_PORT = "air_port", _("Airport port")
    BORDER_CHANNEL = "border_channel", _("Border-resident channel")
    INFORMAL_PATH = "informal_path", _("Informal path")
    FORD = "ford", _("Ford")


PORT_KINDS = {PassageKind.ROAD_PORT, PassageKind.RAIL_PORT, PassageKind.RIVER_PORT, PassageKind.AIR_PORT}


class Passage(Bilingual):
    """A way across the border: an official port or an informal path."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PassageKind.choices)
    county = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="passages", verbose_name=_("county"))
    neighbour = models.CharField(_("neighbour country"), max_length=3, choices=Country.choices, blank=True)
    counterpart_zh = models.CharField(_("counterpart (Chinese)"), max_length=120, blank=True)
    counterpart_en = models.CharField(_("counterpart (English)"), max_length=120, blank=True)
    port_class = models.CharField(_("port class"), max_length=120, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    coord_approximate = models.BooleanField(_("coordinates approximate"), default=True)
    coord_note = models.CharField(_("coordinate note"), max_length=300, blank=True)
    geometry = models.JSONField(_("geometry (GeoJSON Point or LineString)"), null=True, blank=True)
    segment = models.ForeignKey(
        "BorderSegment", models.SET_NULL, null=True, blank=True, related_name="passages", verbose_name=_("border segment")
    )
    allowed = models.JSONField(_("allowed through"), default=list, blank=True)  # Allowed values
    is_demo = models.BooleanField(_("generated demo data"), default=False)

    scope_unit_field = "units"
    scope_jurisdiction_field = "county"

    class Meta:
        ordering = ["county__path", "code"]
        verbose_name = _("passage")
        verbose_name_plural = _("passages")

    @property
    def is_port(self) -> bool:
        return self.kind in PORT_KINDS

    @property
    def counterpart(self) -> str:
        lang = get_language() or "zh-hans"
        return (self.counterpart_en if lang.startswith("en") else self.counterpart_zh) or self.counterpart_en


class Risk(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class BorderSegment(models.Model):
    """A stretch of the border line with a named person, a responsibility and tasks (分地段、定专人、定责任、定任务).

    ``geometry`` is a GeoJSON LineString in WGS-84 lon/lat; ``length_km`` is computed in a metric projection.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    county = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="segments", verbose_name=_("county"))
    neighbour = models.CharField(_("neighbour country"), max_length=3, choices=Country.choices)
    geometry = models.JSONField(_("geometry (GeoJSON LineString)"))
    length_km = models.FloatField(_("length (km)"))
    risk = models.CharField(_("risk"), max_length=10, choices=Risk.choices, default=Risk.MEDIUM)
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="border_segments",
        verbose_name=_("responsible person"),
    )
    responsible_unit = models.ForeignKey(
        "org.Unit", models.SET_NULL, null=True, blank=True, related_name="border_segments", verbose_name=_("responsible unit")
    )
    responsibility = models.TextField(_("responsibility"), blank=True)
    tasks = models.TextField(_("tasks"), blank=True)
    is_demo = models.BooleanField(_("generated demo data"), default=False)

    scope_unit_field = "responsible_unit"
    scope_jurisdiction_field = "county"

    class Meta:
        ordering = ["county__path", "code"]
        verbose_name = _("border segment")
        verbose_name_plural = _("border segments")

    def __str__(self) -> str:
        return self.code


class RecordKind(models.TextChoices):
    PATROL = "patrol", _("Patrol")
    INSPECTION = "inspection", _("Inspection")
    REPAIR = "repair", _("Repair")
    OBSERVATION = "observation", _("Observation")
    HANDOVER_OF_DUTY = "handover_of_duty", _("Handover of duty")


class SegmentRecord(models.Model):
    """One entry in a segment's record log (有记录)."""

    segment = models.ForeignKey(BorderSegment, models.CASCADE, related_name="records", verbose_name=_("segment"))
    at = models.DateTimeField(_("at"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="segment_records", verbose_name=_("author")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices)
    text = models.TextField(_("text"), blank=True)

    scope_unit_field = "segment__responsible_unit"
    scope_jurisdiction_field = "segment__county"

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("segment record")
        verbose_name_plural = _("segment records")
        indexes = [models.Index(fields=["segment", "at"])]

    def __str__(self) -> str:
        return f"{self.segment} · {self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"


class PassageStatusKind(models.TextChoices):
    OPEN = "open", _("Open")
    RESTRICTED = "restricted", _("Restricted")
    CLOSED = "closed", _("Closed")


class StatusPeriod(models.Model):
    """A period of a status: open-ended while ``valid_to`` is empty; the next period closes it."""

    valid_from = models.DateTimeField(_("from"))
    valid_to = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    is_demo = models.BooleanField(_("generated demo data"), default=False)

    class Meta:
        abstract = True


class PassageStatus(StatusPeriod):
    """One period of a passage's status. The open period has no ``valid_to``; a new one closes it."""

    passage = models.ForeignKey(Passage, models.CASCADE, related_name="statuses", verbose_name=_("passage"))
    status = models.CharField(_("status"), max_length=12, choices=PassageStatusKind.choices)

    scope_unit_field = "passage__units"
    scope_jurisdiction_field = "passage__county"

    class Meta:
        ordering = ["passage", "-valid_from"]
        verbose_name = _("passage status")
        verbose_name_plural = _("passage statuses")
        indexes = [models.Index(fields=["passage", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.passage} · {self.get_status_display()} · {self.valid_from:%Y-%m-%d}"


class Grid(models.Model):
    """The smallest management cell of a village, with its named grid worker (网格员)."""

    village = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="grids", verbose_name=_("village"))
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    households = models.PositiveIntegerField(_("households"), default=0)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="grids", verbose_name=_("grid worker")
    )
    is_demo = models.BooleanField(_("generated demo data"), default=False)

    scope_unit_field = "village__units"
    scope_jurisdiction_field = "village"

    class Meta:
        ordering = ["village__path", "code"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")

    def __str__(self) -> str:
        return self.name


class VillageStatusKind(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED_MANAGEMENT = "closed_management", _("Closed management")


class VillageStatus(StatusPeriod):
    """One period of a village's management status (封闭式管理), with its entrance posts."""

    village = models.ForeignKey(Jurisdiction, models.CASCADE, related_name="statuses", verbose_name=_("village"))
    status = models.CharField(_("status"), max_length=20, choices=VillageStatusKind.choices)
    entrance_posts = models.PositiveIntegerField(_("entrance posts"), default=0)

    scope_unit_field = "village__units"
    scope_jurisdiction_field = "village"

    class Meta:
        ordering = ["village", "-valid_from"]
        verbose_name = _("village status")
        verbose_name_plural = _("village statuses")
        indexes = [models.Index(fields=["village", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.village} · {self.get_status_display()} · {self.valid_from:%Y-%m-%d}"


class DeclarationState(models.TextChoices):
    PENDING = "pending", _("Waiting for the grid worker")
    CONFIRMED = "confirmed", _("Confirmed into a journey")
    REJECTED = "rejected", _("Rejected")


class SelfDeclaration(models.Model):
    """A resident's own report of their return, sent from the public page; the grid worker confirms it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40)
    village = models.ForeignKey(Jurisdiction, models.PROTECT, related_name="self_declarations", verbose_name=_("village"))
    came_from_country = models.CharField(_("coming from (country)"), max_length=3, choices=Country.choices, blank=True)
    came_from = models.CharField(_("coming from (place)"), max_length=200)
    returned_on = models.DateField(_("date of return"))
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=12, choices=DeclarationState.choices, default=DeclarationState.PENDING)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("handled by")
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    journey_code = models.CharField(_("loop code"), max_length=16, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    scope_unit_field = "village__units"
    scope_jurisdiction_field = "village"

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("self-declaration of return")
        verbose_name_plural = _("self-declarations of return")
        indexes = [models.Index(fields=["village", "state"])]

    def __str__(self) -> str:
        return f"{self.name} · {self.village}"

    @property
    def coming_from(self) -> str:
        """Country and place, in the reader's language: "缅甸 · 木姐" or "Myanmar · 木姐"."""
        return " · ".join(p for p in (self.get_came_from_country_display() if self.came_from_country else "", self.came_from) if p)
