"""The access audit is append-only: the database refuses UPDATE, DELETE and TRUNCATE of its records."""

from django.db import migrations

from guomen.core import append_only


def forwards(apps, schema_editor):
    append_only.install(schema_editor.connection, "core_accesslog")


def backwards(apps, schema_editor):
    append_only.drop(schema_editor.connection, "core_accesslog")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS core_accesslog_append_only()")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
