"""The reference of ``loop_ingest.py``'s batches: the same health checks written with raw SQL."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import threading
import time


def raw_reference(url: str, chunks: list[list[tuple[int, float]]], total: int, concurrency: int, *, actor_id: int, unit_id: int) -> dict:
    """``total`` batches of the same health checks written with raw SQL over ``concurrency``
    connections of the database's own driver (no Django, no HTTP), each batch one transaction: the
    journeys' rows locked and their sequence numbers read, the events in one multi-row INSERT, the
    projections (due time, awaiting, sequence, facts, updated) in one UPDATE … FROM (VALUES …) — or
    one prepared UPDATE per row on SQLite —, and the commit. What the database costs for the rows
    the batch path writes, with nothing decided."""
    counter = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    pg = url.startswith(("postgres://", "postgresql://"))

    def connect():
        if pg:
            import psycopg

            return psycopg.connect(url)
        import sqlite3

        c = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60, isolation_level=None)
        c.execute("PRAGMA journal_mode=WAL")
        return c

    def one(conn, chunk: list[tuple[int, float]]) -> None:
        now = dt.datetime.now(dt.UTC)
        ids = sorted({i for i, _t in chunk})
        due = now + dt.timedelta(hours=12)
        if pg:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute("SELECT id, last_seq, facts, opened_at FROM loop_journey WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [ids])
                rows = cur.fetchall()
                seqs = {i: (seq, facts) for i, seq, facts, _opened in rows}
                opened = {i: o for i, _seq, _facts, o in rows}  # the events' partition key
                events, params = [], []
                for i, t in chunk:
                    seq, facts = seqs[i]
                    seqs[i] = (seq + 1, {**facts, "last_check_at": now.isoformat()})
                    events.append("(%s, %s, 'health_check', %s, %s, %s, %s, %s::jsonb, %s)")
                    params += [
                        i,
                        seq + 1,
                        now,
                        now,
                        actor_id,
                        unit_id,
                        json.dumps({"temperature": t, "symptoms": [], "fever": False}),
                        opened[i],
                    ]
                cur.execute(
                    "INSERT INTO loop_custodyevent (journey_id, seq, kind, occurred_at, recorded_at, actor_id, unit_id, data, journey_opened_at) VALUES "  # noqa: S608 - fixed names
                    + ", ".join(events),
                    params,
                )
                rows, params = [], []
                for i, (seq, facts) in seqs.items():
                    rows.append("(%s::bigint, %s::timestamptz, %s, %s::integer, %s::jsonb, %s::timestamptz)")
                    params += [i, due, "health_check", seq, json.dumps(facts), now]
                cur.execute(
                    "UPDATE loop_journey AS j SET due_at = v.due_at, awaiting = v.awaiting, last_seq = v.last_seq, facts = v.facts, "  # noqa: S608 - fixed names
                    "alert_open = false, updated_at = v.updated_at FROM (VALUES " + ", ".join(rows) + ") "
                    "AS v(id, due_at, awaiting, last_seq, facts, updated_at) WHERE j.id = v.id",
                    params,
                )
            return
        iso = lambda d: d.strftime("%Y-%m-%d %H:%M:%S.%f")  # noqa: E731 - as Django stores it on SQLite
        conn.execute("BEGIN IMMEDIATE")
        marks = ",".join("?" * len(ids))
        rows = conn.execute(f"SELECT id, last_seq, facts, opened_at FROM loop_journey WHERE id IN ({marks})", ids).fetchall()  # noqa: S608 - fixed names
        seqs = {i: (seq, json.loads(facts)) for i, seq, facts, _opened in rows}
        opened = {i: o for i, _seq, _facts, o in rows}
        events = []
        for i, t in chunk:
            seq, facts = seqs[i]
            seqs[i] = (seq + 1, {**facts, "last_check_at": now.isoformat()})
            events += [
                i,
                seq + 1,
                iso(now),
                iso(now),
                actor_id,
                unit_id,
                json.dumps({"temperature": t, "symptoms": [], "fever": False}),
                opened[i],
            ]
        conn.execute(
            "INSERT INTO loop_custodyevent (journey_id, seq, kind, occurred_at, recorded_at, actor_id, unit_id, data, journey_opened_at) VALUES "  # noqa: S608 - fixed names
            + ", ".join(["(?, ?, 'health_check', ?, ?, ?, ?, ?, ?)"] * len(chunk)),
            events,
        )
        conn.executemany(
            "UPDATE loop_journey SET due_at = ?, awaiting = 'health_check', last_seq = ?, facts = ?, alert_open = 0, updated_at = ? WHERE id = ?",
            [(iso(due), seq, json.dumps(facts), iso(now), i) for i, (seq, facts) in seqs.items()],
        )
        conn.execute("COMMIT")

    def worker(offset: int) -> None:
        conn = connect()
        mine = []
        try:
            while True:
                with lock:
                    k = next(counter, None)
                if k is None:
                    break
                t = time.perf_counter()
                one(conn, chunks[(k + offset) % len(chunks)])
                mine.append(time.perf_counter() - t)
        finally:
            conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(k * 7919,)) for k in range(concurrency)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "bad": total - len(latencies),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0,
    }
