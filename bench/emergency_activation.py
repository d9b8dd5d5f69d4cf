#!/usr/bin/env python
"""Benchmark: activating an emergency plan of 200 steps across 50 units.

One activation creates a dispatch task per step and the activation's step rows, in one transaction
(``guomen.emergency.services.activate``). Measured in a throwaway database (benchlib): migrate, the
demo geography, units and users, then a plan owned by the province command with 200 steps spread
over 50 units (4 each, every step after the previous one of its unit), approved; then N activations
(real, then exercise, alternately), each timed from the call to the commit, with its SQL statements.
Alternately with each activation, the same rows it wrote (the activation, its tasks and its steps)
are written again in plain SQL — one multi-row INSERT per table, one transaction (``rawcopy``) —
and the activation is printed as a ratio to that reference.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/emergency_activation.py
    .venv/bin/python bench/emergency_activation.py                 # SQLite
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchlib import machine, throwaway_database  # noqa: E402
from bench.rawcopy import RawCopy  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one more activation")
    args = parser.parse_args()
    with throwaway_database() as (url, tmp):
        os.environ["DATABASE_URL"] = url
        os.environ["GUOMEN_VAR_DIR"] = str(tmp)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guomen.settings")
        import django

        django.setup()
        run(args)


def run(args: argparse.Namespace) -> None:
    from datetime import timedelta

    from auditlog.context import disable_auditlog
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guomen.command.models import DispatchTask
    from guomen.core import registry
    from guomen.emergency import services
    from guomen.emergency.models import Activation, ActivationStep
    from guomen.lib import clock
    from guomen.org.models import Role, Unit

    call_command("migrate", verbosity=0)
    with disable_auditlog():
        for step in registry.DEMO_STEPS:
            if step.order < 30:
                step.run()
    actor = get_user_model().objects.get(username="province")
    units = list(Unit.objects.filter(active=True).exclude(code="yn-command").order_by("jurisdiction__path", "code")[: args.units])
    assert len(units) == args.units, f"only {len(units)} units"
    plan = services.plan_create(
        actor=actor, code="bench-200", name_zh="基准预案", owner_unit=Unit.objects.get(code="yn-command"), scenario="other"
    )
    steps = []
    for i in range(args.steps):
        unit = units[i % args.units]
        prev = i - args.units
        steps.append(
            {
                "code": f"S{i + 1}",
                "kind": f"kind{i % 10}",
                "title_zh": f"步骤{i + 1}",
                "title_en": f"Step {i + 1}",
                "role": Role.COUNTY_COMMAND,
                "unit": unit,
                "target_minutes": 15 + i,
                "after": [f"S{prev + 1}"] if prev >= 0 else [],
                "checklist": ["核对", "报告"],
            }
        )
    version = services.version_create(actor=actor, plan=plan, review_due=clock.today() + timedelta(days=90), steps=steps)
    services.version_approve(actor=actor, version=version)
    print(f"machine: {machine()}; database: {connection.vendor} {connection.Database.__name__}")
    print(f"plan: {args.steps} steps across {args.units} units")
    times, queries, raw = [], [], []
    for r in range(args.runs):
        before = DispatchTask.objects.count()
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            act = services.activate(actor=actor, plan=plan, exercise=bool(r % 2))
            times.append(time.perf_counter() - t)
        assert DispatchTask.objects.count() - before == args.steps and act.steps.count() == args.steps
        queries.append(len(ctx.captured_queries))
        steps = list(act.steps.values_list("pk", "task_id"))
        copy = RawCopy([(Activation, [act.pk]), (DispatchTask, [t for _s, t in steps]), (ActivationStep, [s for s, _t in steps])])
        raw.append(copy.write())
    print(f"activation (one transaction, {args.steps} tasks + {args.steps} step rows): "
          f"median {statistics.median(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms "
          f"of {args.runs} runs; {statistics.median(queries):.0f} SQL statements")  # fmt: skip
    print(f"the same {copy.rows} rows in plain SQL (one INSERT per table, one transaction), alternately: "
          f"median {statistics.median(raw) * 1000:.1f} ms, best {min(raw) * 1000:.1f} ms, worst {max(raw) * 1000:.1f} ms")  # fmt: skip
    ratios = [a / b for a, b in zip(times, raw, strict=True)]
    print(f"activation / plain SQL of the same rows: {statistics.median(ratios):.1f}x (median of the pairs; "
          f"pairs {', '.join(f'{x:.1f}' for x in ratios)})")  # fmt: skip
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(services.activate, actor=actor, plan=plan)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    print("goal: under 1 s on PostgreSQL:", "met" if statistics.median(times) < 1 else "NOT met")


if __name__ == "__main__":
    main()
