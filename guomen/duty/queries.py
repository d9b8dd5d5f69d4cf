"""Reads of the duty app, always through Scope."""

from __future__ import annotations

import bisect
import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, FloatField, Func, QuerySet, Sum
from django.utils import timezone

from guomen.lib import clock
from guomen.org.scoping import Scope
from guomen.places.models import BorderSegment

from . import coverage as cov
from .models import (
    MAX_SHIFT_HOURS,
    OPEN_TASK_STATUSES,
    DutyPost,
    DutyTask,
    Incident,
    IncidentStatus,
    Patrol,
    PatrolSegment,
    PatrolStatus,
    Shift,
    ShiftMember,
)


class Epoch(Func):
    """Seconds since 1970 of a datetime column, computed by the database (no datetime objects to build)."""

    output_field = FloatField()
    template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) AS double precision)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # julianday is a double: round to milliseconds so that a whole hour stays a whole hour.
        return self.as_sql(compiler, connection, template="ROUND((julianday(%(expressions)s) - 2440587.5) * 86400.0, 3)", **extra)


def shift_rows(posts: QuerySet[DutyPost], start: datetime, end: datetime) -> list[tuple[int, float, float, int]]:
    """(post id, start seconds, end seconds, people) of every shift of ``posts`` overlapping [start, end).

    No shift is longer than MAX_SHIFT_HOURS, so the start is bounded on both sides: one tight range
    of the (start, end) index, whatever the number of older shifts.
    """
    rows = (
        Shift.objects.filter(post__in=posts, start__lt=end, start__gte=start - timedelta(hours=MAX_SHIFT_HOURS), end__gt=start)
        .order_by()
        .annotate(s=Epoch("start"), e=Epoch("end"))
        .values_list("post_id", "s", "e", "headcount")
    )
    return list(rows)


def coverage_for(
    posts: QuerySet[DutyPost], start: datetime, hours: int, *, all_posts: bool = False
) -> tuple[cov.Coverage, dict[int, DutyPost]]:
    """Coverage of ``posts`` for ``hours`` whole hours from the hour containing ``start``, and the post
    rows by id — of the posts with a gap only, unless ``all_posts`` (thousands of model objects cost
    more than the whole computation)."""
    h0 = cov.hour_index(start)
    window_start, window_end = cov.hour_start(h0), cov.hour_start(h0 + hours)
    staffing = dict(posts.values_list("pk", "staffing"))
    result = cov.compute(staffing, shift_rows(posts, window_start, window_end), h0, hours, timezone.get_current_timezone())
    if all_posts:
        by_id = {p.pk: p for p in posts.select_related("unit", "jurisdiction")}
    else:
        wanted = sorted({g.post for g in result.gaps})
        by_id = {}
        for k in range(0, len(wanted), 500):
            by_id.update(DutyPost.objects.select_related("unit", "jurisdiction").in_bulk(wanted[k : k + 500]))
    return result, by_id


def posts(scope: Scope) -> QuerySet[DutyPost]:
    return scope.filter(DutyPost.objects.filter(active=True)).select_related("unit", "jurisdiction")


@dataclass
class Roster:
    first_day: date
    days: list[date]
    rows: list[dict[str, Any]]  # {"post", "cells": [{"day", "cls", "short"}]}
    gaps: list[dict[str, Any]]  # {"post", "start", "end", "hours", "shortfall"}


def month_bounds(month: str | None) -> tuple[date, int]:
    today = clock.today()
    try:
        y, m = (int(x) for x in (month or "").split("-"))
        first = date(y, m, 1)
    except (ValueError, TypeError):
        first = today.replace(day=1)
    return first, calendar.monthrange(first.year, first.month)[1]


def roster(post_qs: QuerySet[DutyPost], first_day: date, days: int) -> Roster:
    """Posts × local days, each cell classed ok / warn / bad, and the gaps listed."""
    tz = timezone.get_current_timezone()
    day_starts = cov.local_day_starts(first_day, days, tz)
    h0, n = day_starts[0], day_starts[-1] - day_starts[0]
    c, by_id = coverage_for(post_qs, cov.hour_start(h0), n, all_posts=True)
    day_list = [first_day + timedelta(days=k) for k in range(days)]
    short_by_post: dict[int, dict[int, int]] = {}
    for g in c.gaps:
        per_day = short_by_post.setdefault(g.post, {})
        for h in range(g.start, g.end):
            k = bisect.bisect_right(day_starts, h) - 1
            per_day[k] = per_day.get(k, 0) + 1
    rows = []
    for pk, post in by_id.items():
        classes = c.day_classes(pk, day_starts)
        short = short_by_post.get(pk, {})
        rows.append({"post": post, "cells": [{"day": d, "cls": classes[k], "short": short.get(k, 0)} for k, d in enumerate(day_list)]})
    gaps = [
        {
            "post": by_id[g.post],
            "start": timezone.localtime(g.start_at),
            "end": timezone.localtime(g.end_at),
            "hours": g.hours,
            "shortfall": g.shortfall,
        }
        for g in c.gaps
    ]
    return Roster(first_day, day_list, rows, gaps)


