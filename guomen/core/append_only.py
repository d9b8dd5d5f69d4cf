"""Append-only tables: rows are inserted, never changed, deleted or truncated — the database refuses it.

A model declares the rule with ``append_only_since = "<migration name>"``: the migration of its own
app from which on the table carries the rule. From then on three things keep it:

- **the migrations** install it (``install`` from a ``RunPython``), on SQLite as two triggers
  (``<table>_no_update``, ``<table>_no_delete``), on PostgreSQL as a row trigger refusing UPDATE
  and DELETE (``<table>_no_change``) and a statement trigger refusing TRUNCATE
  (``<table>_no_truncate``), both calling ``<table>_append_only()``; on a partitioned table the row
  trigger is cloned onto every partition and each partition has its own TRUNCATE trigger;
- **every migrate puts it back** (``restore``, connected to ``post_migrate``): Django rebuilds a
  table on SQLite to alter it, and the rebuilt table has no triggers — a later migration can no
  longer leave the table without its rule;
- **the system check** ``core.E001`` (``manage.py check``, run before every command such as
  ``serve``) fails when the rule is missing, or disabled on PostgreSQL, once its migration is
  applied and no migration is pending (with a migration pending it warns: ``migrate`` will put the
  rule back; with none, the missing rule was removed by hand, and ``migrate --skip-checks`` restores it).

The rule binds the application, not the table's owner, who may drop a trigger: in production the
application connects as a role that does not own the tables (README, "PostgreSQL roles").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps as global_apps
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.recorder import MigrationRecorder


@dataclass(frozen=True)
class Rule:
    app_label: str
    table: str
    since: str  # the migration of app_label from which on the table is append-only


def rules() -> list[Rule]:
    """Every table declared append-only by its model."""
    return [
        Rule(m._meta.app_label, m._meta.db_table, m.append_only_since)
        for m in global_apps.get_models()
        if getattr(m, "append_only_since", None)
    ]


def _sqlite(table: str) -> dict[str, str]:
    return {
        f"{table}_no_{op.lower()}": f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{op} on {table} refused: the table is append-only'); END"
        for op in ("UPDATE", "DELETE")
    }


def _postgres_function(table: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION '% on % refused: the table is append-only', TG_OP, TG_TABLE_NAME "
        "USING ERRCODE = 'integrity_constraint_violation'; END; $$ LANGUAGE plpgsql"
    )


def _postgres(table: str) -> dict[str, str]:
    return {
        f"{table}_no_change": f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        f"{table}_no_truncate": f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()",
    }


def triggers(vendor: str, table: str) -> dict[str, str]:
    """The triggers that make up the rule on this database, by name, with the SQL creating each."""
    return {"sqlite": _sqlite, "postgresql": _postgres}.get(vendor, lambda _t: {})(table)


def present(connection: Any, table: str) -> set[str]:
    """Names of the triggers on the table that fire in normal operation."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        elif connection.vendor == "postgresql":
            cur.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal AND tgenabled IN ('O', 'A')",
                [table],
            )
        else:
            return set()
        return {row[0] for row in cur.fetchall()}


