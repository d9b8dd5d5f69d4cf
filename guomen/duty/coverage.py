"""Staffing coverage: who is on duty in every hour, against what each post requires.

Pure functions, no database: the app, the periodic task and the benchmark all call ``compute``.

Time is counted in *absolute hours*: ``hour_index(t) = floor(unix seconds / 3600)``. Whole
hours are the same instants in UTC and in every zone with a whole-hour offset (Asia/Shanghai is
UTC+8 all year), so the arithmetic never meets midnights, month ends or summer time; the local
zone is used only to say which *hour of the day* an absolute hour is (the requirement is given
per local hour of day) and to show results. A person counts for an hour only if their shift
covers the whole hour: a shift from 08:30 leaves 08:00–09:00 short (gaps are never hidden).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import pairwise, repeat
from typing import Any

import numpy as np

HOUR = 3600
HOURS_OF_DAY = 24


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


class _Rows(Mapping[Any, list[int]]):
    """Post → list of hourly values, read from one row of a matrix."""

    def __init__(self, index: dict[Any, int], matrix: np.ndarray) -> None:
        self._index, self._m = index, matrix

    def __getitem__(self, post: Any) -> list[int]:
        return self._m[self._index[post]].tolist()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


@dataclass
class Coverage:
    h0: int
    n: int
    staffed: Mapping[Any, list[int]]
    required: Mapping[Any, list[int]]
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

    Vectorised: one difference array per post (a row of a matrix) filled with ``bincount``, a running
    sum along the hours, a comparison with the requirement, and the runs of equal shortfall found
    from the points where the shortfall changes — no Python loop over hours or shifts.
    """
    posts = list(staffing)
    index = {post: r for r, post in enumerate(posts)}
    hods = np.asarray(hours_of_day(h0, n, tz), dtype=np.intp)
    stride = n + 1
    by_post = np.asarray([list(staffing[p]) for p in posts], dtype=np.int64).reshape(len(posts), HOURS_OF_DAY)
    required = by_post[:, hods]
    diff = np.zeros(len(posts) * stride, dtype=np.int64)
    rows_in = list(shifts)
    if rows_in and posts:
        ps, starts, ends, people = (list(map(operator.itemgetter(k), rows_in)) for k in range(4))  # zip(*rows) is slow here
        r = np.fromiter(map(index.get, ps, repeat(-1)), dtype=np.int64, count=len(ps))
        a = -np.floor_divide(-np.asarray(starts, dtype=np.float64), HOUR).astype(np.int64) - h0  # first whole hour
        b = np.floor_divide(np.asarray(ends, dtype=np.float64), HOUR).astype(np.int64) - h0  # end of the last whole hour
        a = np.clip(a, 0, n)
        b = np.clip(b, 0, n)
        w = np.asarray(people, dtype=np.int64)
        ok = (r >= 0) & (a < b)
        r, a, b, w = r[ok], a[ok], b[ok], w[ok]
        size = len(posts) * stride
        diff += np.bincount(r * stride + a, weights=w, minlength=size).astype(np.int64)
        diff -= np.bincount(r * stride + b, weights=w, minlength=size).astype(np.int64)
    staffed = np.cumsum(diff.reshape(len(posts), stride)[:, :n], axis=1)
    gaps: list[Gap] = []
    short_rows = np.flatnonzero((staffed < required).any(axis=1))
    if len(short_rows):
        sf = np.zeros((len(short_rows), n + 2), dtype=np.int64)
        sf[:, 1:-1] = np.maximum(required[short_rows] - staffed[short_rows], 0)
        rr, cc = np.nonzero(sf[:, 1:] != sf[:, :-1])  # where the shortfall changes: run boundaries
        same = rr[:-1] == rr[1:]
        run_rows, run_starts, run_ends = rr[:-1][same], cc[:-1][same], cc[1:][same]
        values = sf[run_rows, run_starts + 1]
        keep = values > 0
        for row, s0, s1, v in zip(
            run_rows[keep].tolist(), run_starts[keep].tolist(), run_ends[keep].tolist(), values[keep].tolist(), strict=True
        ):
            gaps.append(Gap(posts[short_rows[row]], h0 + s0, h0 + s1, v))
    return Coverage(h0, n, _Rows(index, staffed), _Rows(index, required), gaps)
