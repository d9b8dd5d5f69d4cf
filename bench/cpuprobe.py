"""CPU time spent on each side of a benchmark on this machine: the load generator (this process),
the application server (a gunicorn master's workers) and PostgreSQL (the backends connected to
one database), read from /proc. On a machine shared with other work, wall-clock rates move with
everybody else's load; the CPU each side spends per request moves much less, and says where the
time of a request goes. Sides that cannot be read (another host, no /proc) count as absent."""

from __future__ import annotations

import os
import statistics
import threading
import time
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(pid: int) -> float:
    """Seconds of CPU (user + system) of one process, 0 if it is gone or unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def children(pid: int) -> list[int]:
    """The direct children of a process (gunicorn's workers)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(stat.parent.name))
    return out


class Probe:
    """``start()`` before a measurement, ``stop()`` after: seconds of CPU per side in between.

    A sampler thread reads the processes every quarter second, so that a process which ends during
    the measurement (a database connection closed at its maximum age, replaced by a new one) counts
    up to its last sample instead of vanishing."""

    def __init__(self, server_pid: int | None, database_url: str | None) -> None:
        self.server_pid, self.url = server_pid, database_url
        self.readable = Path("/proc/self/stat").exists()
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._db = None
        self.own = 0.0

    def _backends(self) -> list[int]:
        if self._db is None:
            return []
        rows = self._db.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return [r[0] for r in rows]

    def _sample(self) -> None:
        t = os.times()
        seen = [(("load generator", 0), t.user + t.system)]
        if self.server_pid:
            seen += [(("server", p), _cpu_of(p)) for p in children(self.server_pid)]
        seen += [(("database", p), _cpu_of(p)) for p in self._backends()]
        for key, cpu in seen:
            if cpu or key[0] == "load generator":
                self.first.setdefault(key, cpu)
                self.last[key] = cpu

    def start(self) -> Probe:
        if not self.readable:
            return self
        if self.url and self.url.startswith(("postgres://", "postgresql://")):
            import psycopg

            self._db = psycopg.connect(self.url.replace("postgres://", "postgresql://", 1), autocommit=True)
        self._sample()

        def run() -> None:
            t = time.thread_time()
            while not self._stop.wait(0.25):
                self._sample()
            self.own = time.thread_time() - t  # the sampler's own CPU, not the load generator's

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict[str, float]:
        """Seconds of CPU per side since ``start()`` (processes that appeared meanwhile count from 0)."""
        if not self.readable or self._thread is None:
            return {}
        self._stop.set()
        self._thread.join()
        self._sample()
        if self._db is not None:
            self._db.close()
        out: dict[str, float] = {}
        for key, cpu in self.last.items():
            side, _pid = key
            out[side] = out.get(side, 0.0) + cpu - self.first[key]
        out["load generator"] = max(0.0, out.get("load generator", 0.0) - self.own)
        return out


def cpu_per_request(rounds: dict[str, list[dict]], cores: int) -> None:
    """Where a request's time goes: CPU ms per request on each side (load generator, server's
    workers, the database's backends), the median of the rounds, and what share of the machine's
    cores the three kept busy. A path whose total CPU per request is c ms cannot go faster than
    cores / c on this machine, whatever the load; the ratio of two totals is the ratio of rates
    the endpoints would reach with the machine to themselves."""
    sides = ("load generator", "server", "database")
    totals = {}
    print("\nCPU per request, ms (median of the rounds) — " + ", ".join(sides) + "; total; share of the cores busy on these three")
    for name in ("bare", "noop", "single", "apart"):
        if name not in rounds:
            continue
        per = []
        for r in rounds.get(name, []):
            if r.get("cpu") and r["requests"]:
                per.append(
                    {
                        **{k: 1000 * r["cpu"].get(k, 0.0) / r["requests"] for k in sides},
                        "busy": sum(r["cpu"].values()) / (r["seconds"] * cores),
                    }
                )
        if not per:
            return
        med = {k: statistics.median(p[k] for p in per) for k in (*sides, "busy")}
        totals[name] = sum(med[k] for k in sides)
        print(f"    {name:<7}" + "".join(f"{med[k]:>7.2f}" for k in sides) + f"; {totals[name]:.2f} ms; {100 * med['busy']:.0f} % busy")
    if totals.get("single") and totals.get("noop"):
        print(
            f"    by CPU alone: single / no-op {totals['noop'] / totals['single']:.2f}, no-op / bare {totals['bare'] / totals['noop']:.2f} "
            "(PostgreSQL's WAL writer and checkpointer, shared by the cluster, not counted)"
        )
    if totals.get("apart") and totals.get("noop"):
        print(f"    by CPU alone: single with its journey read apart / no-op {totals['noop'] / totals['apart']:.2f}")
