#!/usr/bin/env python
# ruff: noqa: S608 - the SQL is built from numbers computed here, never from input
"""Benchmark: custody events at scale on PostgreSQL, partitioned by the month of the journeys' opening.

Makes a throwaway PostgreSQL database (postgres://postgres@127.0.0.1:5432, or DATABASE_URL as it
is), migrates it, loads the demo geography, units and users, creates the month partitions of the
last 13 months, and generates journeys spread over the last 365 days as bench/command_dashboard.py
does (~97 % closed), each with ``--per-journey`` events (the arrival, then health checks), to
``--events`` events in all. Then, at that size: the sweep, the province dashboard (p50/p95 of
GET /command/), health checks through the services one at a time and in batches of 100 (on
journeys put in quarantine through the services, as bench/loop_ingest.py does), and the replay of
one journey from its events. Prints the partitions' sizes.

    .venv/bin/python bench/partitioned_events.py --events 10000000
    .venv/bin/python bench/partitioned_events.py --events 1000000 --keep
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import command_dashboard as dash  # noqa: E402


def more_events(per_journey: int) -> float:
    """Health-check events 2 … per_journey for every generated journey, in its partition."""
    from django.db import connection, transaction

    t0 = time.perf_counter()
    with connection.cursor() as cur, transaction.atomic():
        cur.execute(
            f"""INSERT INTO loop_custodyevent (journey_id, seq, kind, occurred_at, recorded_at, actor_id, unit_id, data, journey_opened_at)
               SELECT j.id, s, 'health_check', j.opened_at + s * interval '12 hours', now(), NULL, j.custodian_id,
                      '{{"temperature": 36.5, "symptoms": [], "fever": false}}', j.opened_at
               FROM loop_journey j CROSS JOIN generate_series(2, {per_journey}) AS s WHERE j.code LIKE 'B%'"""
        )
    with connection.cursor() as cur:
        for table in ("people_person", "loop_journey"):  # the generator chose the ids itself
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("ANALYZE")
    return time.perf_counter() - t0


def count_events() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM loop_custodyevent")
        return cur.fetchone()[0]


def sizes() -> None:
    """Each partition's rows (the planner's estimate) and size, and the database's."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, c.reltuples::bigint, pg_size_pretty(pg_total_relation_size(c.oid)) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'loop_custodyevent'::regclass ORDER BY 1"
        )
        parts = cur.fetchall()
        cur.execute(
            "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))), pg_size_pretty(pg_database_size(current_database())) "
            "FROM pg_inherits WHERE inhparent = 'loop_custodyevent'::regclass"
        )
        size, db = cur.fetchone()
        cur.execute("SELECT count(*) FROM loop_journey")
        journeys = cur.fetchone()[0]
    print(f"{journeys:,} journeys; events: {len(parts)} partitions, {size} with indexes; database {db}")
    for name, rows, sz in parts:
        print(f"  {name}: ~{rows:,} rows, {sz}")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def quantiles(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, max {max(ms):.1f} ms"


def ingest(n_single: int, batches: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from ingest_raw import raw_reference
    from loop_ingest import FACILITY, STAFF

    from guomen.loop import services as s
    from guomen.loop.models import Disposition, Journey
    from guomen.org.models import Unit
    from guomen.people.models import Person

    # Journeys put in quarantine through the services, as loop_ingest.build_world does (the facility
    # without a room limit: the generated journeys already fill it).
    users = get_user_model().objects
    officer, staff = users.get(username="ruili_port"), users.get(username=STAFF)
    port = Unit.objects.get(code="port-ruili")
    Unit.objects.filter(code=FACILITY).update(capacity=None)
    hotel = Unit.objects.get(code=FACILITY)
    codes = []
    run = uuid.uuid4().hex[:4]  # rooms of this run's own: a kept database may hold an earlier run's
    for i in range(n_single + 100):
        person = Person.objects.create(name_native=f"压测旅客{i}（示例）", nationality="MMR", registered_by=port)
        j = s.journey_arrive(actor=officer, unit=port, person=person, origin_country="MMR", risk="low")
        s.journey_dispose(actor=officer, journey=j, disposition=Disposition.QUARANTINE, to_unit=hotel)
        codes.append(s.handover_accept(actor=staff, journey=j, unit=hotel, room=f"X{run}-{i:04d}", card_code=j.code).code)
    ids = dict(Journey.objects.filter(code__in=codes).values_list("code", "pk"))
    url, who = os.environ["DATABASE_URL"], {"actor_id": staff.pk, "unit_id": hotel.pk}
    # Alternately in 4 rounds: checks through the service, then the same rows written in raw SQL by
    # the driver (bench/ingest_raw.py: the journey locked and read, the event inserted, the projection
    # updated, one transaction each).
    single, single_raw = [], []
    rounds = 4
    for r in range(rounds):
        mine = codes[r * n_single // rounds : (r + 1) * n_single // rounds]
        for code in mine:
            t0 = time.perf_counter()
            with transaction.atomic():
                s.health_check_by_code(actor=staff, code=code, temperature=36.6)
            single.append((time.perf_counter() - t0) * 1000)
        raw = raw_reference(url, [[(ids[c], 36.6)] for c in mine], len(mine), 1, **who)
        single_raw.append(raw["p50_ms"])
    print(f"single health check (service, own transaction), {n_single}: {quantiles(single)}")
    print(
        f"  the same rows in raw SQL, one transaction each, alternately in {rounds} rounds: p50 {statistics.median(single_raw):.1f} ms; "
        f"service / raw SQL p50 {statistics.median(single) / statistics.median(single_raw):.1f}x"
    )
    batch_codes = codes[n_single : n_single + 100]
    chunk = [(ids[c], 36.6) for c in batch_codes]
    spent = raw_spent = 0.0
    for _ in range(batches):
        t0 = time.perf_counter()
        out = s.health_checks_batch(actor=staff, unit=hotel, items=[{"journey": c, "temperature": 36.6} for c in batch_codes])
        spent += time.perf_counter() - t0
        assert all(o["ok"] for o in out), out[:2]
        raw_spent += raw_reference(url, [chunk], 1, 1, **who)["seconds"]
    print(
        f"batched health checks, {batches} batches of 100: {batches * 100 / spent:,.0f} events/s ({spent / batches * 1000:.0f} ms a batch)"
    )
    print(
        f"  the same rows in raw SQL (one transaction a batch: journeys locked and read, one INSERT, one UPDATE … FROM VALUES), "
        f"alternately: {batches * 100 / raw_spent:,.0f} events/s; batched / raw SQL {raw_spent / spent:.2f}x of the rate"
    )


def replay_one() -> None:
    from django.db import connection

    from guomen.loop import projection as proj
    from guomen.loop import services as s
    from guomen.loop.models import CustodyEvent, Journey

    j = Journey.objects.filter(code__startswith="B").order_by("id")[1000]
    times, raw = [], []
    for _ in range(50):
        t0 = time.perf_counter()
        events = list(CustodyEvent.objects.filter(journey=j).order_by("seq"))
        proj.replay([proj.Ev(e.seq, e.kind, e.occurred_at, e.unit_id, e.data) for e in events], s.rules_of(j), j.risk)
        times.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()  # the reference, alternately: the same events read by the driver alone
        with connection.cursor() as cur:
            cur.execute("SELECT seq, kind, occurred_at, unit_id, data FROM loop_custodyevent WHERE journey_id = %s ORDER BY seq", [j.pk])
            cur.fetchall()
        raw.append((time.perf_counter() - t0) * 1000)
    print(f"replay of one journey ({len(events)} events, read and projected), 50 times: {quantiles(times)}")
    print(
        f"  its events read by the driver alone, alternately: p50 {statistics.median(raw):.2f} ms; "
        f"replay / that read p50 {statistics.median(times) / statistics.median(raw):.1f}x"
    )


def sweep_against_selection(runs: int = 5) -> None:
    """The sweep with nothing newly due, alternately with its selection query alone (bench/loop_sweep.py)."""
    from loop_sweep import selection

    from guomen.lib import clock
    from guomen.loop import services as s

    sweeps, alone = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        s.sweep()
        sweeps.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        list(selection(clock.now()))
        alone.append(time.perf_counter() - t0)
    print(
        f"sweep with nothing newly due, {runs} times alternately with its selection query alone: "
        f"{statistics.median(sweeps) * 1000:.1f} ms vs {statistics.median(alone) * 1000:.1f} ms (p50); "
        f"sweep / selection {statistics.median(sweeps) / statistics.median(alone):.1f}x"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=10_000_000)
    p.add_argument("--per-journey", type=int, default=10)
    p.add_argument("--requests", type=int, default=100)
    p.add_argument("--keep", action="store_true", help="do not drop the throwaway database")
    p.add_argument(
        "--no-generate",
        action="store_true",
        help="measure the events already in DATABASE_URL (one kept with --keep): no generation, no first sweep",
    )
    args = p.parse_args()
    args.postgres = True
    vendor, drop = dash.setup(args)
    assert vendor == "postgresql", "partitioning is PostgreSQL's"
    try:
        from guomen.lib import clock
        from guomen.loop import partitions
        from guomen.loop import services as s

        dash.prepare()
        if args.no_generate:
            print(f"measuring the database as it is: {os.environ.get('DATABASE_URL')}")
        else:
            partitions.create_ahead(clock.now(), behind=13)
            journeys = max(1, args.events // args.per_journey)
            t_j = dash.generate(journeys, vendor)
            t_e = more_events(args.per_journey)
            print(f"generated {journeys:,} journeys in {t_j:.0f} s and events to {count_events():,} in {t_e:.0f} s more")
        sizes()
        if not args.no_generate:
            t0 = time.perf_counter()
            opened = s.sweep()
            print(f"sweep: {time.perf_counter() - t0:.2f} s ({opened} alerts opened)")
        t0 = time.perf_counter()
        again = s.sweep()
        print(f"sweep with nothing newly due: {time.perf_counter() - t0:.2f} s ({again} opened)")
        sweep_against_selection()
        times, cpu = dash.measure(args.requests)
        print(f"as the province command, {args.requests} requests of each, alternately (load average {load()}):")
        for path, ms in times.items():
            print(f"  GET {path}: {quantiles(ms)} (CPU of this process {cpu[path]:.1f} ms)")
        ratio = statistics.median(times["/command/"]) / statistics.median(times[dash.REFERENCE])
        print(f"dashboard / trivial signed-in request: p50 {ratio:.1f}x")
        replay_one()
        ingest(200, 20)
    finally:
        if args.keep:
            print(f"kept: DATABASE_URL={os.environ.get('DATABASE_URL')}")
        else:
            drop()


if __name__ == "__main__":
    main()
