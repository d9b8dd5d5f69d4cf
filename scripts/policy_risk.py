#!/usr/bin/env python
"""Print the residual-risk figures of a few quarantine policies and the published figures they reproduce.

    .venv/bin/python scripts/policy_risk.py [--policy 14+7:1,7,13 ...]

A policy is QUARANTINE+HOME[:TEST,DAYS]; test days count from the first day of quarantine.
No database is needed: the model and its parameters are in guomen/loop/science.py and
guomen/loop/data/science.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from guomen.loop import science
from guomen.loop.science import Plan, residual_risk

DEFAULT = ["14+0", "14+7", "14+7:1,7,13", "7+0", "7+0:6", "10+0:1,9", "21+0"]


def parse(text: str) -> Plan:
    days, _, tests = text.partition(":")
    q, _, h = days.partition("+")
    return Plan(int(q), tuple(int(t) for t in tests.split(",") if t), int(h or 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", action="append", help="QUARANTINE+HOME[:TEST,DAYS], repeatable")
    args = parser.parse_args()
    pub = science.published()
    print("Incubation (Lauer et al. 2020), model vs published:")
    for p, key in ((0.025, "p2_5_days"), (0.5, "median_days"), (0.975, "p97_5_days")):
        q = science.quantile_interval(p)
        ref = pub[key]
        print(
            f"  {p * 100:>5.1f}th percentile  {q.est:5.2f} d ({q.low:.1f}-{q.high:.1f})   published {ref['est']} d ({ref['low']}-{ref['high']})"
        )
    r14 = residual_risk(Plan(14))
    ref = pub["symptomatic_after_14_days_per_10000"]
    print(
        f"  symptoms after 14 days: {r14.per_10000:.1f} per 10,000 (99th pct {r14.p99:.0f})   published {ref['est']} (99th pct {ref['p99']})"
    )
    print()
    print("policy (quarantine+home · test days)   released undetected per 10,000 [95% interval]   leave facility undetected   tests miss")
    for text in args.policy or DEFAULT:
        plan = parse(text)
        r = residual_risk(plan)
        print(
            f"  {plan.label():<36} {r.per_10000:8.2f}  [{r.low:7.2f} - {r.high:7.2f}]"
            f"        {r.leave_facility_per_10000:8.2f}             {r.tests_miss:.3f}"
        )


if __name__ == "__main__":
    main()
