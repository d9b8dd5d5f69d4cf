"""Health-check ingest over HTTP: events per second, single and batched, beside the no-op endpoint.

A benchmark, not a test: it prints figures. It creates its own throwaway database (a SQLite file
in a temporary folder, or ``guomen_bench_<random>`` on the PostgreSQL server named by
DATABASE_URL), migrates it, loads the reference data and the demo units and users, puts N
journeys in quarantine at one facility, starts the real server (gunicorn, sync workers, DEBUG
off) on a free port and drives it from this machine with a fixed concurrency: wrk if it is
installed (a fixed duration), else a pool of Python threads with http.client (a fixed number of
requests). Batches are measured alternately with the same rows written through raw SQL (the
database's own driver, one transaction per batch: lock and read the journeys, one multi-row INSERT
of the events, one UPDATE of the projections), the reference for the batch path's ratio. The
database is dropped at the end, also on failure.

    .venv/bin/python bench/loop_ingest.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/loop_ingest.py
    .venv/bin/python bench/loop_ingest.py --profile     # also cProfile the single-check and batch paths in process
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))


# --- throwaway database -----------------------------------------------------------------------------
from benchlib import _on_term, machine, throwaway_database  # noqa: E402 - after the sys.path setup
from cpuprobe import Probe, cpu_per_request  # noqa: E402 - after the sys.path setup
from ingest_raw import raw_reference  # noqa: E402 - after the sys.path setup


def db_label() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SHOW server_version")
            return f"PostgreSQL {c.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (WAL)"


# --- the world: N journeys in quarantine at one facility ---------------------------------------------
FACILITY = "c533102-hotel1"
STAFF = "ruili_hotel"


def build_world(n: int) -> tuple[list[str], str]:
    from auditlog.context import disable_auditlog
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from guomen.core import registry
    from guomen.core.services import token_create
    from guomen.loop import services as s
    from guomen.loop.models import Disposition, State
    from guomen.org.models import Unit
    from guomen.people.models import Person

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    with disable_auditlog():
        for step in registry.DEMO_STEPS:
            if step.order < 30:  # reference, places, units, users — not the generated demo journeys
                step.run()
    t1 = time.perf_counter()
    users = get_user_model().objects
    officer, staff = users.get(username="ruili_port"), users.get(username=STAFF)
    port = Unit.objects.get(code="port-ruili")
    Unit.objects.filter(code=FACILITY).update(capacity=n + 100)
    hotel = Unit.objects.get(code=FACILITY)
    codes = []
    for i in range(n):
        person = Person.objects.create(name_native=f"压测旅客{i}（示例）", nationality="MMR", registered_by=port)
        j = s.journey_arrive(actor=officer, unit=port, person=person, origin_country="MMR", risk="low")
        s.journey_dispose(actor=officer, journey=j, disposition=Disposition.QUARANTINE, to_unit=hotel)
        j = s.handover_accept(actor=staff, journey=j, unit=hotel, room=f"B{i:04d}", card_code=j.code)
        assert j.state == State.IN_FACILITY, j.state
        codes.append(j.code)
    _row, token = token_create(user=staff, name="bench")
    print(f"setup: migrate + reference/demo units and users {t1 - t0:.1f} s; {n} journeys in quarantine {time.perf_counter() - t1:.1f} s")
    return codes, token


def checks_recorded() -> int:
    from guomen.loop.models import CustodyEvent, EventKind

    return CustodyEvent.objects.filter(kind=EventKind.HEALTH_CHECK).count()


# --- the server ------------------------------------------------------------------------------------------
SERVER_PIDS: dict[int, int] = {}  # port → the gunicorn master's pid, for the CPU probe


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def server(url: str, tmp: Path, workers: int) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "GUOMEN_ENV": "development",
        "DATABASE_URL": url,
        "GUOMEN_DEBUG": "0",
        "GUOMEN_ALLOWED_HOSTS": "127.0.0.1",
        "GUOMEN_VAR_DIR": str(tmp / "var"),
        "GUOMEN_LOG_LEVEL": "WARNING",
    }
    cmd = [
        sys.executable, "-m", "gunicorn", "guomen.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--backlog", "2048", "--log-level", "warning", "--graceful-timeout", "5",
    ]  # fmt: skip
    log = open(tmp / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, cwd=BASE, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit("the server stopped:\n" + (tmp / "gunicorn.log").read_text(errors="replace")[-3000:])
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start in 60 s") from None
                time.sleep(0.2)
        SERVER_PIDS[port] = proc.pid
        yield port
    finally:
        SERVER_PIDS.pop(port, None)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


# --- load -------------------------------------------------------------------------------------------------
class Load:
    """One kind of request, rotating over prepared (path, body) pairs."""

    def __init__(self, name: str, requests: list[tuple[str, bytes]], events_per_request: int, expect: int) -> None:
        self.name, self.requests, self.events_per_request, self.expect = name, requests, events_per_request, expect


def _one(port: int, token: str, path: str, body: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", path, body=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = conn.getresponse()
    out = r.status, r.read()
    conn.close()
    return out


def run_python(port: int, token: str, load: Load, total: int, concurrency: int) -> dict:
    """``total`` requests over ``concurrency`` threads, each with its own connection (reopened when the
    server closes it: gunicorn's sync workers answer one request per connection)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    counter = iter(range(total))
    lock = threading.Lock()
    statuses: dict[int, int] = {}
    latencies: list[float] = []

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        seen: dict[int, int] = {}
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            path, body = load.requests[(i + offset) % len(load.requests)]
            t = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                status = r.status
                if r.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                status = 0
            mine.append(time.perf_counter() - t)
            seen[status] = seen.get(status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for k, v in seen.items():
                statuses[k] = statuses.get(k, 0) + v

    threads = [threading.Thread(target=worker, args=(k * 7919,)) for k in range(concurrency)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "requests": sum(statuses.values()),
        "seconds": elapsed,
        "bad": sum(v for k, v in statuses.items() if k != load.expect),
        "statuses": statuses,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0,
    }


WRK_SCRIPT = """
local reqs = %(reqs)s
local token = "%(token)s"
local expect = %(expect)d
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  idx = tonumber(id) * 7919
  bad = 0
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  idx = idx + 1
  local r = reqs[(idx %% #reqs) + 1]
  return wrk.format("POST", r[1], nil, r[2])
end
function response(status, headers, body)
  if status ~= expect then bad = bad + 1 end
end
function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  io.write(string.format("BENCH %%d %%d %%d %%.3f %%.3f\\n", summary.requests, summary.duration, b,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def _lua(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(port: int, token: str, load: Load, seconds: int, concurrency: int, tmp: Path) -> dict:
    reqs = "{" + ",".join("{" + _lua(p) + "," + _lua(b.decode()) + "}" for p, b in load.requests) + "}"
    script = tmp / f"{load.name}.lua"
    script.write_text(WRK_SCRIPT % {"reqs": reqs, "token": token, "expect": load.expect})
    threads = max(1, min(2, concurrency))
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(concurrency),
            "-d",
            f"{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    n, micros, bad, p50, p99 = line.split()[1:]
    errors = [x.strip() for x in out.splitlines() if "Socket errors" in x]
    return {"requests": int(n), "seconds": int(micros) / 1e6, "bad": int(bad), "p50_ms": float(p50), "p99_ms": float(p99), "notes": errors}


# --- in-process profile of the service -------------------------------------------------------------------------
def profile(codes: list[str], token: str, n: int, tmp: Path) -> None:
    """cProfile the single-check path through Django's full stack (middleware, auth, ninja, service)
    in this process, and count its SQL statements."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    body = json.dumps({"temperature": 36.5})
    for path, per in (("bare", 1), ("ping", 1), ("single", 1), ("batch", 100)):
        with CaptureQueriesContext(connection) as q:
            if path == "bare":
                r = client.post("/bench/bare", "{}", content_type="application/json")
            elif path == "ping":
                r = client.post("/api/bench/noop", "{}", content_type="application/json")
            elif path == "single":
                r = client.post(f"/api/loop/journeys/{codes[0]}/checks", body, content_type="application/json")
            else:
                items = [{"journey": c, "temperature": 36.5} for c in codes[:per]]
                per = len(items)
                r = client.post("/api/loop/checks/batch", json.dumps({"unit": FACILITY, "items": items}), content_type="application/json")
        assert r.status_code in (200, 201), r.content[:300]
        print(
            f"SQL statements per request — {path}: {len(q.captured_queries)}"
            + (f" ({len(q.captured_queries) / per:.1f} per event)" if per > 1 else "")
        )
        if path in ("single", "batch"):
            for x in q.captured_queries:
                print("    " + x["sql"][:220])
    # The same requests timed in this process, interleaved so that other load on the machine hits both alike.
    spent = {"bare": 0.0, "ping": 0.0, "single": 0.0}
    for i in range(n):
        t = time.perf_counter()
        client.post("/bench/bare", "{}", content_type="application/json")
        spent["bare"] += time.perf_counter() - t
        t = time.perf_counter()
        client.post("/api/bench/noop", "{}", content_type="application/json")
        spent["ping"] += time.perf_counter() - t
        t = time.perf_counter()
        client.post(f"/api/loop/journeys/{codes[i % len(codes)]}/checks", body, content_type="application/json")
        spent["single"] += time.perf_counter() - t
    print(
        f"in process, {n} of each interleaved: bare view {1000 * spent['bare'] / n:.2f} ms, no-op {1000 * spent['ping'] / n:.2f} ms, "
        f"single check {1000 * spent['single'] / n:.2f} ms (ratios of rates: no-op/bare {spent['bare'] / spent['ping']:.2f}, "
        f"single/no-op {spent['ping'] / spent['single']:.2f})"
    )
    prof = cProfile.Profile()
    prof.enable()
    for i in range(n):
        client.post(f"/api/loop/journeys/{codes[i % len(codes)]}/checks", body, content_type="application/json")
    prof.disable()
    cpu = {}
    for name, path, data in (("bare", "/bench/bare", "{}"), ("ping", "/api/bench/noop", "{}"), ("single", None, body)):
        t = time.process_time()
        for i in range(n):
            client.post(path or f"/api/loop/journeys/{codes[i % len(codes)]}/checks", data, content_type="application/json")
        cpu[name] = 1000 * (time.process_time() - t) / n
    print(
        f"CPU of this process per request: bare view {cpu['bare']:.2f} ms, no-op {cpu['ping']:.2f} ms, single check {cpu['single']:.2f} ms"
    )
    token_lookup(token, n * 5)
    stats = pstats.Stats(prof, stream=sys.stdout)
    print(f"\ncProfile of {n} single checks in process (cumulative, top 30):")
    stats.sort_stats("cumulative").print_stats(30)
    print("by own time (top 20):")
    stats.sort_stats("tottime").print_stats(20)

    batches = max(1, n // 10)
    bodies = [
        json.dumps({"unit": FACILITY, "items": [{"journey": codes[(b * 100 + k) % len(codes)], "temperature": 36.5} for k in range(100)]})
        for b in range(batches)
    ]
    t = time.perf_counter()
    for b in bodies:
        client.post("/api/loop/checks/batch", b, content_type="application/json")
    spent = time.perf_counter() - t
    print(
        f"\nin process, {batches} batches of 100: {1000 * spent / batches:.1f} ms per batch ({100 * batches / spent:.0f} events/s, one process)"
    )
    prof = cProfile.Profile()
    prof.enable()
    for b in bodies:
        client.post("/api/loop/checks/batch", b, content_type="application/json")
    prof.disable()
    stats = pstats.Stats(prof, stream=sys.stdout)
    print(f"\ncProfile of {batches} batches of 100 checks in process (cumulative, top 40):")
    stats.sort_stats("cumulative").print_stats(40)
    print("by own time (top 25):")
    stats.sort_stats("tottime").print_stats(25)


def rate_of(r: dict, name: str) -> float:
    """Requests per second of a reference, events per second of the checks."""
    return (r["events"] if name in ("single", "apart") else r["requests"]) / r["seconds"]


def token_lookup(token: str, n: int) -> None:
    """CPU per API token lookup: the service's plain statement against the equivalent ORM query
    (``select_related`` of the user), alternately, three rounds."""
    from guomen.core.models import ApiToken
    from guomen.core.services import _digest, token_authenticate

    def orm(raw: str):
        return ApiToken.objects.select_related("user").filter(digest=_digest(raw), revoked_at__isnull=True).first().user

    spent: dict[str, list[float]] = {"service (plain SQL)": [], "ORM select_related": []}
    for _round in range(3):
        for name, lookup in (("service (plain SQL)", token_authenticate), ("ORM select_related", orm)):
            t = time.process_time()
            for _ in range(n):
                assert lookup(token) is not None
            spent[name].append(1e6 * (time.process_time() - t) / n)
    rounds = "; ".join(f"{k}: {', '.join(f'{v:.0f}' for v in vs)}" for k, vs in spent.items())
    print(f"token lookup, CPU µs each, 3 rounds of {n} alternately — {rounds}")


# --- main -------------------------------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--journeys", type=int, default=400, help="journeys in quarantine at the facility (default 400)")
    ap.add_argument("--concurrency", type=int, default=8, help="connections at once (default 8)")
    ap.add_argument("--workers", type=int, default=0, help="gunicorn sync workers (default: as `manage.py serve`, 2 × cores + 1)")
    ap.add_argument(
        "--rounds", type=int, default=3, help="measure no-op and single checks this many times, alternately; medians (default 3)"
    )
    ap.add_argument("--batch-size", type=int, default=100, help="checks per batch request (default 100)")
    ap.add_argument("--requests", type=int, default=3000, help="Python load: requests for ping and single checks (default 3000)")
    ap.add_argument("--batches", type=int, default=80, help="Python load: batch requests (default 80)")
    ap.add_argument("--seconds", type=int, default=6, help="wrk: seconds per measurement (default 6)")
    ap.add_argument("--no-wrk", action="store_true", help="use the Python load generator even if wrk is installed")
    ap.add_argument("--profile", type=int, nargs="?", const=300, default=0, help="also cProfile N single checks in process")
    ap.add_argument(
        "--read-apart",
        action="store_true",
        help="also measure, alternately, the single check with its journey read in a statement of its own (as before it travelled with the token)",
    )
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, _on_term)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["GUOMEN_ENV"] = "development"
    use_wrk = bool(shutil.which("wrk")) and not args.no_wrk

    with throwaway_database() as (url, tmp):
        os.environ["DATABASE_URL"] = url
        os.environ["GUOMEN_VAR_DIR"] = str(tmp / "var")
        os.environ["GUOMEN_DEBUG"] = "0"
        import django

        django.setup()
        print(f"guomen loop ingest benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
        print(f"machine: {machine()}; database: {db_label()} (throwaway)")
        codes, token = build_world(args.journeys)

        temps = [36.2, 36.4, 36.5, 36.6, 36.8, 36.9]  # all below the policy's fever line: nobody goes to hospital
        bare = Load("bare", [("/bench/bare", b"{}")], 0, 200)
        ping = Load("noop", [("/api/bench/noop", b"{}")], 0, 200)
        single = Load(
            "single",
            [(f"/api/loop/journeys/{c}/checks", json.dumps({"temperature": temps[i % len(temps)]}).encode()) for i, c in enumerate(codes)],
            1,
            201,
        )
        groups = max(1, len(codes) // args.batch_size)
        bodies = []
        for g in range(max(groups, 8)):
            chunk = [codes[(g * args.batch_size + k) % len(codes)] for k in range(args.batch_size)]
            items = [{"journey": c, "temperature": temps[(g + k) % len(temps)]} for k, c in enumerate(chunk)]
            bodies.append(("/api/loop/checks/batch", json.dumps({"unit": FACILITY, "items": items}).encode()))
        batch = Load("batch", bodies, args.batch_size, 200)
        apart = Load(
            "apart",
            [
                (f"/api/bench/checks-read-apart/{c}", json.dumps({"temperature": temps[i % len(temps)]}).encode())
                for i, c in enumerate(codes)
            ],
            1,
            201,
        )
        compared = (bare, ping, single, apart) if args.read_apart else (bare, ping, single)
        from django.contrib.auth import get_user_model

        from guomen.loop.models import Journey
        from guomen.org.models import Unit

        ids = dict(Journey.objects.filter(code__in=codes).values_list("code", "pk"))
        chunks = [[(ids[i["journey"]], i["temperature"]) for i in json.loads(b)["items"]] for _p, b in bodies]
        who = {"actor_id": get_user_model().objects.get(username=STAFF).pk, "unit_id": Unit.objects.get(code=FACILITY).pk}

        from guomen.core.management.commands.serve import default_workers

        workers = args.workers or default_workers()

        def measure(load: Load, *, warm: bool = False) -> dict:
            before = checks_recorded()
            probe = Probe(SERVER_PIDS.get(port), url).start()
            if use_wrk:
                r = run_wrk(port, token, load, 2 if warm else args.seconds, args.concurrency, tmp)
            else:
                total = args.batches if load is batch else args.requests
                r = run_python(port, token, load, max(1, total // 5) if warm else total, args.concurrency)
            r["cpu"] = probe.stop()
            r["events"] = checks_recorded() - before
            return r

        results: dict[str, dict] = {}
        with server(url, tmp, workers) as port:
            for load in (*compared, batch):  # every code path answers as expected …
                for path, body in load.requests[:4]:
                    status, content = _one(port, token, path, body)
                    if status != load.expect:
                        raise SystemExit(f"{load.name}: HTTP {status} {content[:300]!r}")
            for load in (*compared, batch):  # … and every worker has served each before anything is measured
                measure(load, warm=True)
            how = (
                f"wrk, {args.concurrency} connections, {args.seconds} s per measurement"
                if use_wrk
                else f"Python http.client, {args.concurrency} threads, {args.requests} requests ({args.batches} for batches)"
            )
            print(f"server: gunicorn, {workers} sync workers, DEBUG off, 127.0.0.1:{port}; load: {how}")
            print(
                f"bare view, no-op and single checks measured {args.rounds} times each, alternately, then batches and the raw SQL of the same rows as many times, alternately; the median round is shown"
            )
            rounds: dict[str, list[dict]] = {load.name: [] for load in compared}
            for _round in range(max(1, args.rounds)):
                for load in compared:
                    rounds[load.name].append(measure(load))
            by_round = {name: list(runs) for name, runs in rounds.items()}  # in the order measured
            for name, runs in rounds.items():
                runs.sort(key=lambda r, n=name: rate_of(r, n))
                results[name] = runs[len(runs) // 2]
                results[name]["all_rates"] = [round(rate_of(r, name)) for r in by_round[name]]
            # Batches and the raw SQL of the same rows, alternately, as many rounds.
            raw_total = args.batches
            raw_reference(url, chunks, max(1, raw_total // 5), args.concurrency, **who)  # warm
            for _round in range(max(1, args.rounds)):
                rounds.setdefault("batch", []).append(measure(batch))
                before = checks_recorded()
                r = raw_reference(url, chunks, raw_total, args.concurrency, **who)
                r["events"] = checks_recorded() - before
                rounds.setdefault("raw", []).append(r)
            for name in ("batch", "raw"):
                runs = rounds[name]
                runs.sort(key=lambda r: r["events"] / r["seconds"])
                results[name] = runs[len(runs) // 2]
                results[name]["all_rates"] = [round(r["events"] / r["seconds"]) for r in runs]

        print()
        print(f"{'endpoint':<34}{'requests':>9}{'seconds':>9}{'req/s':>9}{'events/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
        label = {
            "bare": "POST /bench/bare (Django view)",
            "noop": "POST /api/bench/noop (no-op)",
            "single": "POST /journeys/{code}/checks",
            "apart": "the same, journey read apart",
            "batch": f"POST /checks/batch ({args.batch_size}/req)",
            "raw": f"raw SQL, same rows ({args.batch_size}/txn)",
        }
        for name, r in results.items():
            rps = r["requests"] / r["seconds"]
            eps = r["events"] / r["seconds"]
            print(
                f"{label[name]:<34}{r['requests']:>9}{r['seconds']:>9.1f}{rps:>9.0f}{(eps if name not in ('noop', 'bare') else 0):>10.0f}"
                f"{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['bad']:>8}"
            )
            if len(r.get("all_rates", [])) > 1:
                print(f"    {name}: rounds at {', '.join(map(str, r['all_rates']))} per s (in the order measured)")
            for note in r.get("notes", []):
                print(f"    {name}: {note}")
        bare_rps = results["bare"]["requests"] / results["bare"]["seconds"]
        noop_rps = results["noop"]["requests"] / results["noop"]["seconds"]
        single_eps = results["single"]["events"] / results["single"]["seconds"]
        batch_eps = results["batch"]["events"] / results["batch"]["seconds"]
        raw_eps = results["raw"]["events"] / results["raw"]["seconds"]
        write_ratio = batch_eps / raw_eps if raw_eps else 0.0
        ratio = single_eps / noop_rps if noop_rps else 0.0
        api_ratio = noop_rps / bare_rps if bare_rps else 0.0
        per_round = [
            (round(n / b, 2), round(s / n, 2))
            for b, n, s in zip(*(map(rate_of, by_round[k], [k] * len(by_round[k])) for k in ("bare", "noop", "single")), strict=True)
        ]
        print()
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(
            f"no-op / bare Django view (same token authentication): {api_ratio:.2f}  (goal ≥ 0.80: {'met' if api_ratio >= 0.8 else 'MISSED'})"
        )
        print(
            f"single / no-op: {ratio:.2f}  (goal ≥ 0.70: {'met' if ratio >= 0.7 else 'MISSED'}); round by round (no-op/bare, single/no-op): {per_round}"
        )
        if "apart" in by_round:
            apart_eps = results["apart"]["events"] / results["apart"]["seconds"]
            gains = [
                round(rate_of(s, "single") / rate_of(a, "apart"), 2) for s, a in zip(by_round["single"], by_round["apart"], strict=True)
            ]
            print(
                f"the same check with its journey read apart from the token's lookup: {apart_eps / noop_rps if noop_rps else 0:.2f} × the no-op; "
                f"single / read apart: {single_eps / apart_eps if apart_eps else 0:.2f} (rounds {gains})"
            )
        met = batch_eps >= 10000 or write_ratio >= 0.3
        print(
            f"batched ingest: {batch_eps:.0f} events/s, {write_ratio:.2f} × raw SQL of the same rows ({raw_eps:.0f} events/s)  "
            f"(goal ≥ 10,000 events/s or ≥ 0.30 × raw: {'met' if met else 'MISSED'})"
        )
        print(f"batched / single events/s: {batch_eps / single_eps if single_eps else 0:.1f}x")
        cpu_per_request(rounds, os.cpu_count() or 1)
        print("events counted in the database (health_check custody events written), not assumed from HTTP answers")

        if args.profile:
            print()
            profile(codes, token, args.profile, tmp)


if __name__ == "__main__":
    main()
