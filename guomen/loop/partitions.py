"""Custody events on PostgreSQL: one partition per month of the journeys' opening.

Each event carries its journey's opening time (``CustodyEvent.journey_opened_at``, the same for
every event of a journey); the table is partitioned by range on it, one partition a month
(``loop_custodyevent_p2026_11``) and a default partition (``loop_custodyevent_default``) that takes
whatever no month partition does, so an insert never fails for want of a partition. Every unique
constraint of a partitioned table must hold the partition key: the primary key is
(id, journey_opened_at) and the sequence of a journey is unique by (journey, seq, journey_opened_at),
which is as strong as (journey, seq) since a journey has one opening time. A journey's events all
live in one partition, so a month's partition is a set of whole journeys: it is archived to a file
and detached once all of them are closed longer ago than the retention period (``archive_month``).

Partitions are created ahead of the clock by ``loop_custodyevent_partitions(first, months)``, a
function owned by the tables' owner (SECURITY DEFINER), so that the clock's periodic task may call
it while connected as the application role, which may not create tables. The append-only rule
(``core.append_only``) covers every partition: the row trigger is cloned from the parent, the
TRUNCATE trigger is created with the partition. SQLite keeps one table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from guomen.core import append_only

TABLE = "loop_custodyevent"
DEFAULT = f"{TABLE}_default"
AHEAD = 3  # months created ahead of the current one

# (first month, number of months) -> names of the partitions it created. Owned by the migrating role.
FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TABLE}_partitions(from_month date, months integer) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
  m date;
  lo timestamptz;
  hi timestamptz;
  part text;
BEGIN
  FOR i IN 0 .. months - 1 LOOP
    m := (date_trunc('month', from_month) + make_interval(months => i))::date;
    lo := m::timestamp AT TIME ZONE 'UTC';
    hi := (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
    part := format('{TABLE}_p%s', to_char(m, 'YYYY_MM'));
    CONTINUE WHEN to_regclass(part) IS NOT NULL;
    -- Events of that month already in the default partition: attaching would fail; they stay there.
    CONTINUE WHEN EXISTS (SELECT 1 FROM {DEFAULT} WHERE journey_opened_at >= lo AND journey_opened_at < hi);
    EXECUTE format('CREATE TABLE %I PARTITION OF {TABLE} FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    EXECUTE format('CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()', part);
    RETURN NEXT part;
  END LOOP;
END $$"""  # noqa: S608 - fixed names


def month_of(t: dt.datetime | dt.date) -> dt.date:
    return dt.date(t.year, t.month, 1) if not isinstance(t, dt.datetime) else month_of(t.astimezone(dt.UTC).date())


def add_months(m: dt.date, n: int) -> dt.date:
    k = m.year * 12 + m.month - 1 + n
    return dt.date(k // 12, k % 12 + 1, 1)


def partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cur.fetchone()
    return bool(row and row[0] == "p")


def create_ahead(now: dt.datetime, ahead: int = AHEAD, behind: int = 1) -> list[str]:
    """Create the month partitions from ``behind`` months before ``now`` to ``ahead`` after (those
    missing); their names. Nothing on SQLite."""
    if not partitioned():
        return []
    first = add_months(month_of(now), -behind)
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {TABLE}_partitions(%s, %s)", [first, behind + ahead + 1])  # noqa: S608 - fixed name
        return [row[0] for row in cur.fetchall()]


@dataclass(frozen=True)
class Partition:
    name: str
    start: dt.datetime | None  # None: the default partition
    end: dt.datetime | None


def listing() -> list[Partition]:
    """The partitions attached now, oldest month first, the default last."""
    if not partitioned():
        return []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [TABLE],
        )
        rows = cur.fetchall()
        out = []
        for name, bound in rows:
            if bound == "DEFAULT":
                continue
            cur.execute("SELECT %s::timestamptz, %s::timestamptz", bound.split("'")[1::2][:2])
            start, end = cur.fetchone()
            out.append(Partition(name, start, end))
    out.sort(key=lambda p: p.start)
    return out + [Partition(name, None, None) for name, bound in rows if bound == "DEFAULT"]


# --- the conversion of an existing table (migration 0012) --------------------------------------------


def convert(conn: Any, now: dt.datetime) -> None:
    """Turn the plain events table into the partitioned one, rows and all: a new partitioned table
    with the same columns, checks, indexes and foreign keys, every row copied with its journey's
    opening time, the old table dropped and the new one renamed in its place, the id sequence
    carried on. One transaction (the migration's), under an exclusive lock: nothing is written
    meanwhile, and a failure leaves the old table as it was."""
    with conn.cursor() as cursor:
        _convert(cursor, now)
    append_only.install(conn, TABLE)  # the row trigger on the parent (cloned), TRUNCATE on each table


