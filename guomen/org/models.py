"""Units, the people who belong to them, and in which role."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guomen.core.bilingual import Bilingual
from guomen.core.levels import Level


class UnitKind(models.TextChoices):
    PORT_HEALTH_STATION = "port_health_station", _("Port health station")
    TRANSFER_TEAM = "transfer_team", _("Transfer team")
    QUARANTINE_FACILITY = "quarantine_facility", _("Quarantine facility")
    HOSPITAL = "hospital", _("Designated hospital")
    VILLAGE_COMMITTEE = "village_committee", _("Village committee")
    PATROL_TEAM = "patrol_team", _("Patrol team")
    BORDER_POST = "border_post", _("Police/army border post")
    COMMAND_OFFICE = "command_office", _("Command office")
    INFORMATION_OFFICE = "information_office", _("Information office")
    PARTNER_AGENCY = "partner_agency", _("Partner agency")


class Role(models.TextChoices):
    PROVINCE_COMMAND = "province_command", _("Province command")
    PREFECTURE_COMMAND = "prefecture_command", _("Prefecture command")
    COUNTY_COMMAND = "county_command", _("County command")
    PORT_OFFICER = "port_officer", _("Port health officer")
    TRANSFER_TEAM = "transfer_team", _("Transfer team member")
    FACILITY_STAFF = "facility_staff", _("Quarantine facility staff")
    HOSPITAL_STAFF = "hospital_staff", _("Hospital staff")
    GRID_WORKER = "grid_worker", _("Village grid worker")
    PATROL_MEMBER = "patrol_member", _("Patrol member")
    PARTNER_LIAISON = "partner_liaison", _("Partner liaison")
    INFORMATION_OFFICER = "information_officer", _("Information officer")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles whose reach is the whole jurisdiction subtree of their unit, not just the unit.
SUBTREE_ROLES = frozenset({Role.PROVINCE_COMMAND, Role.PREFECTURE_COMMAND, Role.COUNTY_COMMAND, Role.AUDITOR})
# Roles that only read.
READ_ONLY_ROLES = frozenset({Role.AUDITOR})
# Roles that may see identity document numbers in full (each view is audited).
FULL_IDENTITY_ROLES = frozenset({Role.PORT_OFFICER, Role.COUNTY_COMMAND, Role.PREFECTURE_COMMAND, Role.PROVINCE_COMMAND})
COMMAND_LEVEL = {Level.PROVINCE: Role.PROVINCE_COMMAND, Level.PREFECTURE: Role.PREFECTURE_COMMAND, Level.COUNTY: Role.COUNTY_COMMAND}


class Unit(Bilingual):
    """An organisation that can hold custody or act: a port station, a hotel, a village committee…"""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices)
    jurisdiction = models.ForeignKey("places.Jurisdiction", models.PROTECT, related_name="units", verbose_name=_("jurisdiction"))
    passage = models.ForeignKey("places.Passage", models.PROTECT, null=True, blank=True, related_name="units", verbose_name=_("port"))
    capacity = models.PositiveIntegerField(_("capacity (rooms or beds)"), null=True, blank=True)
    phone = models.CharField(_("duty phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("generated demo data"), default=False)

    # How scoping reaches this model (see org.scoping).
    scope_unit_field = "id"
    scope_jurisdiction_field = "jurisdiction"

    class Meta:
        ordering = ["jurisdiction__path", "kind", "code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [models.Index(fields=["kind", "jurisdiction"])]


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships", verbose_name=_("user"))
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="memberships", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    since = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"
