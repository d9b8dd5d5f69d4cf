"""Sweep time with 1,000 overdue journeys among 100k and among 1M open journeys.

A benchmark, not a test: it prints figures. It creates its own throwaway database (a SQLite file
in a temporary folder, or ``guomen_bench_<random>`` on the PostgreSQL server named by
DATABASE_URL), migrates it, loads the reference data and the demo units and users, copies it once
per further size, then writes into each database its number of open journeys in bulk SQL straight
into loop_journey (one person each, the current policy, a quarantine facility as custodian), all
due in the future except 1,000 past due. No custody events are written: the sweep reads only the
journey rows. For each size it shows the plan of the sweep's selection query and one sweep with
every statement timed; then, five rounds, each size in turn (so that other load on the machine
hits every size alike), it times the selection query alone and ``loop.services.sweep`` (which
opens the 1,000 alerts), closing the alerts and resetting ``alert_open`` after each. It prints the
growth of the sweep and of the selection query from the smallest size to the largest. The
databases are dropped at the end, also on failure.

    .venv/bin/python bench/loop_sweep.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/loop_sweep.py --sizes 100000,1000000
    .venv/bin/python bench/loop_sweep.py --profile   # also a cProfile of one sweep at each size
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import secrets
import shutil
import signal
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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


@contextlib.contextmanager
def database_copy(url: str, name: str) -> Iterator[str]:
    """A copy of the database ``name`` (PostgreSQL: ``CREATE DATABASE … TEMPLATE``; SQLite: the
    file), dropped on exit. Django's connections are closed first: a template must be idle."""
    from django.db import connections

    connections.close_all()
    if url.startswith("sqlite:"):
        copy = f"{name}.{secrets.token_hex(4)}"
        shutil.copyfile(name, copy)
        try:
            yield copy
        finally:
            Path(copy).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    admin = urlunsplit(urlsplit(url)._replace(scheme="postgresql", path="/postgres"))
    copy = f"{name}_{secrets.token_hex(3)}"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(copy), sql.Identifier(name)))
    try:
        yield copy
    finally:
        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))


def use(name: str) -> None:
    """Point Django's default connection at the database ``name`` (reconnects on the next query)."""
    from django.db import connection

    if connection.settings_dict["NAME"] != name:
        connection.close()
        connection.settings_dict["NAME"] = name


def analyze() -> None:
    from django.db import connection

    from guomen.alerts.models import Alert

    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("VACUUM ANALYZE loop_journey")
            c.execute(f"VACUUM ANALYZE {Alert._meta.db_table}")
        else:
            c.execute("ANALYZE")


def reset(now: dt.datetime) -> None:
    """Fresh state for the next run: the sweep's alerts closed, their journeys without an open alert."""
    from django.db import connection, transaction

    from guomen.alerts.models import Alert
    from guomen.loop.alerting import REF, AlertKind
    from guomen.loop.models import Journey

    with transaction.atomic():
        open_alerts = Alert.objects.filter(kind=AlertKind.OVERDUE, ref_type=REF, closed_at__isnull=True)
        Journey.objects.filter(pk__in=open_alerts.values("ref")).update(alert_open=False)
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


