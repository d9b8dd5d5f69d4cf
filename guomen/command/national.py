"""The national view: each province's counts, published, gathered by logical replication, summed.

A province's guomen keeps ``PublishedCount`` rows — per county and local day: journeys in each
state, arrivals, positive results — from the loop's own counters (``publish``, run by the clock).
PostgreSQL's logical replication carries that one table to the national database (``manage.py
national_publication`` on each province, ``manage.py national_subscription`` on the nation); no
other table, so no personal data, leaves a province. The national instance reads the gathered rows
(``national_figures``): the sum of the provinces, each province and its counties.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction

from guomen.lib import clock
from guomen.lib.localtime import local_day
from guomen.places.models import Jurisdiction, Level

from .models import PublishedCount

PUBLICATION = "guomen_national"
FIGURES_DAILY = ("arrived", "positive")


def _state_figure(state: str) -> str:
    return f"state:{state}"


def _county_of(path: str) -> str | None:
    """The county code in a jurisdiction path "/530000/533100/533102/…" (None above county level)."""
    parts = [p for p in path.split("/") if p]
    return parts[2] if len(parts) >= 3 else None


def counts_now(day: date | None = None) -> dict[tuple[str, str], int]:
    """``{(county code, figure): n}`` for the local ``day`` from the loop's counters."""
    from guomen.loop.models import DailyCount, JourneyCount, State

    day = day or local_day(clock.now())
    out: dict[tuple[str, str], int] = defaultdict(int)
    for path, state, n in JourneyCount.objects.filter(n__gt=0).values_list("jurisdiction__path", "state", "n"):
        county = _county_of(path)
        if county and state in State.values:
            out[(county, _state_figure(state))] += n
    rows = DailyCount.objects.filter(day=day, what__in=FIGURES_DAILY).values_list("unit__jurisdiction__path", "what", "n")
    for path, what, n in rows:
        county = _county_of(path)
        if county:
            out[(county, what)] += n
    return dict(out)


def publish(day: date | None = None) -> int:
    """Bring this instance's published rows for ``day`` (today) up to date; returns rows written.

    Every county of the instance gets every figure (zeros included), so the national sum never
    misses a county that had nothing; only rows whose count changed are written, so replication
    carries changes, not the whole table every time."""
    from guomen.loop.models import State

    day = day or local_day(clock.now())
    counties = {j.code: j for j in Jurisdiction.objects.filter(level=Level.COUNTY)}
    if not counties:
        return 0
    provinces = {j.code: j for j in Jurisdiction.objects.filter(level=Level.PROVINCE)}
    figures = [_state_figure(s) for s in State.values] + list(FIGURES_DAILY)
    counts = counts_now(day)
    existing = dict(PublishedCount.objects.filter(day=day).values_list("key", "n"))
    now = clock.now()
    rows = []
    for code, county in counties.items():
        province = provinces.get(_province_code(county.path))
        for figure in figures:
            key = f"{code}/{figure}/{day.isoformat()}"
            n = counts.get((code, figure), 0)
            if existing.get(key) == n:
                continue
            rows.append(
                PublishedCount(
                    key=key,
                    province_code=province.code if province else "",
                    province_name=province.name_zh if province else "",
                    province_name_en=province.name_en if province else "",
                    county_code=code,
                    county_name=county.name_zh,
                    county_name_en=county.name_en,
                    figure=figure,
                    day=day,
                    n=n,
                    updated_at=now,
                )
            )
    if rows:
        with transaction.atomic():
            PublishedCount.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["key"],
                update_fields=["n", "updated_at", "county_name", "county_name_en", "province_name", "province_name_en"],
                batch_size=1000,
            )
    return len(rows)


def _province_code(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[0] if parts else ""


# --- the national side ---------------------------------------------------------------------------
@dataclass
class Area:
    code: str
    name: str
    name_en: str
    figures: dict[str, int] = field(default_factory=dict)

    def add(self, figure: str, n: int) -> None:
        self.figures[figure] = self.figures.get(figure, 0) + n

    @property
    def open(self) -> int:
        return sum(n for f, n in self.figures.items() if f.startswith("state:") and f != "state:closed")


@dataclass
class NationalFigures:
    day: date
    total: Area
    provinces: list[Area]
    counties: dict[str, list[Area]]
    updated_at: Any


def national_figures(day: date | None = None) -> NationalFigures:
    """The gathered rows of every province for ``day``: the sum, each province, each county.
    One query; the list behind each figure is the rows it sums."""
    day = day or local_day(clock.now())
    total = Area("", "", "")
    provinces: dict[str, Area] = {}
    counties: dict[str, dict[str, Area]] = defaultdict(dict)
    updated = None
    rows = PublishedCount.objects.filter(day=day).order_by("province_code", "county_code")
    for r in rows.values_list(
        "province_code", "province_name", "province_name_en", "county_code", "county_name", "county_name_en", "figure", "n", "updated_at"
    ):
        pcode, pname, pname_en, ccode, cname, cname_en, figure, n, at = r
        province = provinces.setdefault(pcode, Area(pcode, pname, pname_en))
        county = counties[pcode].setdefault(ccode, Area(ccode, cname, cname_en))
        for area in (total, province, county):
            area.add(figure, n)
        updated = at if updated is None or at > updated else updated
    return NationalFigures(
        day=day,
        total=total,
        provinces=list(provinces.values()),
        counties={p: list(c.values()) for p, c in counties.items()},
        updated_at=updated,
    )


# --- PostgreSQL's logical replication --------------------------------------------------------------
def publication_create() -> str:
    """On a province: publish the counts table (needs wal_level=logical). Idempotent."""
    _require_postgresql()
    table = PublishedCount._meta.db_table
    with connection.cursor() as c:
        c.execute("SHOW wal_level")
        (level,) = c.fetchone()
        if level != "logical":
            raise RuntimeError(f"wal_level is {level}: set wal_level = logical in postgresql.conf and restart PostgreSQL")
        c.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", [PUBLICATION])
        if c.fetchone() is None:
            c.execute(f'CREATE PUBLICATION {PUBLICATION} FOR TABLE "{table}"')
            return "created"
    return "exists"


def subscription_create(name: str, conninfo: str) -> str:
    """On the national instance: subscribe to one province's publication. Idempotent by name."""
    _require_postgresql()
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError("a subscription name is letters, digits and _")
    sub = f"guomen_{name.lower()}"
    with connection.cursor() as c:
        c.execute("SELECT 1 FROM pg_subscription WHERE subname = %s", [sub])
        if c.fetchone() is not None:
            return "exists"
        # CREATE SUBSCRIPTION takes no bind parameters: the connection string goes in as a quoted literal.
        c.execute(f"CREATE SUBSCRIPTION {sub} CONNECTION {_literal(conninfo)} PUBLICATION {PUBLICATION}")
    return "created"


def _literal(value: str) -> str:
    """A standard SQL string literal (standard_conforming_strings is on by default)."""
    return "'" + value.replace("'", "''") + "'"


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise RuntimeError("logical replication needs PostgreSQL")
