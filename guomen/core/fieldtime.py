"""The time something was done in the field, as a device sends it (``occurred_at``).

Phones work offline and send later, so a write carries the time it happened, not the time it
arrives. The server takes a past time within the field window (``GUOMEN_FIELD_WINDOW_HOURS``,
72 hours by default) and a time at most ``GUOMEN_FIELD_SKEW_MINUTES`` ahead of its own clock
(a device's clock runs a little fast); anything else is refused with a reason and changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.errors import DomainError


def window() -> timedelta:
    return timedelta(hours=getattr(settings, "GUOMEN_FIELD_WINDOW_HOURS", 72))


def skew() -> timedelta:
    return timedelta(minutes=getattr(settings, "GUOMEN_FIELD_SKEW_MINUTES", 10))


def occurred_at(value: datetime | None, field: str = "occurred_at", *, now: datetime | None = None) -> datetime:
    """The time given, checked against the field window; the clock's now when none is given."""
    now = now or clock.now()
    if value is None:
        return now
    if not isinstance(value, datetime):
        raise DomainError("invalid_time", _("Give the time as a date and time."), status=422, details={"field": field})
    if timezone.is_naive(value):
        raise DomainError("naive_time", _("Give the time with its time zone."), status=422, details={"field": field})
    if value > now + skew():
        raise DomainError("time_in_future", _("The time given is in the future."), status=422, details={"field": field})
    if value < now - window():
        hours = int(window().total_seconds() // 3600)
        raise DomainError(
            "time_too_old",
            _(
                "This was done more than %(hours)d hours ago, which is past the window in which records made offline "
                "are taken. Ask your command to enter it."
            )
            % {"hours": hours},
            status=422,
            details={"field": field, "window_hours": hours},
        )
    return value
