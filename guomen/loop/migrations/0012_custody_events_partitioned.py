"""Each custody event carries its journey's opening time; on PostgreSQL the events table becomes
partitioned by its month (``loop.partitions``), rows and all.

The sequence of a journey stays unique: (journey, seq, journey_opened_at) on both engines, which is
(journey, seq) since a journey has one opening time — PostgreSQL requires the partition key in
every unique constraint of a partitioned table. SQLite keeps one table; the column is filled from
the journeys with the append-only rule set aside for that one UPDATE and put back at once.
"""

from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError

from guomen.core import append_only
from guomen.lib import clock


def forwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        from guomen.loop import partitions

        partitions.convert(conn, clock.now())
        return
    append_only.drop(conn, "loop_custodyevent")
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE loop_custodyevent SET journey_opened_at = (SELECT j.opened_at FROM loop_journey j WHERE j.id = loop_custodyevent.journey_id)"
        )
    append_only.install(conn, "loop_custodyevent")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        raise IrreversibleError("The partitioned custody events table is not turned back into a plain table.")


def rule_back(apps, schema_editor):
    append_only.install(schema_editor.connection, "loop_custodyevent")  # SQLite rebuilt the table to alter it


class Migration(migrations.Migration):
    dependencies = [("loop", "0011_manifest_jobs")]

    operations = [
        migrations.AddField(model_name="custodyevent", name="journey_opened_at", field=models.DateTimeField(null=True)),
        migrations.RemoveConstraint(model_name="custodyevent", name="event_seq_unique"),
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(model_name="custodyevent", name="journey_opened_at", field=models.DateTimeField()),
        migrations.AddConstraint(
            model_name="custodyevent",
            constraint=models.UniqueConstraint(fields=("journey", "seq", "journey_opened_at"), name="event_seq_unique"),
        ),
        migrations.RunPython(rule_back, migrations.RunPython.noop),
    ]