def partitions(connection: Any, table: str) -> list[str]:
    """The partitions of a partitioned table (PostgreSQL), at any depth; none for a plain table."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT relid::regclass::text FROM pg_partition_tree(to_regclass(%s)) WHERE relid <> to_regclass(%s) ORDER BY 1",
            [table, table],
        )
        return [row[0] for row in cur.fetchall()]


def gaps(connection: Any, table: str) -> list[tuple[str, str]]:
    """(table or partition, trigger) for each part of the rule that is absent or disabled. A partition
    carries the row trigger cloned from its parent and a TRUNCATE trigger of its own (truncating a
    partition does not fire the parent's statement trigger)."""
    wanted = list(triggers(connection.vendor, table))
    out = [(table, name) for name in wanted if name not in present(connection, table)]
    for part in partitions(connection, table):
        have = present(connection, part)
        out += [(part, name) for name in wanted if name not in have]
    return out


def missing(connection: Any, table: str) -> list[str]:
    """The rule's triggers that are absent or disabled ("<trigger> on <partition>" for a partition's)."""
    return [name if on == table else f"{name} on {on}" for on, name in gaps(connection, table)]


def install(connection: Any, table: str) -> list[str]:
    """Create whatever part of the rule is missing (a disabled trigger is re-created or re-enabled),
    on the table and on each of its partitions; returns what was missing."""
    todo = missing(connection, table)
    if not todo:
        return []
    sql = triggers(connection.vendor, table)
    with transaction.atomic(using=connection.alias), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(_postgres_function(table))
        for _on, name in [g for g in gaps(connection, table) if g[0] == table]:
            if connection.vendor == "postgresql":
                cur.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cur.execute(sql[name])  # a row trigger on a partitioned table is cloned onto every partition
        for on, name in gaps(connection, table):  # partitions, after the parent's triggers exist
            cur.execute("SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname = %s", [on, name])
            if cur.fetchone():
                cur.execute(f"ALTER TABLE {on} ENABLE TRIGGER {name}")  # a clone cannot be dropped alone
            else:
                cur.execute(sql[name].replace(f" ON {table} ", f" ON {on} ", 1))
    return todo


def drop(connection: Any, table: str, names: list[str] | None = None) -> None:
    """Remove the rule's triggers (all, or the named ones), from the table and its partitions. Only
    for a migration going backwards and the test suite's flush (conftest.py); ``restore`` puts them
    back after every migrate and flush."""
    with connection.cursor() as cur:
        for name in names if names is not None else triggers(connection.vendor, table):
            if connection.vendor == "postgresql":
                cur.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")  # takes the partitions' clones along
                for part in partitions(connection, table):
                    cur.execute("SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname = %s AND tgparentid = 0", [part, name])
                    if cur.fetchone():
                        cur.execute(f"DROP TRIGGER {name} ON {part}")
            else:
                cur.execute(f"DROP TRIGGER IF EXISTS {name}")


def _applied(connection: Any) -> set[tuple[str, str]]:
    recorder = MigrationRecorder(connection)
    return set(recorder.applied_migrations()) if recorder.has_table() else set()


def restore(sender: Any = None, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate (sent by ``migrate`` and ``flush``): put back any rule whose migration is applied."""
    connection = connections[using]
    applied = _applied(connection)
    tables = set(connection.introspection.table_names())
    for rule in rules():
        if (rule.app_label, rule.since) in applied and rule.table in tables:
            install(connection, rule.table)


def _pending(connection: Any) -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


@checks.register("database_rules")
def check_append_only(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """core.E001: an append-only table lacks its rule. Runs with every ``manage.py check`` (not only
    ``--database``), so ``serve`` refuses to start on a database where custody events can be rewritten."""
    found: list[checks.CheckMessage] = []
    for alias in connections:
        connection = connections[alias]
        try:
            connection.ensure_connection()
        except DatabaseError:
            continue  # nothing to verify on a database that cannot be reached; serving fails on its own
        try:
            applied = _applied(connection)
            gaps = {rule.table: missing(connection, rule.table) for rule in rules() if (rule.app_label, rule.since) in applied}
        except DatabaseError as exc:
            found.append(
                checks.Warning(
                    f"Could not verify the append-only tables of database '{alias}': {exc}".strip(),
                    id="core.W002",
                )
            )
            continue
        if connection.vendor not in ("sqlite", "postgresql"):
            found.append(checks.Warning(f"No append-only rule is known for {connection.vendor}.", id="core.W003"))
            continue
        gaps = {table: names for table, names in gaps.items() if names}
        if not gaps:
            continue
        pending = _pending(connection)
        for table, names in gaps.items():
            text = f"{table} is not append-only on database '{alias}': trigger(s) {', '.join(names)} missing or disabled."
            if pending:
                found.append(checks.Warning(text, hint="Run `manage.py migrate`: it puts the rule back.", id="core.W001"))
            else:
                found.append(
                    checks.Error(
                        text,
                        hint="`manage.py migrate --skip-checks`, run as the owner of the tables, puts it back "
                        "(this check would otherwise stop migrate too).",
                        id="core.E001",
                    )
                )
    return found