def _convert(cursor: Any, now: dt.datetime) -> None:
    cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass "
        "AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [TABLE],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
        [TABLE],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        [TABLE],
    )
    columns = [row[0] for row in cursor.fetchall() if row[0] != "journey_opened_at"]
    new = f"{TABLE}_partitioned"
    cursor.execute(
        f"CREATE TABLE {new} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE) "
        "PARTITION BY RANGE (journey_opened_at)"
    )
    cursor.execute(f"ALTER TABLE {new} ALTER COLUMN journey_opened_at SET NOT NULL")
    cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {new} DEFAULT")
    cursor.execute(
        f"SELECT min(j.opened_at) FROM loop_journey j WHERE EXISTS (SELECT 1 FROM {TABLE} e WHERE e.journey_id = j.id)"  # noqa: S608
    )
    oldest = cursor.fetchone()[0]
    month = month_of(oldest) if oldest else add_months(month_of(now), -1)
    last = add_months(month_of(now), AHEAD)
    while month <= last:
        start = dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)
        nxt = add_months(month, 1)
        end = dt.datetime(nxt.year, nxt.month, 1, tzinfo=dt.UTC)
        cursor.execute(
            f"CREATE TABLE {TABLE}_p{month:%Y_%m} PARTITION OF {new} FOR VALUES FROM (%s) TO (%s)", [start.isoformat(), end.isoformat()]
        )
        month = nxt
    cols = ", ".join(columns)
    picked = ", ".join(f"e.{c}" for c in columns)
    cursor.execute(
        f"INSERT INTO {new} ({cols}, journey_opened_at) SELECT {picked}, j.opened_at "  # noqa: S608 - fixed names
        f"FROM {TABLE} e JOIN loop_journey j ON j.id = e.journey_id"
    )
    cursor.execute(f"DROP TABLE {TABLE}")
    cursor.execute(f"ALTER TABLE {new} RENAME TO {TABLE}")
    cursor.execute(f"CREATE SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
    cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq')")
    cursor.execute(f"SELECT setval('{TABLE}_id_seq', COALESCE(max(id), 0) + 1, false) FROM {TABLE}")  # noqa: S608
    cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, journey_opened_at)")
    for name, definition in constraints:
        if definition.startswith("UNIQUE") and "journey_opened_at" not in definition:
            continue  # a unique constraint without the partition key cannot exist here; the migration replaces it
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
    for definition in indexes:
        cursor.execute(definition)
    cursor.execute("SELECT quote_ident(current_schema())")
    cursor.execute(FUNCTION.replace("{schema}", cursor.fetchone()[0]))  # the tables' schema, then nothing else


# --- archiving a month of closed journeys -----------------------------------------------------------


@dataclass(frozen=True)
class Archivable:
    partition: Partition
    journeys: int
    open_journeys: int
    last_closed: dt.datetime | None

    def due(self, cutoff: dt.datetime) -> bool:
        assert self.partition.end is not None
        return self.partition.end <= cutoff and self.open_journeys == 0 and (self.last_closed is None or self.last_closed < cutoff)


def survey(cutoff: dt.datetime) -> list[Archivable]:
    """Each month partition that ended before ``cutoff``, with its journeys open and last closed."""
    out = []
    with connection.cursor() as cur:
        for p in listing():
            if p.end is None or p.end > cutoff:
                continue
            cur.execute(
                "SELECT count(*), count(*) FILTER (WHERE closed_at IS NULL), max(closed_at) FROM loop_journey "
                "WHERE opened_at >= %s AND opened_at < %s",
                [p.start, p.end],
            )
            n, open_n, last = cur.fetchone()
            out.append(Archivable(p, n, open_n, last))
    return out


EXPORT_COLUMNS = ("id", "journey_id", "seq", "kind", "occurred_at", "recorded_at", "actor_id", "unit_id", "data", "journey_opened_at")


def archive_month(part: Partition, folder: Path, *, drop: bool = False) -> dict[str, Any]:
    """Write every event of the partition to ``<name>.jsonl`` (one JSON object a line, by journey and
    seq) and a manifest ``<name>.manifest.json`` (counts, first and last id, SHA-256 of the file),
    check the lines written against a count taken under the same lock, then detach the partition
    (renamed ``..._archived_YYYY_MM``, or dropped with ``drop``). Nothing is detached if anything
    fails. Runs as the tables' owner."""
    from .models import CustodyEvent

    assert part.start is not None and part.end is not None
    folder.mkdir(parents=True, exist_ok=True)
    data_path, manifest_path = folder / f"{part.name}.jsonl", folder / f"{part.name}.manifest.json"
    digest = hashlib.sha256()
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(f"LOCK TABLE {part.name} IN SHARE MODE")
            cur.execute(f"SELECT count(*), count(DISTINCT journey_id), min(id), max(id) FROM {part.name}")  # noqa: S608
            events, journeys, first_id, last_id = cur.fetchone()
        rows = (
            CustodyEvent.objects.filter(journey_opened_at__gte=part.start, journey_opened_at__lt=part.end)
            .order_by("journey_id", "seq")
            .values_list(*EXPORT_COLUMNS)
        )
        written = 0
        with data_path.open("wb") as f:
            for row in rows.iterator(chunk_size=5000):
                line = (json.dumps(dict(zip(EXPORT_COLUMNS, row, strict=True)), cls=DjangoJSONEncoder, ensure_ascii=False) + "\n").encode()
                digest.update(line)
                f.write(line)
                written += 1
            f.flush()
            os.fsync(f.fileno())
        if written != events:
            raise RuntimeError(f"{part.name}: {written} events written, {events} counted; nothing detached")
        manifest = {
            "table": TABLE,
            "partition": part.name,
            "journeys_opened_from": part.start.isoformat(),
            "journeys_opened_before": part.end.isoformat(),
            "events": events,
            "journeys": journeys,
            "first_id": first_id,
            "last_id": last_id,
            "file": data_path.name,
            "sha256": digest.hexdigest(),
            "format": "JSON lines, one event a line, by journey and seq",
            "detached": "dropped" if drop else f"{TABLE}_archived_{part.start:%Y_%m}",
        }
        manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        with connection.cursor() as cur:
            cur.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {part.name}")
            if drop:
                cur.execute(f"DROP TABLE {part.name}")
            else:
                cur.execute(f"ALTER TABLE {part.name} RENAME TO {TABLE}_archived_{part.start:%Y_%m}")
    return manifest
