"""Builders for the public app's tests: everything goes through the real services."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from guomen.lib import clock
from guomen.places.models import BorderSegment

from .. import services


def who(username: str):
    return get_user_model().objects.get(username=username)


def published(author: str = "info", approver: str = "info2", **kw):
    b = services.bulletin_draft(
        actor=who(author),
        title_zh=kw.pop("title_zh", "瑞丽口岸暂停客运"),
        title_en=kw.pop("title_en", "Ruili port closed to passengers"),
        body_zh=kw.pop("body_zh", "即日起瑞丽口岸暂停旅客通关。"),
        body_en=kw.pop("body_en", "From today the Ruili port is closed to passengers."),
        **kw,
    )
    b = services.bulletin_submit(actor=who(author), bulletin=b)
    return services.bulletin_approve(actor=who(approver), bulletin=b)


def ruili_segment() -> BorderSegment:
    return BorderSegment.objects.filter(county__code="533102", responsible_person__isnull=False).order_by("code").first()


def point_on(seg: BorderSegment) -> tuple[float, float]:
    lon, lat = seg.geometry["coordinates"][1]
    return lat, lon


def report_near(seg: BorderSegment | None = None, dlat: float = 0.0, hours_ago: float = 1, **kw):
    seg = seg or ruili_segment()
    lat, lon = point_on(seg)
    return services.report_submit(
        kind=kw.pop("kind", "crossing"),
        what=kw.pop("what", "两人夜间从便道过境"),
        occurred_at=clock.now() - timedelta(hours=hours_ago),
        lat=lat + dlat,
        lon=lon,
        **kw,
    )
