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

import contextlib
import gc
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC
from functools import lru_cache
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone


@contextlib.contextmanager
def old_objects_frozen() -> Iterator[None]:
    """Within, the cyclic garbage collector leaves alone the objects alive on entry (``gc.freeze``).

    A Django process holds some 300,000 objects that the collector tracks; a bulk job allocating
    millions of small ones sets off collections of the oldest generation, each scanning all of
    them: 40 % of a manifest's CPU time. They are handed back on exit (``gc.unfreeze``), so any
    garbage among them is collected as before. Left as it is if something else froze objects first."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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


def _plan(model: type[models.Model], keys: Any, vendor: str, now: Any) -> tuple[list[models.Field], list[models.Field], list[Any]]:
    """The columns in the order they are written: those the rows give, those whose default is called
    for each row (a new UUID), then those of one value for the whole statement (a constant default,
    the current time of ``auto_now``, NULL); and the values of the last."""
    fields = _columns(model)
    given = [f for f in fields if f.attname in keys]
    rest = [f for f in fields if f.attname not in keys]
    made = [
        f
        for f in rest
        if f.has_default() and callable(f.default) and not (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
    ]
    fixed = [f for f in rest if f not in made]
    fixed_values = []
    for f in fixed:
        v = _default(f, now)()
        conv = _pg_value(f) if vendor == "postgresql" else _sqlite_value(f)
        fixed_values.append(v if conv is None or v is None else conv(v))
    return given + made, fixed, fixed_values


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``model``'s table; their ids in the same order. Call inside a transaction."""
    if not rows:
        return []
    vendor = connection.vendor
    now = timezone.now()
    keys = rows[0].keys()
    varied, fixed, fixed_values = _plan(model, keys, vendor, now)
    fields = varied + fixed
    convert = [(_pg_value(f) if vendor == "postgresql" else _sqlite_value(f)) for f in fields]
    given = [f.attname for f in varied if f.attname in keys]
    made = [f.default for f in varied if f.attname not in keys]  # called once per row
    n_given = len(given)
    converted = [(k, convert[k]) for k in range(len(varied)) if convert[k] is not None]
    take = itemgetter(*given) if n_given > 1 else (lambda row: (row[given[0]],)) if n_given else (lambda row: ())
    defaults = [_default(f, now) for f in fields]
    missing = object()

    def values(row: dict[str, Any]) -> list[Any]:
        if row.keys() == keys:  # every row of a batch gives the same fields: taken in one C call
            out = [*take(row), *(d() for d in made)]
            for k, conv in converted:
                v = out[k]
                if v is not None:
                    out[k] = conv(v)
            out.extend(fixed_values)
            return out
        out = []
        for f, default, conv in zip(fields, defaults, convert, strict=True):
            v = row.get(f.attname, missing)
            if v is missing:
                v = default()
            out.append(v if conv is None or v is None else conv(v))
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
                write = copy.write_row
                for i, row in zip(ids, rows, strict=True):
                    write([i, *values(row)])
            return ids
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", [values(r) for r in rows])  # noqa: S608 -- names from the model
        cursor.execute("SELECT last_insert_rowid()")
        last = cursor.fetchone()[0]
        return list(range(last - len(rows) + 1, last + 1))
