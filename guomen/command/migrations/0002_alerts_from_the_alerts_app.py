import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("command", "0001_initial"),
        ("alerts", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dispatchtask",
            name="alert",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="alerts.alert", verbose_name="from alert"
            ),
        ),
        migrations.AlterField(
            model_name="dispatchtask",
            name="escalation_alert",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="alerts.alert"),
        ),
    ]
