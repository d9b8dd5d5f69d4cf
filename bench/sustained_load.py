"""Sustained load: batched health checks at a fixed rate for minutes, with the worker and the clock
running (the sweep of overdue journeys, escalation, snapshots), latency per minute and every event
counted in the database at the end.

A benchmark, not a test: it prints figures. Throwaway database and server as in loop_ingest.py;
the load is paced (a fixed number of batch requests started per second over a pool of threads),
so a server that falls behind shows it as latency growing minute by minute, not as a lower rate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/sustained_load.py
    DATABASE_URL=… .venv/bin/python bench/sustained_load.py --minutes 3 --rate 1000   # shorter, lighter

Goal (issue "National scale"): 2,000 events/s for 10 minutes on PostgreSQL, p99 of the last minute
within 1.5 × the first, no event lost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

from benchlib import _on_term, machine, throwaway_database  # noqa: E402
from loop_ingest import FACILITY, build_world, checks_recorded, db_label, server  # noqa: E402

TEMPS = [36.2, 36.4, 36.5, 36.6, 36.8, 36.9]  # below the fever line: nobody is moved to hospital


def background(url: str, tmp: Path) -> list[subprocess.Popen]:
    """The worker and the clock, as `manage.py serve` runs them beside the web server."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DATABASE_URL": url, "GUOMEN_VAR_DIR": str(tmp / "var")}
    manage = [sys.executable, str(BASE / "manage.py")]
    log = open(tmp / "background.log", "wb")  # noqa: SIM115 - lives as long as the processes
    return [
        subprocess.Popen(cmd, cwd=BASE, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for cmd in ([*manage, "db_worker", "--no-reload", "--interval", "1"], [*manage, "clock"])
    ]


def pace(port: int, token: str, bodies: list[bytes], per_second: float, seconds: int, threads: int) -> list[tuple[float, float, int]]:
    """Start ``per_second`` requests a second for ``seconds``; (start offset, latency, status) of each."""
    jobs: queue.Queue = queue.Queue()
    out: list[tuple[float, float, int]] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    t0 = time.perf_counter()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while (job := jobs.get()) is not None:
            due, body = job
            try:
                conn.request("POST", "/api/loop/checks/batch", body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                status = r.status
                if r.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                status = 0
            # Latency from when the request was due: waiting for a free thread counts too.
            with lock:
                out.append((due, time.perf_counter() - t0 - due, status))
        conn.close()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for th in pool:
        th.start()
    n = int(per_second * seconds)
    for i in range(n):
        due = i / per_second
        delay = t0 + due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        jobs.put((due, bodies[i % len(bodies)]))
    for _ in pool:
        jobs.put(None)
    for th in pool:
        th.join()
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=int, default=2000, help="events per second (default 2000)")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--journeys", type=int, default=1000, help="journeys in quarantine the checks rotate over")
    ap.add_argument("--threads", type=int, default=16, help="load threads (connections)")
    ap.add_argument("--workers", type=int, default=0, help="gunicorn sync workers (default as `manage.py serve`)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, _on_term)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["GUOMEN_ENV"] = "development"

    with throwaway_database() as (url, tmp):
        os.environ.update(DATABASE_URL=url, GUOMEN_VAR_DIR=str(tmp / "var"), GUOMEN_DEBUG="0")
        import django

        django.setup()
        from guomen.core.management.commands.serve import default_workers

        print(f"guomen sustained load — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
        print(f"machine: {machine()}; database: {db_label()} (throwaway)")
        codes, token = build_world(args.journeys)
        bodies = []
        for g in range(max(8, len(codes) // args.batch_size)):
            chunk = [codes[(g * args.batch_size + k) % len(codes)] for k in range(args.batch_size)]
            items = [{"journey": c, "temperature": TEMPS[(g + k) % len(TEMPS)]} for k, c in enumerate(chunk)]
            bodies.append(json.dumps({"unit": FACILITY, "items": items}).encode())
        workers = args.workers or default_workers()
        seconds = int(args.minutes * 60)
        per_second = args.rate / args.batch_size
        procs = background(url, tmp)
        try:
            with server(url, tmp, workers) as port:
                print(
                    f"server: gunicorn, {workers} sync workers; worker and clock running; load: {per_second:g} batches of {args.batch_size}/s, {args.threads} threads, {seconds} s"
                )
                before = checks_recorded()
                t = time.perf_counter()
                results = pace(port, token, bodies, per_second, seconds, args.threads)
                elapsed = time.perf_counter() - t
                time.sleep(1)
                recorded = checks_recorded() - before
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=30)

    ok = [r for r in results if r[2] == 200]
    print()
    print(f"{'minute':>6}{'requests':>10}{'events/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    minutes = int((seconds + 59) // 60)
    p99 = []
    for m in range(minutes):
        rows = [r for r in results if m * 60 <= r[0] < (m + 1) * 60]
        lat = [1000 * r[1] for r in rows]
        span = min(60, seconds - m * 60)
        good = sum(1 for r in rows if r[2] == 200)
        p99.append(pct(lat, 0.99))
        print(f"{m + 1:>6}{len(rows):>10}{good * args.batch_size / span:>10.0f}{pct(lat, 0.5):>9.1f}{p99[-1]:>9.1f}{len(rows) - good:>8}")
    sent = len(ok) * args.batch_size
    print()
    print(f"events answered as recorded: {sent}; counted in the database: {recorded}; lost: {sent - recorded}")
    print(f"achieved: {recorded / elapsed:.0f} events/s over {elapsed:.0f} s (target {args.rate})")
    if len(p99) >= 2 and p99[0]:
        growth = p99[-1] / p99[0]
        print(f"p99 last minute / first minute: {growth:.2f}  (goal ≤ 1.5: {'met' if growth <= 1.5 else 'MISSED'})")


if __name__ == "__main__":
    main()
