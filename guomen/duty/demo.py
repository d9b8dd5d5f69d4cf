"""Demo duty: two posts per border county, a month of shifts around today with a few deliberate gaps,
patrols with tracks along the demo segments, incidents and tasks. Everything is marked demo."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from shapely.geometry import shape

from guomen.lib import clock
from guomen.org.models import Membership, Role, Unit
from guomen.places.models import BorderSegment, Jurisdiction, Level, Passage

from .models import (
    DutyLogEntry,
    DutyPost,
    DutyTask,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentTransition,
    LogCategory,
    Patrol,
    PatrolStatus,
    PointSource,
    PostKind,
    RosterTemplate,
    Shift,
    ShiftMember,
    TaskStatus,
    TrackPoint,
)
from .services import patrol_recompute, roster_plan

DAYS_BEFORE, DAYS = 14, 30
FEATURED = {"533102", "532823"}  # Ruili and Mengla, the demo users' counties


def _short(name_zh: str) -> str:
    return name_zh.removesuffix("（示例）")


def _users(specs: list[tuple[str, str]]) -> dict[str, Any]:
    User = get_user_model()
    have = set(User.objects.filter(username__in=[u for u, _n in specs]).values_list("username", flat=True))
    User.objects.bulk_create([User(username=u, first_name=n[:150], password="!demo-no-password") for u, n in specs if u not in have])  # noqa: S106
    return {u.username: u for u in User.objects.filter(username__in=[u for u, _n in specs])}


def _track(segment: BorderSegment, start: datetime, rng: random.Random, upto: float = 1.0) -> list[tuple[datetime, float, float]]:
    """Points along the segment (lon/lat), about 400 m and two minutes apart, offset by a few tens of metres."""
    line = shape(segment.geometry)
    n = max(int(segment.length_km * 2.5 * upto), 8)
    out = []
    for i in range(n + 1):
        p = line.interpolate(upto * i / n, normalized=True)
        out.append((start + timedelta(minutes=2 * i), p.y + rng.uniform(-3e-4, 3e-4), p.x + rng.uniform(-3e-4, 3e-4)))
    return out


@transaction.atomic
def generate_demo_duty(seed: int = 2020) -> int:
    if DutyPost.objects.filter(is_demo=True).exists():
        return DutyPost.objects.filter(is_demo=True).count()
    rng = random.Random(seed)
    tz = timezone.get_current_timezone()
    today = clock.today()
    first_day = today - timedelta(days=DAYS_BEFORE)
    now = clock.now()
    counties = [c for c in Jurisdiction.objects.filter(level=Level.COUNTY).order_by("code") if c.borders]
    units = {u.code: u for u in Unit.objects.filter(code__endswith="-patrol") | Unit.objects.filter(code__endswith="-post")}
    shifts: list[tuple[Any, ...]] = []
    members: list[list[Any]] = []
    memberships = []
    posts = 0
    for ci, county in enumerate(counties):
        team, station = units.get(f"c{county.code}-patrol"), units.get(f"c{county.code}-post")
        if team is None or station is None:
            continue
        zh, en = _short(county.name_zh), county.name_en.split()[0]
        featured = ci % 6 == 0 or county.code in FEATURED  # patrols, incidents and tasks here
        passage = Passage.objects.filter(county=county).order_by("kind", "code").first()
        segment = BorderSegment.objects.filter(county=county).order_by("-risk", "code").first()
        specs = [(f"duty_{county.code}_{k}", f"{zh}执勤队员{k}（示例）") for k in range(1, 8)]
        people = _users(specs)
        roster = [people[u] for u, _n in specs]
        if county.code == "533102":
            roster[4] = get_user_model().objects.get(username="ruili_patrol")
        memberships += [Membership(user=u, unit=team, role=Role.PATROL_MEMBER) for u in roster]
        checkpoint = DutyPost.objects.create(
            code=f"post-{county.code}-gate",
            name_zh=f"{passage.name_zh if passage else zh}执勤卡点（示例）",
            name_en=f"{passage.name_en if passage else en} checkpoint (demo)",
            kind=PostKind.CHECKPOINT,
            unit=station,
            jurisdiction=county,
            passage=passage,
            lon=passage.lon if passage else county.lon,
            lat=passage.lat if passage else county.lat,
            staffing=[2] * 24,
            is_demo=True,
        )
        point = DutyPost.objects.create(
            code=f"post-{county.code}-line",
            name_zh=f"{zh}边境线执勤点（示例）",
            name_en=f"{en} border line post (demo)",
            kind=PostKind.SEGMENT_POINT,
            unit=team,
            jurisdiction=county,
            segment=segment,
            lon=shape(segment.geometry).interpolate(0.5, normalized=True).x if segment else county.lon,
            lat=shape(segment.geometry).interpolate(0.5, normalized=True).y if segment else county.lat,
            staffing=[1] * 24,
            is_demo=True,
        )
        posts += 2
        for post, per_day, per_shift, ring in ((checkpoint, 2, 2, roster[:4]), (point, 3, 1, roster[4:])):
            t = RosterTemplate.objects.create(
                post=post,
                name=f"{per_day} × {24 // per_day} h",
                shifts_per_day=per_day,
                first_hour=8,
                per_shift=per_shift,
                members=[u.pk for u in ring],
            )
            by_id = {u.pk: u for u in ring}
            plan = roster_plan(t, first_day, DAYS)
            for k, (start, end, ids) in enumerate(plan):
                # Deliberate gaps: every fourth county misses tomorrow's night shift at its checkpoint and one earlier shift.
                if ci % 4 == 0 and post is checkpoint and k in (2 * (DAYS_BEFORE + 1) + 1, 2 * 3 + 1):
                    continue
                # ...and every fifth line post is one person short on the evening of the day after tomorrow.
                if ci % 5 == 1 and post is point and k == 3 * (DAYS_BEFORE + 2) + 1:
                    continue
                shifts.append((post.pk, start, end, post.unit_id, county.pk, t.pk))
                members.append([by_id[i] for i in ids])
        # Patrols: two ended last week with tracks, one under way, one planned for tomorrow.
        if segment is not None and featured:
            leader = roster[4]
            for d, share, status in (
                (-6, 1.0, PatrolStatus.ENDED),
                (-2, 0.7, PatrolStatus.ENDED),
                (0, 0.3, PatrolStatus.STARTED),
                (1, 0, PatrolStatus.PLANNED),
            ):
                day = today + timedelta(days=d)
                ws = datetime(day.year, day.month, day.day, 9, tzinfo=tz).astimezone(UTC)
                if status == PatrolStatus.STARTED:
                    ws = now - timedelta(hours=1)
                points = [x for x in _track(segment, ws + timedelta(minutes=10), rng, share) if x[0] <= now] if share else []
                p = Patrol.objects.create(
                    team=team,
                    jurisdiction=county,
                    leader=leader,
                    window_start=ws,
                    window_end=ws + timedelta(hours=6),
                    status=status,
                    started_at=points[0][0] if points else None,
                    ended_at=points[-1][0] if points and status == PatrolStatus.ENDED else None,
                    note="（示例）",
                    is_demo=True,
                )
                p.segments.set([segment])
                TrackPoint.objects.bulk_create(
                    [
                        TrackPoint(
                            patrol=p, client_id=f"demo-{i}", at=at, lat=la, lon=lo, accuracy=15, source=PointSource.CHECKIN, by=leader
                        )
                        for i, (at, la, lo) in enumerate(points)
                    ]
                )
                if points:
                    patrol_recompute(patrol=p)
                if status == PatrolStatus.ENDED:
                    DutyLogEntry.objects.create(
                        patrol=p,
                        unit=team,
                        jurisdiction=county,
                        at=points[-1][0],
                        author=leader,
                        category=LogCategory.OBSERVATION,
                        text="沿线巡查完毕，未发现异常（示例）",
                    )
        # Incidents and tasks in a few counties.
        if featured:
            finder = roster[0]
            for kind, status, hours_ago, text in (
                (IncidentKind.SUSPICIOUS, IncidentStatus.FOUND, 3, "便道附近发现不明人员活动痕迹（示例）"),
                (IncidentKind.DAMAGED_FENCE, IncidentStatus.HANDLED, 30, "边境铁丝网一处破损约2米（示例）"),
                (IncidentKind.SMUGGLING, IncidentStatus.CLOSED, 120, "查获走私冻品一批（示例）"),
            ):
                at = now - timedelta(hours=hours_ago)
                inc = Incident.objects.create(
                    code=f"INC-DEMO-{county.code}-{kind[:4].upper()}",
                    kind=kind,
                    status=status,
                    unit=team,
                    jurisdiction=county,
                    found_at=at,
                    found_by=finder,
                    segment=segment,
                    place=segment.code if segment else "",
                    description=text,
                    is_demo=True,
                )
                flow = [
                    IncidentStatus.FOUND,
                    IncidentStatus.REPORTED,
                    IncidentStatus.HANDLED,
                    IncidentStatus.VERIFIED,
                    IncidentStatus.CLOSED,
                ]
                steps = flow[: flow.index(status) + 1]
                IncidentTransition.objects.bulk_create(
                    [
                        IncidentTransition(
                            incident=inc,
                            from_status=steps[i - 1] if i else "",
                            to_status=s,
                            actor=finder,
                            at=at + timedelta(hours=i),
                            note="（示例）",
                        )
                        for i, s in enumerate(steps)
                    ]
                )
            DutyTask.objects.create(
                title=f"修复{segment.code if segment else zh}段破损围网（示例）",
                unit=team,
                assignee=roster[1],
                jurisdiction=county,
                segment=segment,
                due_at=now + timedelta(hours=20),
                is_demo=True,
            )
            DutyTask.objects.create(
                title="核查便道封控设施并拍照上报（示例）",
                unit=team,
                jurisdiction=county,
                due_at=now + timedelta(days=2),
                status=TaskStatus.IN_PROGRESS,
                is_demo=True,
            )
    Membership.objects.bulk_create(memberships, ignore_conflicts=True)
    _insert(
        Shift,
        ["public_id", "post", "start", "end", "unit", "jurisdiction", "template", "created_at", "headcount"],
        [(uuid.uuid4(), *s, now, len(people)) for s, people in zip(shifts, members, strict=True)],
    )
    ids = {(p, st): pk for pk, p, st in Shift.objects.filter(post__is_demo=True).values_list("pk", "post_id", "start")}
    _insert(
        ShiftMember,
        ["shift", "user", "start", "end"],
        [(ids[(s[0], s[1])], u.pk, s[1], s[2]) for s, people in zip(shifts, members, strict=True) for u in people],
    )
    return posts


def _insert(model: Any, names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Many rows in one executemany: the month of demo shifts without building thousands of model objects."""
    fields = [model._meta.get_field(n) for n in names]
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({cols}) VALUES ({marks})"  # noqa: S608 - names from the model
    memo: dict[tuple[int, Any], Any] = {}  # the same few hundred times and ids recur across thousands of rows

    def prep(i: int, v: Any) -> Any:
        key = (i, v)
        if key not in memo:
            memo[key] = fields[i].get_db_prep_save(v, connection)
        return memo[key]

    prepped = [tuple(prep(i, v) for i, v in enumerate(row)) for row in rows]
    with connection.cursor() as cur:
        cur.executemany(sql, prepped)
