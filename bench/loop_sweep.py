"""Sweep time with 1,000 overdue journeys among 100k and among 1M open journeys.

A benchmark, not a test: it prints figures. It creates its own throwaway database (a SQLite file
in a temporary folder, or ``guomen_bench_<random>`` on the PostgreSQL server named by
DATABASE_URL), migrates it, loads the reference data and the demo units and users, then writes
open journeys in bulk SQL straight into loop_journey (one person each, the current policy, a
quarantine facility as custodian), all due in the future except 1,000 past due. No custody events
are written: the sweep reads only the journey rows. It then times ``loop.services.sweep`` (which
opens the 1,000 alerts) three times per size, closing the alerts and resetting ``alert_open``
between runs, and shows the plan of the sweep's selection query. The database is dropped at the
end, also on failure.

    .venv/bin/python bench/loop_sweep.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/loop_sweep.py --sizes 100000,1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import statistics
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
UNIT = "c533102-hotel1"


# --- throwaway database -----------------------------------------------------------------------------
from benchlib import _on_term, machine, throwaway_database  # noqa: E402 - after the sys.path setup


def db_label() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SHOW server_version")
            return f"PostgreSQL {c.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (WAL)"


# --- generation -----------------------------------------------------------------------------------------
PERSON_COLS = "public_id, name_native, name_latin, name_search, sex, birth_date, nationality, phone, category, registered_by_id, created_at"
JOURNEY_COLS = (
    "public_id, code, person_id, origin, port_id, origin_country, origin_place, destination_id, risk, policy_id, opened_at, "
    "state, custodian_id, jurisdiction_id, due_at, awaiting, last_seq, pending_unit_id, expected_at, room, facts, closed_at, "
    "alert_open, updated_at"
)


def generate(first: int, last: int, *, overdue: int, now: dt.datetime, unit_id: int, jurisdiction_id: int, policy_id: int) -> None:
    """Journeys numbered first..last (inclusive), one person each. Numbers 1..overdue are past due
    (by 1 s to ``overdue`` s); all others are due between 1 hour and 14 days from ``now``."""
    from django.db import connection, transaction

    n = last - first + 1
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("PRAGMA cache_size = -262144")  # 256 MB: the random uuid and code indexes stay in memory while inserting
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT COALESCE(MAX(id), 0) FROM people_person")
        before = c.fetchone()[0]
        if connection.vendor == "postgresql":
            c.execute(
                f"INSERT INTO people_person ({PERSON_COLS}) "  # noqa: S608 - a constant column list
                "SELECT gen_random_uuid(), '压测' || g || '（示例）', '', '', 'X', NULL, 'MMR', '', 'traveller', %s, %s "
                "FROM generate_series(%s, %s) AS g ORDER BY g",
                [unit_id, now, first, last],
            )
        else:
            c.execute(
                "WITH RECURSIVE g(x) AS (SELECT %s UNION ALL SELECT x + 1 FROM g WHERE x < %s) "  # noqa: S608 - a constant column list
                f"INSERT INTO people_person ({PERSON_COLS}) "
                "SELECT lower(hex(randomblob(16))), '压测' || x || '（示例）', '', '', 'X', NULL, 'MMR', '', 'traveller', %s, %s FROM g",
                [first, last, unit_id, now.strftime("%Y-%m-%d %H:%M:%S.%f")],
            )
        c.execute("SELECT MIN(id), MAX(id), COUNT(*) FROM people_person WHERE id > %s", [before])
        lo, hi, count = c.fetchone()
        if not (count == n and hi - lo + 1 == n):
            raise SystemExit(f"person ids are not contiguous ({lo}..{hi}, {count} rows): cannot pair them with journeys")
        if connection.vendor == "postgresql":
            c.execute(
                f"INSERT INTO loop_journey ({JOURNEY_COLS}) "  # noqa: S608 - a constant column list
                "SELECT gen_random_uuid(), 'BX' || lpad(g::text, 10, '0'), %s + g - %s, 'port_arrival', NULL, 'MMR', '', NULL, "
                "'medium', %s, %s - interval '2 days', 'in_facility', %s, %s, "
                "CASE WHEN g <= %s THEN %s - g * interval '1 second' "
                "ELSE %s + interval '1 hour' + (g %% 20160) * interval '1 minute' END, "
                "'health_check', 0, NULL, NULL, '', '{}'::jsonb, NULL, false, %s "
                "FROM generate_series(%s, %s) AS g",
                [lo, first, policy_id, now, unit_id, jurisdiction_id, overdue, now, now, now, first, last],
            )
        else:
            iso = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
            c.execute(
                "WITH RECURSIVE g(x) AS (SELECT %s UNION ALL SELECT x + 1 FROM g WHERE x < %s) "  # noqa: S608 - a constant column list
                f"INSERT INTO loop_journey ({JOURNEY_COLS}) "
                "SELECT lower(hex(randomblob(16))), 'BX' || substr('0000000000' || x, -10), %s + x - %s, 'port_arrival', NULL, 'MMR', "
                "'', NULL, 'medium', %s, strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, '-2 days'), 'in_facility', %s, %s, "
                "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, "
                "(CASE WHEN x <= %s THEN -x ELSE 3600 + (x %% 20160) * 60 END) || ' seconds'), "
                "'health_check', 0, NULL, NULL, '', '{}', NULL, 0, %s FROM g",
                [first, last, lo, first, policy_id, iso, unit_id, jurisdiction_id, iso, overdue, iso],
            )


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("VACUUM ANALYZE loop_journey")
            c.execute("VACUUM ANALYZE loop_alert")
        else:
            c.execute("ANALYZE")


def reset(now: dt.datetime) -> None:
    """Fresh state for the next run: the sweep's alerts closed, their journeys without an open alert."""
    from django.db import connection, transaction

    from guomen.loop.models import Alert, AlertKind, Journey

    with transaction.atomic():
        open_alerts = Alert.objects.filter(kind=AlertKind.OVERDUE, closed_at__isnull=True)
        Journey.objects.filter(pk__in=open_alerts.values("journey_id")).update(alert_open=False)
        open_alerts.update(closed_at=now)
    if connection.vendor == "postgresql":
        analyze()