def statements(now: dt.datetime) -> None:
    """One more sweep with every SQL statement timed: where its time goes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guomen.loop import services as s

    with CaptureQueriesContext(connection) as q:
        t = time.perf_counter()
        s.sweep(now=now)
        total = time.perf_counter() - t
    spent = sum(float(x["time"]) for x in q.captured_queries)
    print(
        f"    one sweep, its statements timed: {1000 * total:.0f} ms, {len(q.captured_queries)} statements, {1000 * spent:.0f} ms in the database"
    )
    for x in q.captured_queries:
        print(f"      {1000 * float(x['time']):7.1f} ms  {x['sql'][:110]}")


def profile(now: dt.datetime) -> None:
    """cProfile of one sweep, by cumulative and by own time."""
    import cProfile
    import pstats

    from guomen.loop import services as s

    prof = cProfile.Profile()
    prof.enable()
    s.sweep(now=now)
    prof.disable()
    stats = pstats.Stats(prof, stream=sys.stdout)
    print("    cProfile of one sweep (cumulative, top 25):")
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)


def explain_claim(now: dt.datetime) -> str:
    from django.db import connection

    from guomen.loop.models import Journey
    from guomen.loop.services.sweep import _claim_sql

    sql, _fields = _claim_sql()
    params = [True, Journey._meta.get_field("due_at").get_db_prep_save(now, connection), 500]
    with connection.cursor() as c:
        c.execute(("EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql, params)
        return "\n".join(" ".join(str(x) for x in r) for r in c.fetchall())


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
    ap.add_argument("--runs", type=int, default=5, help="rounds: timed sweeps per size, the sizes in turn (default 5)")
    ap.add_argument("--profile", action="store_true", help="also cProfile one sweep at each size")
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
        from django.db import connection
        from django.utils import timezone

        from guomen.alerts.models import Alert
        from guomen.core import registry
        from guomen.loop import services as s
        from guomen.loop.models import Journey
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

        # One database per size, copied from the migrated one, so that the sizes can be measured
        # alternately in one run: other load on the machine then hits every size alike.
        names = [connection.settings_dict["NAME"]]
        with contextlib.ExitStack() as stack:
            for _size in sizes[1:]:
                names.append(stack.enter_context(database_copy(url, names[0])))
            gens = []
            for size, name in zip(sizes, names, strict=True):
                use(name)
                t = time.perf_counter()
                generate(1, size, overdue=args.overdue, now=now, unit_id=unit.pk, jurisdiction_id=unit.jurisdiction_id, policy_id=policy.pk)
                gens.append(time.perf_counter() - t)
                t = time.perf_counter()
                analyze()
                print(f"\n{size:,} open journeys: generated in {gens[-1]:.1f} s, analyzed in {time.perf_counter() - t:.1f} s")
                assert Journey.objects.filter(closed_at__isnull=True).count() == size
                plan = explain(now)
                print("plan of the sweep's selection query:")
                print("\n".join("    " + line for line in plan.splitlines()))
                print(f"    journey_sweep_idx used: {'yes' if 'journey_sweep_idx' in plan else 'NO'}")
                print("plan of the sweep's claim (the UPDATE that marks a batch, not run):")
                print("\n".join("    " + line for line in explain_claim(now).splitlines()))
                statements(now)
                reset(now)
                if args.profile:
                    profile(now)
                    reset(now)

            times: dict[int, list[float]] = {size: [] for size in sizes}
            selects: dict[int, list[float]] = {size: [] for size in sizes}
            print(f"\n{args.runs} rounds, each: every size in turn, the selection query alone then the sweep")
            for run in range(args.runs):
                for size, name in zip(sizes, names, strict=True):
                    use(name)
                    Journey.objects.exists()  # connected before the clock starts
                    t = time.perf_counter()
                    ids = list(selection(now))
                    selects[size].append(time.perf_counter() - t)
                    t = time.perf_counter()
                    opened = s.sweep(now=now)
                    times[size].append(time.perf_counter() - t)
                    if (
                        opened != args.overdue
                        or Alert.objects.filter(closed_at__isnull=True).count() != args.overdue
                        or len(ids) != min(500, args.overdue)
                    ):
                        raise SystemExit(f"run {run + 1}: the sweep opened {opened} alerts, expected {args.overdue}")
                    reset(now)
            use(names[0])

        print()
        print(
            f"{'open journeys':>14}{'overdue':>9}{'sweep best s':>14}{'median s':>10}{'per alert ms':>14}{'select ms':>11}{'generate s':>12}"
        )
        for size, gen in zip(sizes, gens, strict=True):
            med, sel = statistics.median(times[size]), statistics.median(selects[size])
            print(
                f"{size:>14,}{args.overdue:>9}{min(times[size]):>14.3f}{med:>10.3f}{1000 * med / args.overdue:>14.2f}{1000 * sel:>11.1f}{gen:>12.1f}"
            )
            print(
                f"{'':>14}  sweeps (s): {', '.join(f'{x:.3f}' for x in times[size])}; selection (ms): {', '.join(f'{1000 * x:.1f}' for x in selects[size])}"
            )
        for size in sizes:
            print(f"sweep / selection query alone at {size:,}: {statistics.median(times[size]) / statistics.median(selects[size]):.0f}x")
        if len(sizes) > 1:
            lo, hi = sizes[0], sizes[-1]
            ratio = statistics.median(times[hi]) / statistics.median(times[lo])
            sel_ratio = statistics.median(selects[hi]) / statistics.median(selects[lo])
            print(
                f"\nmedian sweep {hi:,} / {lo:,}: {ratio:.2f}x  (goal ≤ 1.2x: {'met' if ratio <= 1.2 else 'MISSED'}); "
                f"the selection query alone, same runs: {sel_ratio:.2f}x"
            )


if __name__ == "__main__":
    main()
