"""What a quarantine policy leaves to chance — from the published science, without the database.

The model (README, "Policy science"):

- The incubation period (exposure to symptom onset) is log-normal with the parameters of Lauer et
  al. 2020; an infected traveller whose symptoms start while in quarantine or home monitoring is
  found (twice-daily checks in quarantine, daily at home).
- An RT-PCR test on day *k* since exposure is falsely negative with the probability Kucirka et al.
  2020 give for day *k*; tests are independent of one another given the day.
- A traveller is exposed on the day they arrive (day 1 of quarantine is day 1 since exposure) unless
  ``exposure_day`` says otherwise: the conservative case, the one Lauer's "after 14 days" uses.

So the probability that an infected traveller leaves the loop still incubating and undetected is
``S(days in the loop) × Π FNR(test day)``, with ``S`` the log-normal survival function.

Uncertainty: the parameters vary over the papers' 95 % intervals. Each uncertain number is a
split normal — the published estimate, with the lower and upper half of its interval as ±1.96
standard deviations on each side — evaluated on a fixed stratified grid (the incubation
parameters on a full grid, the false-negative curve as one shared quantile, stratified and
shuffled with a fixed seed), so that every figure is reproducible to the last digit. The incubation
parameters are taken as independent (the paper does not publish their correlation); the
false-negative rates of different days move together (one curve).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np

DATA = Path(__file__).with_name("data") / "science.json"
Z975 = NormalDist().inv_cdf(0.975)
GRID = 160  # strata per incubation parameter: GRID² points
SEED = 20200310  # Lauer et al. appeared on 10 March 2020


@dataclass(frozen=True)
class Interval:
    est: float
    low: float
    high: float

    def at(self, z: np.ndarray) -> np.ndarray:
        """A split normal: ``z`` standard normal deviates to values around ``est``."""
        down = (self.est - self.low) / Z975
        up = (self.high - self.est) / Z975
        return np.where(z < 0, self.est + z * down, self.est + z * up)


@dataclass(frozen=True)
class Params:
    meanlog: Interval
    sdlog: Interval
    fnr_days: tuple[int, ...]
    fnr: tuple[Interval, ...]
    sources: tuple[str, str]

    def false_negative(self, day: int) -> Interval:
        """The false-negative rate on ``day`` since exposure (1 = the day of exposure)."""
        days = self.fnr_days
        if day <= days[0]:
            return self.fnr[0]
        if day >= days[-1]:
            return self.fnr[-1]
        for i in range(len(days) - 1):
            a, b = days[i], days[i + 1]
            if a <= day <= b:
                w = (day - a) / (b - a)
                x, y = self.fnr[i], self.fnr[i + 1]
                return Interval(*(getattr(x, f) + w * (getattr(y, f) - getattr(x, f)) for f in ("est", "low", "high")))
        raise AssertionError(day)  # pragma: no cover


@cache
def params() -> Params:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    inc, fn = raw["incubation"], raw["false_negative"]
    by_day = sorted((int(k), Interval(**v)) for k, v in fn["by_day"].items())
    return Params(
        meanlog=Interval(**inc["meanlog"]),
        sdlog=Interval(**inc["sdlog"]),
        fnr_days=tuple(d for d, _ in by_day),
        fnr=tuple(i for _, i in by_day),
        sources=(inc["source"], fn["source"]),
    )


def published() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))["incubation"]["published"]


# --- the incubation period --------------------------------------------------------------------
_erfc = np.frompyfunc(math.erfc, 1, 1)


def survival(days: float, meanlog: Any, sdlog: Any) -> Any:
    """P(incubation > days) for a log-normal; works on numbers and numpy arrays."""
    if days <= 0:
        return np.ones_like(np.asarray(meanlog, dtype=float)) if np.ndim(meanlog) else 1.0
    z = (math.log(days) - np.asarray(meanlog, dtype=float)) / (np.asarray(sdlog, dtype=float) * math.sqrt(2))
    out = 0.5 * np.asarray(_erfc(z), dtype=float)
    return out if np.ndim(out) else float(out)


def incubation_quantile(p: float, meanlog: float | None = None, sdlog: float | None = None) -> float:
    """Days by which a share ``p`` of symptomatic cases have their first symptoms."""
    prm = params()
    mu = prm.meanlog.est if meanlog is None else meanlog
    sd = prm.sdlog.est if sdlog is None else sdlog
    return math.exp(mu + sd * NormalDist().inv_cdf(p))


@cache
def _grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fixed uncertainty grid: meanlog, sdlog and the false-negative quantile per point."""
    prm = params()
    nd = NormalDist()
    z = np.array([nd.inv_cdf((i + 0.5) / GRID) for i in range(GRID)])
    zm, zs = np.meshgrid(z, z, indexing="ij")
    mu = prm.meanlog.at(zm.ravel())
    sd = np.maximum(prm.sdlog.at(zs.ravel()), 1e-3)
    n = mu.size
    order = np.random.default_rng(SEED).permutation(n)
    zf = np.array([nd.inv_cdf((i + 0.5) / n) for i in range(n)])[order]
    return mu, sd, zf


