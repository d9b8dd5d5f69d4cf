"""Many rows of one model in one statement, their new ids back in order.

``insert_rows(Model, rows)`` takes dicts of field attnames (``person_id``, not ``person``); a field
left out gets its default (callable defaults called per row, ``auto_now``/``auto_now_add`` the
current time). No ``save()``, no signals: the caller writes whatever a save would have written.

- PostgreSQL: the ids are taken from the table's sequence in one statement, then the rows go in
  through ``COPY … FROM STDIN`` (psycopg 3).
- SQLite: one ``executemany`` of a prepared INSERT; inside the transaction the write lock is held,
  so the new rows have consecutive ids ending at ``last_insert_rowid()``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _default(f: models.Field, now: Any) -> Callable[[], Any]:
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return lambda: now
    if f.has_default():
        d = f.default
        return d if callable(d) else (lambda: d)
    return lambda: None


def _pg_value(f: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(f, models.JSONField):
        return lambda v: None if v is None else json.dumps(v, cls=f.encoder)
    return None


def _sqlite_value(f: models.Field) -> Callable[[Any], Any] | None:
    """What Django's SQLite backend stores (``adapt_*_value``), without its per-value overhead."""
    if isinstance(f, models.JSONField):
        return lambda v: json.dumps(v, cls=f.encoder)
    if isinstance(f, models.DateTimeField):
        return _sqlite_datetime
    if isinstance(f, models.DateField):
        return str
    if isinstance(f, models.UUIDField):
        return lambda v: v.hex
    if isinstance(f, models.DecimalField):
        return lambda v: f.get_db_prep_value(v, connection)
    return None


@lru_cache(maxsize=4096)  # a batch's rows share a few times (its clock, the expected arrivals)
def _sqlite_datetime(v: Any) -> str:
    if v.tzinfo is not None:
        v = v.astimezone(UTC).replace(tzinfo=None) if settings.USE_TZ else v.replace(tzinfo=None)
    return str(v)


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``model``'s table; their ids in the same order. Call inside a transaction."""
    if not rows:
        return []
    fields = _columns(model)
    now = timezone.now()
    defaults = [_default(f, now) for f in fields]
    names = [f.attname for f in fields]
    vendor = connection.vendor
    convert = [(_pg_value(f) if vendor == "postgresql" else _sqlite_value(f)) for f in fields]
    plan = list(zip(names, defaults, convert, strict=True))

    missing = object()

    def values(row: dict[str, Any]) -> list[Any]:
        out = []
        add = out.append
        get = row.get
        for name, default, conv in plan:
            v = get(name, missing)
            if v is missing:
                v = default()
            add(v if conv is None or v is None else conv(v))
        return out

    table = model._meta.db_table
    pk = model._meta.pk.column
    qn = connection.ops.quote_name
    cols = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, len(rows)])
            ids = [r[0] for r in cursor.fetchall()]
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            # Django's error classes (IntegrityError…) for the raw cursor too, as for its own statements.
            with connection.wrap_database_errors, raw.copy(f"COPY {qn(table)} ({qn(pk)}, {cols}) FROM STDIN") as copy:
                for i, row in zip(ids, rows, strict=True):
                    copy.write_row([i, *values(row)])
            return ids
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", [values(r) for r in rows])  # noqa: S608 -- names from the model
        cursor.execute("SELECT last_insert_rowid()")
        last = cursor.fetchone()[0]
        return list(range(last - len(rows) + 1, last + 1))
