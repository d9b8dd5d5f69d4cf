"""Coverage (staffed vs required, hour by hour) of 5,000 duty posts over 30 days of shifts.

A benchmark, not a test: it prints figures. The load is what 2,000 border segments need: 5,000
posts (2.5 per segment), each with a rotation of 2 × 12 h or 3 × 8 h shifts for 30 days (about
375,000 shifts), 1 % of shifts missing, requirements of 1–3 people by hour of day.

Default: purely in memory, timing ``guomen.duty.coverage.compute`` — the function the roster page,
the gap API and the periodic alert task all call — on the generated shifts (the target is < 2 s
on 2 cores).

``--db``: also writes the posts and shifts into a throwaway database (a SQLite file in a
temporary folder, or ``guomen_bench_<random>`` on the PostgreSQL server named by DATABASE_URL),
and times ``guomen.duty.queries.coverage_for`` — reading the shifts and computing — for the next
24 hours (what the periodic task does) and for the whole 30 days. The database is dropped at the end.

    .venv/bin/python bench/duty_coverage.py
    .venv/bin/python bench/duty_coverage.py --db
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/duty_coverage.py --db
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
TZ_NAME = "Asia/Shanghai"


def generate(posts: int, days: int, seed: int = 2020) -> tuple[dict[int, list[int]], list[tuple[int, float, float, int]], int]:
    """Requirements per post and (post, start s, end s, people) shifts from local midnight of day 1."""
    from zoneinfo import ZoneInfo

    from guomen.duty.coverage import hour_index

    rng = random.Random(seed)
    tz = ZoneInfo(TZ_NAME)
    day0 = datetime(2020, 3, 1, tzinfo=tz)  # across the end of March
    h0 = hour_index(day0)
    t0 = day0.timestamp()
    staffing: dict[int, list[int]] = {}
    shifts: list[tuple[int, float, float, int]] = []
    for p in range(posts):
        need = rng.choice([1, 2, 2, 3])
        staffing[p] = [need] * 24
        per_day = rng.choice([2, 3])
        length = 24 // per_day * 3600
        first = 8 * 3600 if per_day == 2 else 0
        start = t0 + first - (length if first else 0)  # the night shift that began the day before
        end_t = t0 + days * 86400
        while start < end_t:
            if rng.random() >= 0.01:
                shifts.append((p, start, start + length, need))
            start += length
    return staffing, shifts, h0


def time_memory(posts: int, days: int, runs: int) -> None:
    from zoneinfo import ZoneInfo

    from guomen.duty.coverage import compute

    staffing, shifts, h0 = generate(posts, days)
    tz = ZoneInfo(TZ_NAME)
    times, floor, gaps = [], [], 0
    for _ in range(runs):
        t = time.perf_counter()
        cov = compute(staffing, shifts, h0, days * 24, tz)
        times.append(time.perf_counter() - t)
        gaps = len(cov.gaps)
        t = time.perf_counter()
        one_pass(shifts)
        floor.append(time.perf_counter() - t)
    print(f"in memory: {posts} posts, {len(shifts)} shifts, {days * 24} hours, {gaps} gaps")
    print(f"  compute: median {statistics.median(times):.3f} s, best {min(times):.3f} s of {runs} runs")
    print(
        f"  one pass over the same shifts adding up their person-hours per post, alternately: median {statistics.median(floor):.3f} s; "
        f"compute / that pass {_ratio(times, floor)}"
    )


def one_pass(shifts: list[tuple[int, float, float, int]]) -> dict[int, float]:
    """The floor of any coverage computation: every shift looked at once, its person-hours added to its post's."""
    staffed: dict[int, float] = {}
    for p, s, e, n in shifts:
        staffed[p] = staffed.get(p, 0.0) + (e - s) * n
    return staffed


def _ratio(times: list[float], reference: list[float]) -> str:
    """The median of the ratios of each run to the reference measured next to it, and each pair's."""
    pairs = [a / b for a, b in zip(times, reference, strict=True)]
    return f"{statistics.median(pairs):.1f}x (pairs {', '.join(f'{x:.1f}' for x in pairs)})"


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    tmp = Path(tempfile.mkdtemp(prefix="guomen-bench-"))
    base = os.environ.get("DATABASE_URL", "").strip()
    dropped: tuple[str, str] | None = None
    try:
        if base.startswith(("postgres://", "postgresql://", "pgsql://")):
            import psycopg
            from psycopg import sql

            parts = urlsplit(base)
            name = f"guomen_bench_{secrets.token_hex(4)}"
            admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            dropped = (admin, name)
            url = urlunsplit(parts._replace(path="/" + name))
        else:
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        os.environ["DATABASE_URL"] = url
        os.environ["GUOMEN_VAR_DIR"] = str(tmp)
        yield url
    finally:
        if dropped:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            import psycopg
            from psycopg import sql

            with psycopg.connect(dropped[0], autocommit=True) as c:
                c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dropped[1])))
        shutil.rmtree(tmp, ignore_errors=True)


