#!/usr/bin/env python
"""Benchmark: importing a pre-arrival manifest of 10,000 and 100,000 rows.

``guomen.loop.manifest.manifest_import`` as the page and the API call it, on a CSV of N rows, each a
new traveller (person, passport with its number sealed and keyed hashes, declared journey, custody
event, counts). Measured in a throwaway database (benchlib): migrate, the demo geography, units and
users, then one import per size (new documents each time), timed from the call to its return, with
how much the process's peak memory grew. On PostgreSQL the same rows then go through a raw
``COPY … FROM STDIN`` into a bare table of text columns on the same connection: the floor, and the
ratio of the import to it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/manifest_import.py
    .venv/bin/python bench/manifest_import.py                 # SQLite
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchlib import machine, throwaway_database  # noqa: E402

HEADER = [
    "name_native",
    "name_latin",
    "sex",
    "birth_date",
    "nationality",
    "document_kind",
    "document_number",
    "expected_at",
    "origin_place",
    "risk",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "芳伟娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文斌建国红梅丹云飞鹏辉宇晨浩然"  # 20 × 40 × 40 = 32,000 names


def rows(n: int, prefix: str) -> list[list[str]]:
    from datetime import date, timedelta

    days = [(date.today() + timedelta(days=d)).isoformat() for d in range(1, 10)]  # expected within the next days
    return [
        [
            SURNAMES[i % 20] + GIVEN[(i // 20) % 40] + GIVEN[(i // 800) % 40],
            f"Traveller {i}",
            "F" if i % 2 else "M",
            f"19{60 + i % 40}-0{1 + i % 9}-1{i % 10}",
            ["CHN", "LAO", "MMR", "VNM"][i % 4],
            "passport",
            f"{prefix}{i:08d}",
            f"{days[i % 9]} 1{i % 10}:30",
            "Boten",
            ["low", "medium", "high"][i % 3],
        ]
        for i in range(n)
    ]


def csv_bytes(data: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in [HEADER, *data]) + "\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--profile", metavar="N", type=int, default=0, help="print the N costliest functions of the import (cProfile)")
    parser.add_argument("--processes", type=int, default=0, help="worker processes for the row checks (GUOMEN_MANIFEST_PROCESSES)")
    args = parser.parse_args()
    os.environ["GUOMEN_MANIFEST_PROCESSES"] = str(args.processes)
    with throwaway_database() as (url, tmp):
        os.environ["DATABASE_URL"] = url
        os.environ["GUOMEN_VAR_DIR"] = str(tmp)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guomen.settings")
        import django

        django.setup()
        run([int(s) for s in args.sizes.split(",")], args.profile)


def run(sizes: list[int], profile: int = 0) -> None:
    import resource

    from auditlog.context import disable_auditlog
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from guomen.core import registry
    from guomen.loop import bulk_pool
    from guomen.loop.manifest import manifest_import
    from guomen.loop.models import CustodyEvent, Journey
    from guomen.org.models import Unit

    call_command("migrate", verbosity=0)
    with disable_auditlog():
        for step in registry.DEMO_STEPS:
            if step.order < 30:
                step.run()
    actor = get_user_model().objects.get(username="mohan_port")
    port = Unit.objects.get(code="port-mohan")
    print(f"machine: {machine()}; database: {connection.vendor} {connection.Database.__name__}; load average {os.getloadavg()[0]:.1f}")
    from guomen.people.names import search_text

    search_text("王芳")  # pypinyin loads its dictionaries on first use, once per process
    for k, n in enumerate(sizes):
        data = rows(n, f"B{k}")
        content = csv_bytes(data)
        before = (Journey.objects.count(), CustodyEvent.objects.count())
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        profiler = cProfile.Profile() if profile else None
        workers_cpu = _children_cpu()
        server = ServerCPU(connection.settings_dict["NAME"]) if connection.vendor == "postgresql" else None
        t, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        report = manifest_import(actor=actor, port_unit=port, file_name="bench.csv", content=content)
        if profiler is not None:
            profiler.disable()
        took, cpu = time.perf_counter() - t, time.process_time() - cpu
        server_cpu = server.stop() if server is not None else None
        bulk_pool.close()  # the workers' CPU time is counted once they have ended
        workers_cpu = _children_cpu() - workers_cpu
        grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) * 1024
        after = (Journey.objects.count(), CustodyEvent.objects.count())
        assert report.n_taken == n and not report.rejected, (report.n_taken, report.rejected[:3])
        assert after[0] - before[0] == n and after[1] - before[1] == n, (before, after)
        line = f"{n:>7,} rows ({len(content) / 1e6:.1f} MB): {took:.2f} s, {n / took:,.0f} rows/s "
        line += f"(CPU of this process {cpu:.2f} s: {n / cpu:,.0f} rows/s of its CPU time"
        if workers_cpu:
            line += f"; of its {bulk_pool.processes()} workers {workers_cpu:.2f} s; all CPU {n / (cpu + workers_cpu):,.0f} rows/s"
        line += f"), peak memory of the process +{grew / 1e6:.0f} MB"
        if server_cpu is not None:
            line += f"; database server CPU {server_cpu:.2f} s ({server_cpu / n * 1e6:.0f} µs a row)"
        if connection.vendor == "postgresql":
            copy_took = raw_copy(data)
            line += f"; raw COPY into a bare table {copy_took:.2f} s ({n / copy_took:,.0f} rows/s), import / COPY = {took / copy_took:.1f}×"
        print(line, flush=True)
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)
    goal = 20_000 if connection.vendor == "postgresql" else 5_000
    print(f"goal: ≥ {goal:,} rows/s at {sizes[-1]:,} rows on {connection.vendor}: {'met' if sizes[-1] / took >= goal else 'NOT met'}")


class ServerCPU:
    """The CPU time of the PostgreSQL server processes serving this database (the import's own
    connection and its writer thread's), read from /proc when the server runs on this machine:
    sampled every 0.2 s, so the last instants of a connection that ends are missed."""

    def __init__(self, dbname: str) -> None:
        import threading

        self.dbname, self.first, self.last = dbname, {}, {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self._sample()
        self.first = dict(self.last)
        self.thread.start()

    def _sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                if self.dbname not in (d / "cmdline").read_bytes().decode(errors="replace").split(" "):
                    continue
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.last[d.name] = (int(fields[11]) + int(fields[12])) / tick

    def _run(self) -> None:
        while not self.done.wait(0.2):
            self._sample()

    def stop(self) -> float | None:
        self.done.set()
        self.thread.join()
        self._sample()
        if not self.last:
            return None  # a server on another machine
        return sum(v - self.first.get(pid, 0.0) for pid, v in self.last.items())


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def raw_copy(data: list[list[str]]) -> float:
    """The same rows, as text, through COPY into a table of text columns with no index: the floor."""
    from django.db import connection, transaction

    cols = ", ".join(f"{h} text" for h in HEADER)
    with connection.cursor() as c:
        c.execute(f"DROP TABLE IF EXISTS bench_bare; CREATE TABLE bench_bare ({cols})")
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c, c.cursor.copy(f"COPY bench_bare ({', '.join(HEADER)}) FROM STDIN") as copy:
        for r in data:
            copy.write_row(r)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
