"""Custody events are appended, never changed or deleted: the database refuses it, on both engines."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER loop_custodyevent_no_update BEFORE UPDATE ON loop_custodyevent
       BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END""",
    """CREATE TRIGGER loop_custodyevent_no_delete BEFORE DELETE ON loop_custodyevent
       BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS loop_custodyevent_no_update", "DROP TRIGGER IF EXISTS loop_custodyevent_no_delete"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION loop_custodyevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'custody events are append-only' USING ERRCODE = 'integrity_constraint_violation'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER loop_custodyevent_no_change BEFORE UPDATE OR DELETE ON loop_custodyevent
       FOR EACH ROW EXECUTE FUNCTION loop_custodyevent_append_only()""",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS loop_custodyevent_no_change ON loop_custodyevent", "DROP FUNCTION IF EXISTS loop_custodyevent_append_only()"]


def forwards(apps, schema_editor):
    sql = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for statement in sql:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    sql = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(schema_editor.connection.vendor, [])
    for statement in sql:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("loop", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
