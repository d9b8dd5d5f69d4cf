"""Open alerts counted per (unit, kind, level), kept by triggers on the alert table and filled
from the alerts already there (``alerts.counting``)."""

import django.db.models.deletion
from django.db import migrations, models


def install(apps, schema_editor):
    from guomen.alerts import counting

    counting.install(schema_editor.connection)


def drop(apps, schema_editor):
    from guomen.alerts import counting

    counting.drop(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0001_initial'),
        ('org', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='AlertCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=30)),
                ('level', models.PositiveSmallIntegerField(choices=[(0, 'Custodian unit'), (1, 'County command'), (2, 'Prefecture command'), (3, 'Province command')])),
                ('n', models.IntegerField(default=0)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.unit')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('unit', 'kind', 'level'), name='alertcount_key')],
            },
        ),
        migrations.RunPython(install, drop),
    ]
