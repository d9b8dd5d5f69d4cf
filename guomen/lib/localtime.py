"""The system's local time: the zone it runs in (settings.TIME_ZONE, Asia/Shanghai by default),
whatever zone a request has activated. Days on dashboards and counters are local days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings


def zone() -> ZoneInfo:
    return ZoneInfo(str(settings.TIME_ZONE))


def local_day(at: datetime) -> date:
    """The local day an aware datetime falls on."""
    return at.astimezone(zone()).date()
