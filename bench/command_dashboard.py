#!/usr/bin/env python
# ruff: noqa: S608 - the SQL is built from numbers and names computed here, never from input
"""Benchmark: the command dashboard of the province with N journeys.

Standalone: sets up Django itself. With DATABASE_URL it uses that database as it is (it must be a
scratch database: rows are added); without it, it creates a throwaway database — PostgreSQL if
--postgres is given (postgres://postgres@127.0.0.1:5432), otherwise SQLite in a temporary file —
migrates it, loads the demo geography, units and users, generates the journeys, and drops it at the end.

Generation is set-based (INSERT … SELECT over generate_series on PostgreSQL, a recursive CTE on
SQLite): journeys spread over the last 365 days at the demo ports, ~97 % closed, the rest in open
states; an "arrived" event per journey; the per-(jurisdiction, state) counters to match; some
open alerts. Then 200 GETs of /command/ as the province command user through Django's test
Client, alternating with 200 GETs of a trivial signed-in page (``/bench/signed-in``, the same
middleware, session and user): p50/p95/max of both and the ratio, which holds on any machine.

    .venv/bin/python bench/command_dashboard.py --postgres                 # 10,000,000 journeys
    .venv/bin/python bench/command_dashboard.py --journeys 1000000         # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch .venv/bin/python bench/command_dashboard.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchlib import machine  # noqa: E402 - after the sys.path setup

# The reference: a page that only needs a signed-in user (session, user, middleware), from bench/urls.py.
REFERENCE = "/bench/signed-in"
AS_TEXT = "/command/ (as text)"

OPEN_MIX = [  # (state, share of the open journeys, custodian kind)
    ("at_gate", 0.10, "port_health_station"),
    ("handover_offered", 0.05, "port_health_station"),
    ("in_transit", 0.05, "transfer_team"),
    ("in_facility", 0.45, "quarantine_facility"),
    ("in_hospital", 0.05, "hospital"),
    ("home_monitoring", 0.30, "village_committee"),
]


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def setup(args: argparse.Namespace) -> tuple[str, callable]:
    """Point Django at the database; return its vendor and a function that drops it (if we made it)."""
    drop = lambda: None  # noqa: E731
    if not os.environ.get("DATABASE_URL"):
        if args.postgres:
            import psycopg

            name = f"guomen_bench_{uuid.uuid4().hex[:8]}"
            admin = "postgres://postgres@127.0.0.1:5432/postgres"
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{name}"')
            os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"

            def drop() -> None:
                from django.db import connections

                connections.close_all()
                with psycopg.connect(admin, autocommit=True) as c:
                    c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            tmp = tempfile.mkdtemp(prefix="guomen-bench-")
            os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"

            def drop() -> None:
                import shutil

                shutil.rmtree(tmp, ignore_errors=True)

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # production's, plus the reference page
    os.environ.setdefault("GUOMEN_DEBUG", "0")  # as served: no query log, no template debugging
    os.environ.setdefault("GUOMEN_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import connection

    return connection.vendor, drop


def prepare() -> None:
    from auditlog.context import disable_auditlog
    from django.core.management import call_command

    from guomen.core import registry

    call_command("migrate", verbosity=0, interactive=False)
    from django.conf import settings

    if not settings.DEBUG and not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)  # as a deployment does: pages name hashed files
    from guomen.places.models import Jurisdiction

    if not Jurisdiction.objects.exists():
        with disable_auditlog():
            for step in registry.DEMO_STEPS:
                if step.order < 30:
                    step.run()


def generate(n: int, vendor: str) -> float:
    """Insert ``n`` journeys (+ persons, arrival events, counters, alerts). Returns seconds taken."""
    from django.db import connection, transaction

    from guomen.loop.models import Journey
    from guomen.loop.services import policy_current
    from guomen.org.models import Unit

    t0 = time.perf_counter()
    policy = policy_current()
    ports = list(Unit.objects.filter(kind="port_health_station").values_list("id", "jurisdiction_id", "passage_id").order_by("id"))
    by_kind = {k: list(Unit.objects.filter(kind=k).values_list("id", "jurisdiction_id").order_by("id")) for k in {m[2] for m in OPEN_MIX}}
    start_id = (Journey.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    open_n = int(n * 0.03)
    with connection.cursor() as cur, transaction.atomic():
        # Helper tables: the ports and the custodians of each open state, numbered from 0.
        cur.execute("CREATE TEMP TABLE b_port (i integer primary key, unit_id bigint, jur_id bigint, passage_id bigint)")
        cur.executemany("INSERT INTO b_port VALUES (%s, %s, %s, %s)", [(i, u, j, p) for i, (u, j, p) in enumerate(ports)])
        cur.execute("CREATE TEMP TABLE b_cust (state varchar(20), i integer, unit_id bigint, jur_id bigint, lo integer, hi integer)")
        rows, lo = [], 0
        for state, share, kind in OPEN_MIX:
            hi = lo + int(open_n * share)
            for i, (u, j) in enumerate(by_kind[kind]):
                rows.append((state, i, u, j, lo, hi))
            lo = hi
        cur.executemany("INSERT INTO b_cust VALUES (%s, %s, %s, %s, %s, %s)", rows)
        nports = len(ports)
        if vendor == "postgresql":
            series = f"SELECT g AS k FROM generate_series(0, {n - 1}) AS g"
            now = "now()"
            ago = "now() - ((k % 525600) * interval '1 minute')"
            cur.execute(f"CREATE TEMP TABLE b_k AS {series}")
        else:
            now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
            ago = "strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (k % 525600) || ' minutes')"
            cur.execute(
                f"CREATE TEMP TABLE b_k AS WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < {n - 1}) SELECT k FROM s"
            )
        # Persons: one per journey.
        uuid_expr = "gen_random_uuid()" if vendor == "postgresql" else "lower(hex(randomblob(16)))"
        port_join = f"JOIN b_port p ON p.i = b_k.k % {nports}"
        cur.execute(
            f"""INSERT INTO people_person (id, public_id, name_native, name_latin, name_search, sex, nationality, phone, category,
                 registered_by_id, created_at)
               SELECT {start_id} + k, {uuid_expr}, '测试' || k, '', '', 'X', 'MMR', '', 'traveller', p.unit_id, {now} FROM b_k {port_join}"""
        )
        # Journeys: the first 3 % open (spread over OPEN_MIX, custodians of the right kind), the rest closed at their port.
        false = "false" if vendor == "postgresql" else "0"

        def journeys(state: str, custodian: str, joins: str, where: str) -> None:
            closed = state == "closed"
            cur.execute(
                f"""INSERT INTO loop_journey (id, public_id, code, person_id, origin, port_id, origin_country, origin_place, risk, policy_id,
                     opened_at, state, custodian_id, jurisdiction_id, due_at, awaiting, last_seq, expected_at, room, facts, closed_at,
                     alert_open, updated_at, pending_unit_id, destination_id, state_since)
                   SELECT {start_id} + k, {uuid_expr}, 'B' || k, {start_id} + k, 'port_arrival', p.passage_id, 'MMR', '', 'medium', {policy.pk},
                     {ago}, '{state}', {custodian}.unit_id, {custodian}.jur_id, {"NULL" if closed else now}, '', 1, NULL, '', '{{}}',
                     {now if closed else "NULL"}, {false}, {now}, NULL, NULL, {ago}
                   FROM b_k {port_join} {joins} WHERE {where}"""
            )

        journeys("closed", "p", "", f"k >= {open_n}")
        for state, lo, hi in _bounds(open_n):
            kind = next(k for s_, _sh, k in OPEN_MIX if s_ == state)
            journeys(state, "c", f"JOIN b_cust c ON c.state = '{state}' AND c.i = b_k.k % {len(by_kind[kind])}", f"k >= {lo} AND k < {hi}")
        # One arrival event per journey, at its port, when it opened.
        cur.execute(
            f"""INSERT INTO loop_custodyevent (journey_id, seq, kind, occurred_at, recorded_at, actor_id, unit_id, data, journey_opened_at)
               SELECT {start_id} + k, 1, 'arrived', {ago}, {now}, NULL, p.unit_id, '{{}}', {ago} FROM b_k {port_join}"""
        )
        # The counters, as the services keep them.
        cur.execute("DELETE FROM loop_journeycount")
        cur.execute(
            "INSERT INTO loop_journeycount (jurisdiction_id, state, n) SELECT jurisdiction_id, state, count(*) FROM loop_journey GROUP BY jurisdiction_id, state"
        )
        # The daily arrival counters, as the services keep them (per unit and local day).
        from django.conf import settings

        cur.execute("DELETE FROM loop_dailycount")
        if vendor == "postgresql":
            local_day = f"(occurred_at AT TIME ZONE '{settings.TIME_ZONE}')::date"
        else:  # SQLite keeps UTC text: shift by the zone's offset now (no daylight saving in China)
            from zoneinfo import ZoneInfo

            offset = int(datetime.now(ZoneInfo(str(settings.TIME_ZONE))).utcoffset().total_seconds() // 60)
            local_day = f"date(occurred_at, '{offset:+d} minutes')"
        cur.execute(
            f"""INSERT INTO loop_dailycount (unit_id, day, what, n)
               SELECT unit_id, {local_day}, 'arrived', count(*) FROM loop_custodyevent WHERE kind = 'arrived' GROUP BY 1, 2"""
        )
        # A few hundred open alerts, at every level.
        from guomen.alerts.models import Alert

        cur.execute(
            f"""INSERT INTO {Alert._meta.db_table} (public_id, kind, unit_id, ref_type, ref, ref_code, key, subject, details, state,
                 awaiting, due_at, opened_at, level, next_escalation_at, escalation_hours, history, acknowledged_at, acknowledged_by_id,
                 assigned_to_id, closed_at, closed_by_seq, closed_by_id, close_note)
               SELECT {uuid_expr}, 'other', unit_id, '', NULL, '', '', 'bench', '{{}}', '', '', NULL, {now}, i % 4, NULL, '[]', '[]',
                 NULL, NULL, NULL, NULL, NULL, NULL, ''
               FROM b_port, (SELECT k FROM b_k WHERE k < 20) AS t"""
        )
        for t in ("b_k", "b_port", "b_cust"):
            cur.execute(f"DROP TABLE {t}")
    if vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return time.perf_counter() - t0


def _bounds(open_n: int) -> list[tuple[str, int, int]]:
    out, lo = [], 0
    for state, share, _kind in OPEN_MIX:
        hi = lo + int(open_n * share)
        out.append((state, lo, hi))
        lo = hi
    return out


def _client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    c = Client()
    c.force_login(get_user_model().objects.get(username="province"))
    for path in (REFERENCE, "/command/"):
        r = c.get(path)
        assert r.status_code == 200, (path, r.status_code)
    return c


def measure(requests: int, as_text: bool = False) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Milliseconds of ``requests`` dashboards and as many trivial signed-in requests, alternately
    (one of each in turn), so that whatever else loads the machine weighs on both alike; and the
    mean CPU time of this process per request of each (the database server's is not in it). With
    ``as_text``, a third request in each turn: the dashboard with its statements sent as text, parsed
    and planned on every request (as Django sends its own), for what preparing them saves."""
    from guomen.lib import prepared

    c = _client()
    kinds = [(REFERENCE, REFERENCE, True), ("/command/", "/command/", True)]
    if as_text:
        kinds.append((AS_TEXT, "/command/", False))
    times: dict[str, list[float]] = {name: [] for name, _path, _prepared in kinds}
    cpu = dict.fromkeys(times, 0.0)
    try:
        for _ in range(requests):
            for name, path, server_prepared in kinds:
                prepared.SERVER_PREPARED = server_prepared
                t0, c0 = time.perf_counter(), time.process_time()
                r = c.get(path)
                times[name].append((time.perf_counter() - t0) * 1000)
                cpu[name] += (time.process_time() - c0) * 1000 / requests
                assert r.status_code == 200
    finally:
        prepared.SERVER_PREPARED = True
    return times, cpu


