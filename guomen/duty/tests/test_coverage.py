"""Hour arithmetic and the (numpy) coverage computation production runs (pure functions, no database)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from guomen.duty import coverage as cov

SH = ZoneInfo("Asia/Shanghai")


def _s(y, m, d, h, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SH).timestamp()


def test_local_days_are_24_hours_across_month_ends_and_leap_day():
    starts = cov.local_day_starts(date(2020, 1, 30), 33, SH)  # through 31 Jan, 29 Feb (leap), 1 Mar
    assert all(b - a == 24 for a, b in itertools.pairwise(starts))
    assert cov.hour_start(starts[2]) == datetime(2020, 1, 31, 16, tzinfo=UTC)  # 1 Feb 00:00 in Shanghai


def test_hour_of_day_is_local_across_midnight():
    h0 = cov.hour_index(datetime(2020, 2, 29, 22, tzinfo=SH))
    assert cov.hours_of_day(h0, 4, SH) == [22, 23, 0, 1]


def test_night_shift_across_month_end_counts_every_hour_once():
    h0 = cov.hour_index(datetime(2020, 3, 31, 0, tzinfo=SH))
    staffed = cov.compute({"p": [0] * 24}, [("p", _s(2020, 3, 31, 20), _s(2020, 4, 1, 8), 2)], h0, 48, SH).staffed["p"]
    assert staffed[:20] == [0] * 20
    assert staffed[20:32] == [2] * 12  # 31 Mar 20:00 → 1 Apr 08:00
    assert staffed[32:] == [0] * 16


def test_a_person_counts_only_for_whole_hours_of_the_shift():
    h0 = cov.hour_index(datetime(2020, 4, 1, 8, tzinfo=SH))
    c = cov.compute({"p": [1] * 24}, [("p", _s(2020, 4, 1, 8, 30), _s(2020, 4, 1, 11, 15), 1)], h0, 4, SH)
    assert c.staffed["p"] == [0, 1, 1, 0]
    assert [(g.hours, g.shortfall) for g in c.gaps] == [(1, 1), (1, 1)]  # 08:00–09:00 and 11:00–12:00 are short


def test_shifts_of_unknown_posts_and_outside_the_window_are_ignored():
    h0 = cov.hour_index(datetime(2020, 4, 1, 8, tzinfo=SH))
    shifts = [("other", _s(2020, 4, 1, 8), _s(2020, 4, 1, 12), 3), ("p", _s(2020, 4, 1, 0), _s(2020, 4, 1, 9), 1)]
    assert cov.compute({"p": [1] * 24}, shifts, h0, 4, SH).staffed["p"] == [1, 0, 0, 0]


def test_requirement_by_local_hour_of_day_and_gaps_merge_runs():
    h0 = cov.hour_index(datetime(2020, 1, 31, 0, tzinfo=SH))
    staffing = {"p": [1] * 8 + [2] * 12 + [1] * 4}
    day_shift = ("p", _s(2020, 1, 31, 8), _s(2020, 1, 31, 20), 2)
    night_part = ("p", _s(2020, 1, 31, 20), _s(2020, 2, 1, 2), 1)
    c = cov.compute(staffing, [day_shift, night_part], h0, 48, SH)
    spans = [(cov.hour_start(g.start).astimezone(SH), cov.hour_start(g.end).astimezone(SH), g.shortfall) for g in c.gaps]
    assert spans == [
        (datetime(2020, 1, 31, 0, tzinfo=SH), datetime(2020, 1, 31, 8, tzinfo=SH), 1),
        (datetime(2020, 2, 1, 2, tzinfo=SH), datetime(2020, 2, 1, 8, tzinfo=SH), 1),
        (datetime(2020, 2, 1, 8, tzinfo=SH), datetime(2020, 2, 1, 20, tzinfo=SH), 2),
        (datetime(2020, 2, 1, 20, tzinfo=SH), datetime(2020, 2, 2, 0, tzinfo=SH), 1),
    ]
    days = cov.local_day_starts(date(2020, 1, 31), 2, SH)
    assert c.day_classes("p", days) == ["bad", "bad"]


def test_fully_staffed_day_is_ok_and_short_day_is_warn():
    h0 = cov.hour_index(datetime(2020, 5, 1, 0, tzinfo=SH))
    shifts = [("p", _s(2020, 5, 1, 0) + k * 43200, _s(2020, 5, 1, 0) + (k + 1) * 43200, 2 if k != 3 else 1) for k in range(4)]
    c = cov.compute({"p": [2] * 24}, shifts, h0, 48, SH)
    assert c.day_classes("p", cov.local_day_starts(date(2020, 5, 1), 2, SH)) == ["ok", "warn"]
    assert [(g.hours, g.shortfall) for g in c.gaps] == [(12, 1)]
    assert c.gaps[0].start_at == datetime(2020, 5, 2, 12, tzinfo=SH).astimezone(UTC)
    assert timedelta(hours=12) == c.gaps[0].end_at - c.gaps[0].start_at
