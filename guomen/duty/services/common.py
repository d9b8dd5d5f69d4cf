"""What every duty write shares: the rest rule, checks of times and coordinates, who may act, the alert kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.models import Unit
from guomen.org.scoping import Scope

# The least rest a person must have between two shifts (hours). Override with the setting
# GUOMEN_DUTY_MIN_REST_HOURS (settings.DUTY_MIN_REST_HOURS) if a command sets another rule.
MIN_REST_HOURS = 8
PATROL_START_GRACE = timedelta(minutes=30)  # a planned patrol not started this long after its window opens raises an alert


def min_rest() -> timedelta:
    return timedelta(hours=getattr(settings, "DUTY_MIN_REST_HOURS", MIN_REST_HOURS))


def _now() -> datetime:
    return clock.now()


def _invalid(code: str, message: str, field: str | None = None, **details: Any) -> DomainError:
    if field:
        details["field"] = field
    return DomainError(code, message, status=422, details=details or None)


def _aware(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise _invalid("naive_time", _("Give the time with its time zone."), field)
    return value.astimezone(UTC)


def _coord(lat: Any, lon: Any) -> tuple[float, float]:
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        raise _invalid("bad_coordinates", _("Latitude and longitude must be numbers."), "lat")
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        raise _invalid("bad_coordinates", _("Latitude or longitude is out of range."), "lat")
    return la, lo


def _may_manage(actor: Any, unit: Unit) -> Scope:
    """Command staff over the unit's jurisdiction, or a member of the unit."""
    scope = Scope.of(actor)
    scope.require_write()
    if not scope.reaches_unit(unit):
        raise PermissionDenied(_("Only a member of %(unit)s or its command may do this.") % {"unit": unit})
    return scope


def _act_for(actor: Any, unit: Unit) -> Scope:
    scope = Scope.of(actor)
    scope.require_act_for(unit)
    return scope


class AlertKind:
    """The duty's kinds of alert (registered with the alerts app in DutyConfig.ready)."""

    ROSTER_GAP = "roster_gap"
    PATROL_NOT_STARTED = "patrol_not_started"
    TASK_OVERDUE = "task_overdue"


def _alert(**kwargs: Any) -> Any:
    from guomen.alerts.services import alert_raise

    return alert_raise(**kwargs)
