"""The sweep of overdue journeys and the escalation it triggers (alerts live in guomen.alerts)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from guomen.lib.bulkinsert import insert_rows
from guomen.org.models import Unit

from .. import alerting
from ..models import (
    Journey,
)
from .engine import _now

# What the sweep reads of a journey to open its alert; the other fields load only if asked for.
_SWEEP_FIELDS = ("id", "code", "policy_id", "state", "custodian_id", "due_at", "awaiting")


@functools.cache
def _claim_sql() -> tuple[str, list[Any]]:
    """The statement that claims a batch of overdue journeys: their ``alert_open`` set and the
    fields the alerts need returned. On PostgreSQL rows another transaction holds are skipped."""
    fields = [f for f in Journey._meta.concrete_fields if f.attname in _SWEEP_FIELDS]  # in model order, as from_db wants
    table = Journey._meta.db_table
    skip = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    returning = ", ".join(f'"{f.column}"' for f in fields)
    sql = (
        f'UPDATE "{table}" SET alert_open = %s WHERE id IN ('  # noqa: S608 - names from the model
        f'SELECT id FROM "{table}" WHERE closed_at IS NULL AND NOT alert_open AND due_at < %s ORDER BY due_at LIMIT %s{skip}'
        f") RETURNING {returning}"
    )
    return sql, fields


def _claim(now: datetime, batch: int) -> list[Journey]:
    """Up to ``batch`` open journeys past due at ``now`` without an open alert, the oldest due
    first, marked as having one — one statement, inside the caller's transaction."""
    sql, fields = _claim_sql()
    bool_true = Journey._meta.get_field("alert_open").get_db_prep_save(True, connection)
    due = Journey._meta.get_field("due_at").get_db_prep_save(now, connection)
    with connection.cursor() as cur:
        cur.execute(sql, [bool_true, due, batch])
        rows = cur.fetchall()
    names = [f.attname for f in fields]
    convert = [connection.ops.get_db_converters(f.cached_col) + f.get_db_converters(connection) for f in fields]
    out = []
    for row in rows:
        values = list(row)
        for i, f in enumerate(fields):
            for c in convert[i]:
                values[i] = c(values[i], f.cached_col, connection)
        out.append(Journey.from_db(connection.alias, names, values))
    out.sort(key=lambda j: (j.due_at, j.pk))
    return out


# --- the sweep (alerts themselves live in guomen.alerts) -----------------------------------------------------
def sweep(*, now: datetime | None = None, batch: int = 500) -> int:
    """Open one alert for each open journey past its due time that has none.

    Reads the partial index on (due_at) over open journeys without an alert, so its cost grows
    with the overdue journeys, not with all journeys. A batch is claimed — its journeys marked as
    having an alert, in one statement — and its alerts written in bulk (``COPY`` on PostgreSQL) in
    one transaction. Safe with several workers: on PostgreSQL rows another worker (or a flow)
    holds are skipped until the next sweep; SQLite serialises writers; the partial unique index on
    open overdue alerts refuses a second alert for a journey in any case.
    """
    now = now or _now()
    opened = 0
    units: dict[int, Unit] = {}  # the custodians, each read once per sweep
    while True:
        with transaction.atomic():
            rows = _claim(now, batch)
            if not rows:
                return opened
            missing = {j.custodian_id for j in rows} - units.keys()
            if missing:
                units.update(Unit.objects.select_related("jurisdiction").in_bulk(missing))
            for j in rows:
                j.custodian = units[j.custodian_id]
            alerts = [alerting.overdue_new(j, now) for j in rows]
            fields = [f.attname for f in alerting.Alert._meta.concrete_fields if not f.primary_key]
            insert_rows(alerting.Alert, [{name: getattr(a, name) for name in fields} for a in alerts])
            opened += len(rows)
        if len(rows) < batch:
            return opened


def escalate(*, now: datetime | None = None, batch: int = 500) -> int:
    """Raise unanswered alerts up the tree (``alerts.services.escalate``) on the loop's clock."""
    from guomen.alerts.services import escalate as alerts_escalate

    return alerts_escalate(now=now or _now(), batch=batch)
