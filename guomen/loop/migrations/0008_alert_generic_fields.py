"""Prepare the alert table to move to the ``alerts`` app: what it points at becomes generic
(``ref_type``/``ref``/``ref_code`` instead of a foreign key to the journey), an alert stays in its
unit's jurisdiction (no "raised to" column: escalation only adds a level), a ``key`` keeps one open
alert per cause, and the table is renamed. Rows and ids are kept; ``0009`` hands the model over."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated, not always the default one
    Alert = apps.get_model("loop", "Alert")
    Journey = apps.get_model("loop", "Journey")
    codes = dict(Journey.objects.using(db).filter(pk__in=Alert.objects.using(db).exclude(journey=None).values("journey_id")).values_list("pk", "code"))
    for a in Alert.objects.using(db).exclude(journey=None).only("pk", "kind", "journey_id", "closed_at").iterator():
        key = f"overdue:{a.journey_id}" if a.kind == "overdue" and a.closed_at is None else ""
        Alert.objects.using(db).filter(pk=a.pk).update(ref_type="journey", ref_code=codes.get(a.journey_id, ""), key=key)
    for a in Alert.objects.using(db).filter(kind="report_missing", closed_at=None).select_related("unit").iterator():
        day = (a.details or {}).get("day", "")
        if day:
            Alert.objects.using(db).filter(pk=a.pk).update(key=f"report_missing:{a.unit.code}:{day}")


class Migration(migrations.Migration):
    dependencies = [
        ("loop", "0007_handover_withdraw_redirect"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="alert", name="alert_one_open_overdue_per_journey"),
        migrations.RemoveIndex(model_name="alert", name="alert_jurisdiction_idx"),
        migrations.AddField(model_name="alert", name="ref_type", field=models.CharField(blank=True, default="", max_length=20), preserve_default=False),
        migrations.AddField(
            model_name="alert", name="ref_code", field=models.CharField(blank=True, default="", max_length=40, verbose_name="loop code"), preserve_default=False
        ),
        migrations.AddField(model_name="alert", name="key", field=models.CharField(blank=True, default="", max_length=120), preserve_default=False),
        migrations.AddField(model_name="alert", name="escalation_hours", field=models.JSONField(blank=True, default=list)),
        migrations.AddField(
            model_name="alert",
            name="assigned_to",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="assigned to",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(model_name="alert", name="journey", field=models.PositiveBigIntegerField(blank=True, null=True)),
        migrations.RenameField(model_name="alert", old_name="journey", new_name="ref"),
        migrations.RemoveField(model_name="alert", name="jurisdiction"),
        migrations.AlterField(model_name="alert", name="kind", field=models.CharField(default="other", max_length=30, verbose_name="kind")),
        migrations.AlterField(model_name="alert", name="state", field=models.CharField(blank=True, max_length=20, verbose_name="state when missed")),
        migrations.AlterField(
            model_name="alert",
            name="unit",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="org.unit", verbose_name="responsible unit"),
        ),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.UniqueConstraint(
                condition=models.Q(("closed_at__isnull", True), models.Q(("key", ""), _negated=True)), fields=("key",), name="alert_one_open_per_key"
            ),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(condition=models.Q(("closed_at__isnull", True)), fields=["ref_type", "ref"], name="alert_open_ref_idx"),
        ),
        migrations.AlterModelTable(name="alert", table="alerts_alert"),
    ]
