"""Builders for duty tests: everything goes through the real services."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from pyproj import Geod

from guomen.org.models import Membership, Role, Unit
from guomen.places.models import BorderSegment, Jurisdiction

from .. import services

_n = itertools.count(1)
GEOD = Geod(ellps="WGS84")
RUILI = "533102"


def unit(code: str = f"c{RUILI}-patrol") -> Unit:
    return Unit.objects.select_related("jurisdiction").get(code=code)


def who(username: str):
    return get_user_model().objects.get(username=username)


def members(n: int, team: Unit | None = None) -> list:
    team = team or unit()
    out = []
    for _ in range(n):
        u = get_user_model().objects.create_user(username=f"dutytest{next(_n)}", password=None, first_name="队员")
        Membership.objects.create(user=u, unit=team, role=Role.PATROL_MEMBER)
        out.append(u)
    return out


def post(staffing=2, team: Unit | None = None, actor=None):
    team = team or unit()
    k = next(_n)
    return services.post_create(
        actor=actor or who("ruili"), unit=team, code=f"test-post-{k}", name_zh=f"测试执勤点{k}", name_en=f"Test post {k}", staffing=staffing
    )


def local(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=timezone.get_current_timezone())


def straight_segment(km: float = 20.0, lon0: float = 97.80, lat0: float = 24.00) -> BorderSegment:
    """An east-west segment of ``km`` kilometres (geodesic) in Ruili, as GeoJSON."""
    lon1, _lat1, _ = GEOD.fwd(lon0, lat0, 90, km * 1000)
    pts = [GEOD.fwd(lon0, lat0, 90, km * 1000 * i / 20)[:2] for i in range(21)]
    assert abs(pts[-1][0] - lon1) < 1e-9
    from ..geo import length_km

    geometry = {"type": "LineString", "coordinates": [[lo, la] for lo, la in pts]}
    return BorderSegment.objects.create(
        code=f"test-seg-{next(_n)}",
        county=Jurisdiction.objects.get(code=RUILI),
        neighbour="MMR",
        geometry=geometry,
        length_km=length_km(geometry),
        responsible_unit=unit(),
    )


def track_along(seg: BorderSegment, share: float, start: datetime, offset_m: float = 50.0, step_m: float = 250.0):
    """(time, lat, lon) points along the first ``share`` of a straight segment, ``offset_m`` to the north."""
    (lon0, lat0), (_lon1, _lat1) = seg.geometry["coordinates"][0], seg.geometry["coordinates"][-1]
    total = seg.length_km * 1000 * share
    n = int(total // step_m)
    out = []
    for i in range(n + 1):
        d = min(i * step_m, total)
        lon, lat, _ = GEOD.fwd(lon0, lat0, 90, d)
        lon, lat, _ = GEOD.fwd(lon, lat, 0, offset_m)
        out.append((start + timedelta(minutes=3 * i), lat, lon))
    return out


def gpx_of(points) -> bytes:
    rows = "\n".join(
        f'<trkpt lat="{la:.7f}" lon="{lo:.7f}"><time>{t.strftime("%Y-%m-%dT%H:%M:%SZ")}</time></trkpt>' for t, la, lo in points
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>t</name><trkseg>\n{rows}\n</trkseg></trk></gpx>\n"
    ).encode()


def segment_in_ruili() -> BorderSegment:
    return BorderSegment.objects.filter(county__code=RUILI).order_by("code").first() or straight_segment()