def time_database(posts: int, days: int, runs: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guomen.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from guomen.duty.demo import _insert
    from guomen.duty.models import DutyPost, Shift, ShiftMember
    from guomen.duty.queries import coverage_for
    from guomen.org.demo import generate_demo_units
    from guomen.org.models import Unit
    from guomen.places.reference import load_reference

    call_command("migrate", verbosity=0)
    load_reference()
    generate_demo_units()
    unit = Unit.objects.get(code="c533102-patrol")
    staffing, shifts, h0 = generate(posts, days)
    t = time.perf_counter()
    from django.contrib.auth import get_user_model

    people = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bench{i}", password="!") for i in range(3)]  # one member per needed person
    )
    with transaction.atomic():
        rows = DutyPost.objects.bulk_create(
            [
                DutyPost(
                    code=f"bench-{p}",
                    name_zh=f"岗{p}",
                    name_en=f"Post {p}",
                    kind="segment_point",
                    unit=unit,
                    jurisdiction=unit.jurisdiction,
                    staffing=req,
                )
                for p, req in staffing.items()
            ],
            batch_size=1000,
        )
        pk = {p: r.pk for p, r in zip(staffing, rows, strict=True)}
        now = datetime.now(UTC)
        shift_rows = [
            (
                uuid.uuid4(),
                pk[p],
                datetime.fromtimestamp(s, UTC),
                datetime.fromtimestamp(e, UTC),
                unit.pk,
                unit.jurisdiction_id,
                None,
                now,
                n,
            )
            for p, s, e, n in shifts
        ]
        _insert(Shift, ["public_id", "post", "start", "end", "unit", "jurisdiction", "template", "created_at", "headcount"], shift_rows)
        ids = {(p, s): i for i, p, s in Shift.objects.values_list("pk", "post_id", "start")}
        member_rows = [
            (ids[(pk[p], datetime.fromtimestamp(s, UTC))], people[k].pk, datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC))
            for p, s, e, n in shifts
            for k in range(n)
        ]
        _insert(ShiftMember, ["shift", "user", "start", "end"], member_rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(f"database ({connection.vendor}): {len(shifts)} shifts, {len(member_rows)} members written in {time.perf_counter() - t:.1f} s")
    from guomen.duty.coverage import hour_start

    qs = DutyPost.objects.filter(active=True)
    for label, start, hours in (("next 24 h", hour_start(h0 + 24 * 10), 24), (f"{days} days", hour_start(h0), days * 24)):
        statements = statements_of(coverage_for, qs, start, hours)
        times, raw, gaps = [], [], 0
        for _ in range(runs):
            t = time.perf_counter()
            cov, _posts = coverage_for(qs, start, hours)
            times.append(time.perf_counter() - t)
            gaps = len(cov.gaps)
            raw.append(read_raw(statements))
        print(f"  coverage_for {label}: median {statistics.median(times):.3f} s, best {min(times):.3f} s of {runs} runs ({gaps} gaps)")
        print(
            f"    its {len(statements)} SQL statements alone (executed and fetched by the driver), alternately: "
            f"median {statistics.median(raw):.3f} s; coverage_for / its statements {_ratio(times, raw)}"
        )


def statements_of(fn: Any, *args: Any) -> list[tuple[str, Any]]:
    """The SQL statements (text and parameters) one call of ``fn`` sends."""
    from django.db import connection

    seen: list[tuple[str, Any]] = []

    def record(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        fn(*args)
    return seen


def read_raw(statements: list[tuple[str, Any]]) -> float:
    """Seconds to execute the statements and fetch every row, with nothing of the application around them."""
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        for sql, params in statements:
            cur.execute(sql, params)
            cur.fetchall()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=5000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--db", action="store_true", help="also time reading the shifts from a throwaway database")
    args = ap.parse_args()
    print(f"python {platform.python_version()} · {os.cpu_count()} cpus · {platform.machine()}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guomen.settings")
    if not args.db:
        time_memory(args.posts, args.days, args.runs)
        return
    with throwaway_database():
        time_memory(args.posts, args.days, args.runs)
        time_database(args.posts, args.days, max(args.runs // 2, 1))


if __name__ == "__main__":
    main()
