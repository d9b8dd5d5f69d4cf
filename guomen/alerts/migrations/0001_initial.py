"""The alert model, taken over from ``loop`` with its table (renamed by loop 0006): state only,
so every row keeps its id, history and escalation on SQLite and PostgreSQL."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("loop", "0008_alert_generic_fields"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Alert",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ("kind", models.CharField(default="other", max_length=30, verbose_name="kind")),
                        ("ref_type", models.CharField(blank=True, max_length=20)),
                        ("ref", models.PositiveBigIntegerField(blank=True, null=True)),
                        ("ref_code", models.CharField(blank=True, max_length=40, verbose_name="loop code")),
                        ("key", models.CharField(blank=True, max_length=120)),
                        ("subject", models.CharField(blank=True, max_length=200, verbose_name="about")),
                        ("details", models.JSONField(blank=True, default=dict)),
                        ("state", models.CharField(blank=True, max_length=20, verbose_name="state when missed")),
                        ("awaiting", models.CharField(blank=True, max_length=30, verbose_name="waiting for")),
                        ("due_at", models.DateTimeField(blank=True, null=True, verbose_name="was due")),
                        ("opened_at", models.DateTimeField(verbose_name="opened")),
                        (
                            "level",
                            models.PositiveSmallIntegerField(
                                choices=[(0, "Custodian unit"), (1, "County command"), (2, "Prefecture command"), (3, "Province command")],
                                default=0,
                                verbose_name="escalation level",
                            ),
                        ),
                        ("next_escalation_at", models.DateTimeField(blank=True, null=True)),
                        ("escalation_hours", models.JSONField(blank=True, default=list)),
                        ("history", models.JSONField(blank=True, default=list)),
                        ("acknowledged_at", models.DateTimeField(blank=True, null=True, verbose_name="acknowledged")),
                        ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="closed")),
                        ("closed_by_seq", models.PositiveIntegerField(blank=True, null=True)),
                        ("close_note", models.CharField(blank=True, max_length=300, verbose_name="closing note")),
                        (
                            "acknowledged_by",
                            models.ForeignKey(
                                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                            ),
                        ),
                        (
                            "assigned_to",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="assigned to",
                            ),
                        ),
                        (
                            "closed_by",
                            models.ForeignKey(
                                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                            ),
                        ),
                        (
                            "unit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="alerts", to="org.unit", verbose_name="responsible unit"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "alert",
                        "verbose_name_plural": "alerts",
                        "ordering": ["-opened_at"],
                        "indexes": [
                            models.Index(condition=models.Q(("closed_at__isnull", True)), fields=["next_escalation_at"], name="alert_escalation_idx"),
                            models.Index(fields=["unit", "closed_at"], name="alert_unit_idx"),
                            models.Index(condition=models.Q(("closed_at__isnull", True)), fields=["ref_type", "ref"], name="alert_open_ref_idx"),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("closed_at__isnull", True), models.Q(("key", ""), _negated=True)),
                                fields=("key",),
                                name="alert_one_open_per_key",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
