"""Custody events are append-only again on SQLite, and TRUNCATE is refused on PostgreSQL.

0004 altered the table; Django rebuilds a table on SQLite to alter it, and the rebuilt table lost
the triggers of 0002. From now on ``core.append_only.restore`` puts the rule back after every
migrate, and the system check ``core.E001`` fails while it is missing.
"""

from django.db import migrations

from guomen.core import append_only


def forwards(apps, schema_editor):
    append_only.install(schema_editor.connection, "loop_custodyevent")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # 0002's triggers stay; only TRUNCATE is new here
        append_only.drop(schema_editor.connection, "loop_custodyevent", ["loop_custodyevent_no_truncate"])


class Migration(migrations.Migration):
    dependencies = [("loop", "0005_daily_counts")]
    operations = [migrations.RunPython(forwards, backwards)]
