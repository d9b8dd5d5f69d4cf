"""Staffing coverage: who is on duty in every hour, against what each post requires.

Pure functions, no database: the app, the periodic task and the benchmark all call these.

Time is counted in *absolute hours*: ``hour_index(t) = floor(unix seconds / 3600)``. Whole
hours are the same instants in UTC and in every zone with a whole-hour offset (Asia/Shanghai is
UTC+8 all year), so the arithmetic never meets midnights, month ends or summer time; the local
zone is used only to say which *hour of the day* an absolute hour is (the requirement is given
per local hour of day) and to show results. A person counts for an hour only if their shift
covers the whole hour: a shift from 08:30 leaves 08:00–09:00 short (gaps are never hidden).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import accumulate, compress, pairwise
from typing import Any

HOUR = 3600


def hour_index(t: datetime) -> int:
    """The absolute hour that contains ``t`` (aware)."""
    return int(t.timestamp() // HOUR)


def hour_start(index: int) -> datetime:
    return datetime.fromtimestamp(index * HOUR, tz=UTC)


def hours_of_day(h0: int, n: int, tz: tzinfo) -> list[int]:
    """The local hour of day (0–23) of each absolute hour h0 … h0+n-1."""
    return [hour_start(h).astimezone(tz).hour for h in range(h0, h0 + n)]


def local_day_starts(first_day: Any, days: int, tz: tzinfo) -> list[int]:
    """Absolute hour index of local midnight of ``first_day`` + 0 … days (days+1 values)."""
    out = []
    for k in range(days + 1):
        d = first_day + timedelta(days=k)
        out.append(hour_index(datetime(d.year, d.month, d.day, tzinfo=tz)))
    return out


@dataclass(frozen=True)
class Gap:
    post: Any  # the post's key (id or code)
    start: int  # absolute hour index, inclusive
    end: int  # exclusive
    shortfall: int  # people missing in each of these hours

    @property
    def hours(self) -> int:
        return self.end - self.start

    @property
    def start_at(self) -> datetime:
        return hour_start(self.start)

    @property
    def end_at(self) -> datetime:
        return hour_start(self.end)


def staffed_hours(shifts: Iterable[tuple[float, float, int]], h0: int, n: int) -> list[int]:
    """People on duty in each hour h0 … h0+n-1, from (start seconds, end seconds, people) per shift.

    A difference array: +people at the first whole hour, −people after the last; one running sum.
    """
    diff = [0] * (n + 1)
    for start, end, people in shifts:
        a = -(-int(start) // HOUR) - h0  # ceil: the first whole hour inside the shift
        b = int(end) // HOUR - h0  # floor: the end of the last whole hour
        if a < 0:
            a = 0
        if b > n:
            b = n
        if a < b:
            diff[a] += people
            diff[b] -= people
    return list(accumulate(diff[:n]))


def required_hours(staffing: Sequence[int], hods: Sequence[int]) -> list[int]:
    return [staffing[h] for h in hods]


def shortfalls(staffed: Sequence[int], required: Sequence[int]) -> list[int]:
    return list(map(operator.sub, required, staffed))


def gaps_of(post: Any, staffed: Sequence[int], required: Sequence[int], h0: int) -> list[Gap]:
    """Runs of consecutive hours with the same shortfall (> 0)."""
    short_at = list(compress(range(len(required)), map(operator.lt, staffed, required)))
    if not short_at:
        return []
    out: list[Gap] = []
    run_start = prev = short_at[0]
    missing = required[prev] - staffed[prev]
    for i in short_at[1:]:
        m = required[i] - staffed[i]
        if i != prev + 1 or m != missing:
            out.append(Gap(post, h0 + run_start, h0 + prev + 1, missing))
            run_start, missing = i, m
        prev = i
    out.append(Gap(post, h0 + run_start, h0 + prev + 1, missing))
    return out


@dataclass
class Coverage:
    h0: int
    n: int
    staffed: dict[Any, list[int]]
    required: dict[Any, list[int]]
    gaps: list[Gap]

    def day_classes(self, post: Any, day_starts: Sequence[int]) -> list[str]:
        """One class per local day: ``ok`` (every hour staffed as required), ``warn`` (short, never empty
        where someone is required), ``bad`` (some required hour with nobody), ``none`` (outside the window)."""
        staffed, required = self.staffed[post], self.required[post]
        out = []
        for a, b in pairwise(day_starts):
            i, j = max(a - self.h0, 0), min(b - self.h0, self.n)
            if i >= j:
                out.append("none")
                continue
            s, r = staffed[i:j], required[i:j]
            if all(map(operator.ge, s, r)):
                out.append("ok")
            elif any(x == 0 and y > 0 for x, y in zip(s, r, strict=True)):
                out.append("bad")
            else:
                out.append("warn")
        return out


def compute(
    staffing: Mapping[Any, Sequence[int]],
    shifts: Iterable[tuple[Any, float, float, int]],
    h0: int,
    n: int,
    tz: tzinfo,
) -> Coverage:
    """Coverage of every post in ``staffing`` over hours h0 … h0+n-1.

    ``staffing``: post → 24 required counts by local hour of day; ``shifts``: (post, start seconds,
    end seconds, people). Shifts of posts not in ``staffing`` are ignored.
    """
    hods = hours_of_day(h0, n, tz)
    by_post: dict[Any, list[tuple[float, float, int]]] = {p: [] for p in staffing}
    for post, start, end, people in shifts:
        bucket = by_post.get(post)
        if bucket is not None:
            bucket.append((start, end, people))
    required_cache: dict[tuple[int, ...], list[int]] = {}
    staffed_out: dict[Any, list[int]] = {}
    required_out: dict[Any, list[int]] = {}
    gaps: list[Gap] = []
    for post, req in staffing.items():
        key = tuple(req)
        required = required_cache.get(key)
        if required is None:
            required = required_cache[key] = required_hours(key, hods)
        staffed = staffed_hours(by_post[post], h0, n)
        staffed_out[post] = staffed
        required_out[post] = required
        gaps.extend(gaps_of(post, staffed, required, h0))
    return Coverage(h0, n, staffed_out, required_out, gaps)
