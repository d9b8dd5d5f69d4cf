"""The jurisdiction tree and the passages across the border."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Country(models.TextChoices):
    """ISO 3166-1 alpha-3 codes of China and the neighbours on Yunnan's land border."""

    CHN = "CHN", _("China")
    MMR = "MMR", _("Myanmar")
    LAO = "LAO", _("Laos")
    VNM = "VNM", _("Vietnam")


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")


LEVEL_ORDER = [Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
# GB/T 2260 gives 6 digits down to county; townships and villages extend it (GB/T 10114: 9 and 12).
CODE_LENGTH = {Level.PROVINCE: 6, Level.PREFECTURE: 6, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}


class Bilingual(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        lang = get_language() or "zh-hans"
        return self.name_en if lang.startswith("en") and self.name_en else self.name_zh

    def __str__(self) -> str:
        return self.name


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