def my_shifts(user: Any, since: datetime, days: int = 7) -> QuerySet[Shift]:
    ids = ShiftMember.objects.filter(user=user, end__gt=since, start__lt=since + timedelta(days=days)).values("shift_id")
    return Shift.objects.filter(pk__in=ids).select_related("post").order_by("start")


def my_patrols(user: Any) -> QuerySet[Patrol]:
    scope = Scope.of(user)
    return (
        scope.filter(Patrol.objects.filter(status__in=[PatrolStatus.PLANNED, PatrolStatus.STARTED]))
        .select_related("team", "leader")
        .order_by("window_start")
    )


def patrols(scope: Scope) -> QuerySet[Patrol]:
    return scope.filter(Patrol.objects.all()).select_related("team", "leader").prefetch_related("segments")


def segments(scope: Scope) -> QuerySet[BorderSegment]:
    return scope.filter(BorderSegment.objects.all()).select_related("county", "responsible_unit", "responsible_person")


def segment_effort(scope: Scope, weeks: int = 4) -> list[dict[str, Any]]:
    """Per segment and week (local Monday): km walked, hours, best coverage of one patrol, patrols."""
    since = clock.today() - timedelta(days=7 * weeks)
    rows = (
        PatrolSegment.objects.filter(segment__in=segments(scope), week__gte=since)
        .values("segment_id", "week")
        .annotate(km=Sum("walked_km"), hours=Sum("hours"), n=Count("patrol_id"))
        .order_by("segment_id", "-week")
    )
    best: dict[tuple[int, date], float] = {}
    for r in PatrolSegment.objects.filter(segment__in=segments(scope), week__gte=since).values("segment_id", "week", "share"):
        key = (r["segment_id"], r["week"])
        best[key] = max(best.get(key, 0), r["share"])
    segs = {s.pk: s for s in segments(scope).filter(pk__in={r["segment_id"] for r in rows})}
    return [
        {**r, "segment": segs[r["segment_id"]], "share": best.get((r["segment_id"], r["week"]), 0)} for r in rows if r["segment_id"] in segs
    ]


def open_tasks(scope: Scope) -> QuerySet[DutyTask]:
    return scope.filter(DutyTask.objects.filter(status__in=OPEN_TASK_STATUSES)).select_related("unit", "assignee")


def open_incidents(scope: Scope) -> QuerySet[Incident]:
    return scope.filter(Incident.objects.exclude(status=IncidentStatus.CLOSED)).select_related("unit", "segment", "passage")


def command_figures(*, scope: Scope, jurisdiction: Any, now: datetime) -> dict[str, Any]:
    """The duty figures on the command dashboard, for ``jurisdiction``'s subtree.

    - ``patrol_coverage_week``: the share (percent) of the border line's length covered by this
      week's patrols (from local Monday), each segment counted by its best patrol, weighted by length;
    - ``uncovered_post_hours_24h``: post-hours short of their required staffing in the next 24 hours.
    """
    local_monday = timezone.localdate(now) - timedelta(days=timezone.localdate(now).weekday())
    segs = dict(scope.filter(BorderSegment.objects.filter(county__path__startswith=jurisdiction.path)).values_list("pk", "length_km"))
    best: dict[int, float] = {}
    for seg_id, share in PatrolSegment.objects.filter(segment_id__in=list(segs), week__gte=local_monday).values_list("segment_id", "share"):
        best[seg_id] = max(best.get(seg_id, 0.0), share)
    total_km = sum(segs.values())
    coverage = round(100 * sum(segs[k] * v for k, v in best.items()) / total_km, 1) if total_km else None
    post_qs = posts(scope).filter(jurisdiction__path__startswith=jurisdiction.path)
    result, _by_id = coverage_for(post_qs, now, 24)
    return {"patrol_coverage_week": coverage, "uncovered_post_hours_24h": sum(g.hours for g in result.gaps)}
