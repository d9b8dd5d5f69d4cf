"""Open alerts counted by the database: ``AlertCount`` follows every write of ``alerts_alert``.

Triggers, not service code: alerts are written by the services one by one, by the sweep's COPY in
bulk, and by queryset ``update``s that close many at once (an answered check, a report that
arrived); a trigger counts each of them in the statement that writes, so no path can go around it.

- **PostgreSQL**: statement-level AFTER INSERT / UPDATE / DELETE triggers with transition tables:
  one aggregated upsert per write statement, however many rows it wrote, adding the change per
  (unit, kind, level) in key order, so two transactions lock counter rows in the same order.
  TRUNCATE empties the counters too.
- **SQLite**: row-level triggers doing the same per row.

``install`` (from the migration) creates them and recounts from the alerts in the same transaction
(on PostgreSQL the trigger creation locks out writes of alerts until it commits). Django rebuilds a
table on SQLite to alter it and the rebuilt table has no triggers: ``restore`` (on ``post_migrate``,
the way ``core.append_only`` keeps its rules) puts them back and recounts whenever one is missing.
"""

# ruff: noqa: S608 -- every statement here is built from the constant names below, never from input

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder

ALERTS = "alerts_alert"
COUNTS = "alerts_alertcount"
SINCE = "0002_alert_counts"  # the migration of the alerts app that installs the counters
KEY = "unit_id, kind, level"

_UPSERT = (
    f"INSERT INTO {COUNTS} AS c ({KEY}, n) SELECT {KEY}, sum(d) FROM ({{rows}}) x GROUP BY {KEY} "
    f"HAVING sum(d) <> 0 ORDER BY {KEY} ON CONFLICT ({KEY}) DO UPDATE SET n = c.n + EXCLUDED.n"
)
_NEW = f"SELECT {KEY}, 1 AS d FROM new_rows WHERE closed_at IS NULL"
_OLD = f"SELECT {KEY}, -1 AS d FROM old_rows WHERE closed_at IS NULL"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {ALERTS}_counted() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_UPSERT.format(rows=_NEW)};
  ELSIF TG_OP = 'DELETE' THEN
    {_UPSERT.format(rows=_OLD)};
  ELSIF TG_OP = 'UPDATE' THEN
    {_UPSERT.format(rows=f"{_NEW} UNION ALL {_OLD}")};
  ELSE
    DELETE FROM {COUNTS};
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql"""


def _pg_triggers() -> dict[str, str]:
    run = f"FOR EACH STATEMENT EXECUTE FUNCTION {ALERTS}_counted()"
    return {
        f"{ALERTS}_count_insert": f"AFTER INSERT ON {ALERTS} REFERENCING NEW TABLE AS new_rows {run}",
        f"{ALERTS}_count_update": f"AFTER UPDATE ON {ALERTS} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows {run}",
        f"{ALERTS}_count_delete": f"AFTER DELETE ON {ALERTS} REFERENCING OLD TABLE AS old_rows {run}",
        f"{ALERTS}_count_truncate": f"AFTER TRUNCATE ON {ALERTS} {run}",
    }


def _sqlite_triggers() -> dict[str, str]:
    add = f"INSERT INTO {COUNTS} ({KEY}, n) SELECT NEW.unit_id, NEW.kind, NEW.level, 1 WHERE NEW.closed_at IS NULL ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;"
    take = f"UPDATE {COUNTS} SET n = n - 1 WHERE OLD.closed_at IS NULL AND unit_id = OLD.unit_id AND kind = OLD.kind AND level = OLD.level;"
    return {
        f"{ALERTS}_count_insert": f"AFTER INSERT ON {ALERTS} BEGIN {add} END",
        f"{ALERTS}_count_update": f"AFTER UPDATE OF unit_id, kind, level, closed_at ON {ALERTS} BEGIN {take} {add} END",
        f"{ALERTS}_count_delete": f"AFTER DELETE ON {ALERTS} BEGIN {take} END",
    }


def triggers(vendor: str) -> dict[str, str]:
    """The counting triggers on this database, by name, with what follows ``CREATE TRIGGER <name>``."""
    return {"postgresql": _pg_triggers, "sqlite": _sqlite_triggers}.get(vendor, dict)()


def missing(connection: Any) -> list[str]:
    """The counting triggers that are absent (or disabled, on PostgreSQL)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal AND tgenabled IN ('O', 'A')", [ALERTS]
            )
        elif connection.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [ALERTS])
        else:
            return []
        have = {row[0] for row in cur.fetchall()}
    return [name for name in triggers(connection.vendor) if name not in have]


def recount(connection: Any) -> None:
    """Set the counters from the open alerts (in the caller's transaction)."""
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {COUNTS}")
        cur.execute(
            f"INSERT INTO {COUNTS} ({KEY}, n) SELECT {KEY}, COUNT(*) FROM {ALERTS} WHERE closed_at IS NULL GROUP BY {KEY} ORDER BY {KEY}"
        )


def install(connection: Any) -> list[str]:
    """Create the missing triggers and recount, in one transaction; returns what was missing."""
    todo = missing(connection)
    if not todo:
        return []
    with transaction.atomic(using=connection.alias), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(_PG_FUNCTION)
        for name, body in triggers(connection.vendor).items():
            cur.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {ALERTS}" if connection.vendor == "postgresql" else ""))
            cur.execute(f"CREATE TRIGGER {name} {body}")
        recount(connection)
    return todo


def drop(connection: Any) -> None:
    """Remove the triggers (the migration going backwards)."""
    with connection.cursor() as cur:
        for name in triggers(connection.vendor):
            cur.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {ALERTS}" if connection.vendor == "postgresql" else ""))
        if connection.vendor == "postgresql":
            cur.execute(f"DROP FUNCTION IF EXISTS {ALERTS}_counted()")


def restore(sender: Any = None, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate: put the triggers back (and recount) once their migration is applied."""
    connection = connections[using]
    recorder = MigrationRecorder(connection)
    if not recorder.has_table() or ("alerts", SINCE) not in set(recorder.applied_migrations()):
        return
    if COUNTS in connection.introspection.table_names():
        install(connection)