def profile(requests: int) -> None:
    """cProfile ``requests`` dashboards in this process: where the time goes outside the database too."""
    import cProfile
    import pstats

    c = _client()
    # Timed by this process's CPU clock: what the request costs here, not how long it waited for
    # the database or for a core on a loaded machine.
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    for _ in range(requests):
        c.get("/command/")
    prof.disable()
    stats = pstats.Stats(prof, stream=sys.stdout)
    print(f"\ncProfile (CPU time of this process) of {requests} dashboards (cumulative, top 40):")
    stats.sort_stats("cumulative").print_stats(40)
    print("by own time (top 25):")
    stats.sort_stats("tottime").print_stats(25)


def explain(requests: int = 30) -> None:
    """Time every SQL statement of the dashboard (median of ``requests`` warm requests, timed around
    the driver's execute); print the slowest and, on PostgreSQL, their plans, with what planning
    costs: each request plans every statement again (nothing is prepared on the server)."""
    from django.db import connection

    c = _client()
    seen: list[tuple[float, str, object]] = []

    def timed(execute, sql, params, many, context):  # Django's execute wrapper
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append(((time.perf_counter() - t0) * 1000, sql, params))

    per: dict[int, list[float]] = {}
    totals, walls = [], []
    last: list[tuple[float, str, object]] = []
    for _ in range(requests):
        seen.clear()
        t0 = time.perf_counter()
        with connection.execute_wrapper(timed):
            assert c.get("/command/").status_code == 200
        walls.append((time.perf_counter() - t0) * 1000)
        totals.append(sum(t for t, _sql, _p in seen))
        for i, (t, _sql, _p) in enumerate(seen):
            per.setdefault(i, []).append(t)
        last = list(seen)
    print(
        f"--- {requests} requests: p50 {statistics.median(walls):.1f} ms, {len(last)} statements taking "
        f"p50 {statistics.median(totals):.1f} ms around the database driver's execute"
    )
    order = sorted(range(len(last)), key=lambda i: -statistics.median(per[i]))
    for i in order[:8]:
        print(f"{statistics.median(per[i]):7.2f} ms  {last[i][1][:150]}")
    if connection.vendor == "postgresql":
        for i in order[:3]:
            sql, params = last[i][1], last[i][2]
            if sql.lstrip().upper().startswith("SELECT"):
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    print("\n".join(r[0][:200] for r in cur.fetchall()))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--journeys", type=int, default=None, help="journeys to generate (default 10,000,000 on PostgreSQL, 1,000,000 on SQLite)"
    )
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--postgres", action="store_true", help="without DATABASE_URL: make a throwaway PostgreSQL database")
    p.add_argument("--keep", action="store_true", help="do not drop the throwaway database")
    p.add_argument("--explain", action="store_true", help="time each SQL statement of one request and show the slowest plans")
    p.add_argument("--profile", type=int, nargs="?", const=100, default=0, help="also cProfile N dashboards in process (default 100)")
    p.add_argument("--as-text", action="store_true", help="also alternate the dashboard with its statements sent as text, not prepared")
    p.add_argument("--no-generate", action="store_true", help="measure the journeys already in DATABASE_URL (e.g. one kept with --keep)")
    args = p.parse_args()
    vendor, drop = setup(args)
    try:
        prepare()
        if args.no_generate:
            from guomen.loop.models import Journey

            print(f"{vendor}: {Journey.objects.count():,} journeys already there")
        else:
            n = args.journeys or (10_000_000 if vendor == "postgresql" else 1_000_000)
            secs = generate(n, vendor)
            print(f"{vendor}: generated {n:,} journeys (+ persons, arrival events, counters) in {secs:.0f} s")
        if args.explain:
            explain()
        if args.profile:
            profile(args.profile)
        times, cpu = measure(args.requests, args.as_text)
        print(f"{vendor}: as the province command, {args.requests} requests of each, alternately ({machine()}, load average {_load()})")
        q = {path: statistics.quantiles(t, n=100) for path, t in times.items()}
        for path, t in times.items():
            print(
                f"  GET {path:<26} p50 {q[path][49]:6.1f} ms  p95 {q[path][94]:6.1f} ms  max {max(t):6.1f} ms  (CPU of this process {cpu[path]:.1f} ms)"
            )
        p50, p95 = q["/command/"][49] / q[REFERENCE][49], q["/command/"][94] / q[REFERENCE][94]
        print(
            f"dashboard / trivial signed-in request: p50 {p50:.1f}x, p95 {p95:.1f}x, CPU {cpu['/command/'] / cpu[REFERENCE]:.1f}x"
            f"  (goal ≤ 4x: {'met' if p50 <= 4 else 'MISSED'})"
        )
        if args.as_text:
            print(
                f"statements as text / trivial signed-in request: p50 {q[AS_TEXT][49] / q[REFERENCE][49]:.1f}x, p95 {q[AS_TEXT][94] / q[REFERENCE][94]:.1f}x"
            )
    finally:
        if args.keep:
            print(f"kept: DATABASE_URL={os.environ.get('DATABASE_URL')}")
        else:
            drop()


if __name__ == "__main__":
    main()
