"""Append-only tables (custody events, the access audit) refuse UPDATE, DELETE and TRUNCATE, as the
migrations leave them, after a table rebuild, and the system check fails when the rule is gone."""

from __future__ import annotations

import copy
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from guomen.core import append_only
from guomen.core.models import AccessLog
from guomen.loop.models import CustodyEvent

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_declared_table_has_a_rule():
    assert {r.table for r in append_only.rules()} == {"loop_custodyevent", "core_accesslog"}


def assert_refused(alias: str) -> None:
    """Try to truncate each append-only table (PostgreSQL), then add a row to each and try to change
    and delete it: all refused. The rows point nowhere (foreign keys are checked at commit, and
    PostgreSQL refuses TRUNCATE while such checks are pending, hence TRUNCATE first) and are rolled back."""
    db = connections[alias]

    def refused(sql: str) -> None:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(using=alias), db.cursor() as cur:
            cur.execute(sql)

    if db.vendor == "postgresql":
        for rule in append_only.rules():
            refused(f"TRUNCATE {rule.table}")
    with transaction.atomic(using=alias):
        CustodyEvent.objects.using(alias).create(
            journey_id=10**9, seq=1, kind="arrived", occurred_at=timezone.now(), unit_id=10**9, journey_opened_at=timezone.now()
        )
        AccessLog.objects.using(alias).create(user_id=10**9, action="export", object_type="test", object_id="1")
        for rule in append_only.rules():
            refused(f"UPDATE {rule.table} SET id = id")  # noqa: S608 (table names of the models)
            refused(f"DELETE FROM {rule.table}")  # noqa: S608
        transaction.set_rollback(True, using=alias)


def test_custody_events_and_access_records_cannot_be_changed_deleted_or_truncated(db):
    assert_refused("default")


@contextmanager
def scratch_database(tmp_path: Path, django_db_blocker):
    """An empty database of the same engine as the suite's, under its own alias. The test runs
    outside the suite's test database and transaction, so it may migrate from zero."""
    with django_db_blocker.unblock(), _scratch(tmp_path) as alias:
        yield alias


@contextmanager
def _scratch(tmp_path: Path):
    alias, settings = "scratch", copy.deepcopy(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings["NAME"] = str(tmp_path / "scratch.sqlite3")
    else:
        settings["NAME"] = f"{connection.settings_dict['NAME']}_scratch"
        with connection._nodb_cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{settings["NAME"]}"')
            cur.execute(f'CREATE DATABASE "{settings["NAME"]}"')
    connections.settings[alias] = settings
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
        if connection.vendor == "postgresql":
            with connection._nodb_cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{settings["NAME"]}" WITH (FORCE)')


def test_migrating_from_zero_leaves_the_tables_append_only_and_a_rebuild_cannot_drop_the_rule(tmp_path, django_db_blocker):
    with scratch_database(tmp_path, django_db_blocker) as alias:
        call_command("migrate", database=alias, verbosity=0)
        scratch = connections[alias]
        for rule in append_only.rules():
            assert append_only.missing(scratch, rule.table) == [], rule.table
        assert_refused(alias)

        # A later migration that alters the table: on SQLite Django rebuilds it, without its triggers.
        field = CustodyEvent._meta.get_field("kind")
        wider = copy.deepcopy(field)
        wider.max_length = 40
        with scratch.schema_editor() as editor:
            editor.alter_field(CustodyEvent, field, wider)
        if scratch.vendor == "sqlite":
            assert append_only.missing(scratch, "loop_custodyevent")  # what 0004 did
        call_command("migrate", database=alias, verbosity=0)  # every migrate ends with post_migrate
        assert append_only.missing(scratch, "loop_custodyevent") == []
        assert_refused(alias)


def test_the_rule_comes_with_its_migration_and_goes_when_it_is_unapplied(tmp_path, django_db_blocker):
    with scratch_database(tmp_path, django_db_blocker) as alias:
        scratch = connections[alias]
        call_command("migrate", "loop", "0001", database=alias, verbosity=0)
        assert append_only.present(scratch, "loop_custodyevent") == set()  # before 0002: not yet
        call_command("migrate", "loop", "0004", database=alias, verbosity=0)
        assert append_only.missing(scratch, "loop_custodyevent") == []  # 0004 rebuilt it; migrate put it back


def check_errors() -> str:
    with pytest.raises(SystemCheckError) as caught:
        call_command("check")
    return str(caught.value)


def test_check_passes_on_the_migrated_database(db):
    call_command("check")


def test_check_fails_when_any_trigger_of_the_rule_is_missing(db):
    for rule in append_only.rules():
        for name in append_only.triggers(connection.vendor, rule.table):
            with transaction.atomic():
                append_only.drop(connection, rule.table, [name])
                errors = check_errors()
                assert "core.E001" in errors and name in errors
                transaction.set_rollback(True)
            assert append_only.missing(connection, rule.table) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: triggers can be disabled there")
def test_check_fails_when_a_trigger_is_disabled(db):
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("ALTER TABLE loop_custodyevent DISABLE TRIGGER loop_custodyevent_no_change")
        assert "loop_custodyevent_no_change" in check_errors()
        transaction.set_rollback(True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: roles")
def test_the_application_role_of_the_readme_cannot_rewrite_or_unguard_the_record(db):
    """The README's grants, run for a role made in this transaction (rolled back with it)."""
    grants = next(b for b in re.findall(r"```sql\n(.*?)```", README.read_text(), re.S) if "ALTER DEFAULT PRIVILEGES" in b)
    grants = re.sub(r"--[^\n]*", "", grants).replace("guomen_app", "guomen_app_test_append").replace("guomen_owner", "CURRENT_USER")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("CREATE ROLE guomen_app_test_append NOLOGIN")
        for statement in filter(str.strip, grants.split(";")):
            cur.execute(statement)
        cur.execute("SET LOCAL ROLE guomen_app_test_append")
        cur.execute("SELECT count(*) FROM loop_journey")
        with transaction.atomic():
            cur.execute("INSERT INTO core_accesslog (at, user_id, action, object_type, object_id, subject, reason, channel) "
                        "VALUES (now(), 1, 'export', 'test', '1', '', '', 'web')")  # fmt: skip
            transaction.set_rollback(True)
        for sql in (
            "UPDATE loop_custodyevent SET seq = seq",
            "DELETE FROM core_accesslog",
            "TRUNCATE loop_custodyevent",
            "ALTER TABLE loop_custodyevent DISABLE TRIGGER loop_custodyevent_no_change",
            "DROP TRIGGER loop_custodyevent_no_change ON loop_custodyevent",
        ):
            with pytest.raises(DatabaseError, match=r"permission denied|must be owner"), transaction.atomic():
                cur.execute(sql)
        transaction.set_rollback(True)
