"""The alert model now belongs to the ``alerts`` app (same table, same rows): state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("loop", "0008_alert_generic_fields"),
        ("alerts", "0001_initial"),
        ("command", "0002_alerts_from_the_alerts_app"),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Alert")], database_operations=[])]