def selection(now: dt.datetime):
    """The sweep's selection query, as loop.services.sweep builds it."""
    from guomen.loop.models import Journey

    return (
        Journey.objects.filter(closed_at__isnull=True, alert_open=False, due_at__lt=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:500]
    )


def explain(now: dt.datetime) -> str:
    from django.db import connection

    sql, params = selection(now).query.sql_with_params()
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql, params)
            return "\n".join(r[0] for r in c.fetchall())
        c.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(" ".join(str(x) for x in r) for r in c.fetchall())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000", help="open journeys, comma separated, ascending (default 100000,1000000)")
    ap.add_argument("--overdue", type=int, default=1000, help="journeys past due (default 1000)")
    ap.add_argument("--runs", type=int, default=3, help="timed sweeps per size (default 3)")
    args = ap.parse_args()
    sizes = sorted(int(x.replace("_", "")) for x in args.sizes.split(",") if x.strip())
    if not sizes or sizes[0] < args.overdue:
        raise SystemExit("every size must be at least --overdue")
    signal.signal(signal.SIGTERM, _on_term)
    os.environ["DJANGO_SETTINGS_MODULE"] = "guomen.settings"
    os.environ["GUOMEN_ENV"] = "development"

    with throwaway_database() as (url, tmp):
        os.environ["DATABASE_URL"] = url
        os.environ["GUOMEN_VAR_DIR"] = str(tmp / "var")
        import django

        django.setup()
        from auditlog.context import disable_auditlog
        from django.core.management import call_command
        from django.utils import timezone

        from guomen.core import registry
        from guomen.loop import services as s
        from guomen.loop.models import Alert, Journey
        from guomen.org.models import Unit

        print(f"guomen loop sweep benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
        print(f"machine: {machine()}; database: {db_label()} (throwaway)")
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        with disable_auditlog():
            for step in registry.DEMO_STEPS:
                if step.order < 30:  # reference, places, units, users — not the generated demo journeys
                    step.run()
        print(f"setup: migrate + reference/demo units and users {time.perf_counter() - t0:.1f} s")
        unit = Unit.objects.get(code=UNIT)
        policy = s.policy_current()
        now = timezone.now()
        print(
            f"journeys: open, in quarantine at {UNIT}, {args.overdue} past due, the rest due 1 h to 14 days ahead; "
            "one person each; no custody events (the sweep reads journey rows only)"
        )

        rows = []
        made = 0
        for size in sizes:
            t = time.perf_counter()
            generate(
                made + 1, size, overdue=args.overdue, now=now, unit_id=unit.pk, jurisdiction_id=unit.jurisdiction_id, policy_id=policy.pk
            )
            gen = time.perf_counter() - t
            made = size
            t = time.perf_counter()
            analyze()
            print(
                f"\n{size:,} open journeys: generated {size - (rows[-1][0] if rows else 0):,} in {gen:.1f} s, analyzed in {time.perf_counter() - t:.1f} s"
            )
            assert Journey.objects.filter(closed_at__isnull=True).count() == size
            plan = explain(now)
            print("plan of the sweep's selection query:")
            print("\n".join("    " + line for line in plan.splitlines()))
            print(f"    journey_sweep_idx used: {'yes' if 'journey_sweep_idx' in plan else 'NO'}")
            times, selects = [], []
            for run in range(args.runs):
                t = time.perf_counter()
                ids = list(selection(now))
                selects.append(time.perf_counter() - t)
                t = time.perf_counter()
                opened = s.sweep(now=now)
                times.append(time.perf_counter() - t)
                if (
                    opened != args.overdue
                    or Alert.objects.filter(closed_at__isnull=True).count() != args.overdue
                    or len(ids) != min(500, args.overdue)
                ):
                    raise SystemExit(f"run {run + 1}: the sweep opened {opened} alerts, expected {args.overdue}")
                reset(now)
            print(
                f"    sweep runs (s): {', '.join(f'{x:.3f}' for x in times)}; selection query (ms): {', '.join(f'{1000 * x:.1f}' for x in selects)}"
            )
            rows.append((size, min(times), statistics.median(times), min(selects), gen))

        print()
        print(
            f"{'open journeys':>14}{'overdue':>9}{'sweep best s':>14}{'median s':>10}{'per alert ms':>14}{'select ms':>11}{'generate s':>12}"
        )
        for size, best, med, sel, gen in rows:
            print(f"{size:>14,}{args.overdue:>9}{best:>14.3f}{med:>10.3f}{1000 * med / args.overdue:>14.2f}{1000 * sel:>11.1f}{gen:>12.1f}")
        if len(rows) > 1:
            ratio = rows[-1][2] / rows[0][2]
            print(f"\nmedian sweep {rows[-1][0]:,} / {rows[0][0]:,}: {ratio:.2f}x  (goal ≤ 2x: {'met' if ratio <= 2 else 'MISSED'})")


if __name__ == "__main__":
    main()