# --- a policy ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """What a policy asks of one traveller: days of centralised quarantine, test days (1 = the
    first day of quarantine), days of home health monitoring after it."""

    quarantine_days: int
    test_days: tuple[int, ...] = ()
    home_days: int = 0
    exposure_day: int = 1  # the day since exposure on which the traveller arrives

    @classmethod
    def of_rules(cls, rules: Any, risk: str = "medium") -> Plan:
        q = rules.quarantine_days[risk]
        return cls(quarantine_days=q, test_days=tuple(sorted({d for d in rules.test_days if 1 <= d <= q})), home_days=rules.home_days[risk])

    @property
    def loop_days(self) -> int:
        return self.quarantine_days + self.home_days

    @property
    def person_days(self) -> int:
        """Days one traveller spends under control (quarantine and home monitoring)."""
        return self.loop_days

    def label(self) -> str:
        s = f"{self.quarantine_days}+{self.home_days}"
        return s + (" · " + ",".join(str(d) for d in self.test_days) if self.test_days else "")


@dataclass(frozen=True)
class Residual:
    """Infected travellers per 10,000 who leave still incubating and undetected."""

    probability: float  # at the papers' point estimates
    per_10000: float  # mean over the parameter uncertainty
    low: float  # 2.5th percentile over the uncertainty
    high: float  # 97.5th percentile
    p99: float
    leave_facility_per_10000: float  # leave centralised quarantine (to home monitoring) undetected
    tests_miss: float  # probability that every test of the plan is negative (point estimate)


def _tests_miss(plan: Plan, zf: Any) -> Any:
    prm = params()
    miss = np.ones_like(np.asarray(zf, dtype=float))
    for d in plan.test_days:
        if 1 <= d <= plan.quarantine_days:
            rate = prm.false_negative(d + plan.exposure_day - 1)
            miss = miss * np.clip(rate.at(np.asarray(zf, dtype=float)), 0.0, 1.0)
    return miss


@lru_cache(maxsize=256)
def residual_risk(plan: Plan) -> Residual:
    prm = params()
    shift = plan.exposure_day - 1
    point_miss = float(_tests_miss(plan, np.zeros(1))[0])
    point = survival(plan.loop_days + shift, prm.meanlog.est, prm.sdlog.est) * point_miss
    mu, sd, zf = _grid()
    miss = _tests_miss(plan, zf)
    p = survival(plan.loop_days + shift, mu, sd) * miss
    facility = survival(plan.quarantine_days + shift, mu, sd) * miss
    lo, hi, p99 = np.percentile(p, [2.5, 97.5, 99])
    return Residual(
        probability=float(point),
        per_10000=float(p.mean() * 1e4),
        low=float(lo * 1e4),
        high=float(hi * 1e4),
        p99=float(p99 * 1e4),
        leave_facility_per_10000=float(facility.mean() * 1e4),
        tests_miss=point_miss,
    )


def quantile_interval(p: float) -> Interval:
    """A quantile of the incubation period with its 95 % interval over the parameter grid."""
    mu, sd, _zf = _grid()
    q = np.exp(mu + sd * NormalDist().inv_cdf(p))
    lo, hi = np.percentile(q, [2.5, 97.5])
    return Interval(incubation_quantile(p), float(lo), float(hi))
