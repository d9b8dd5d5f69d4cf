"""The worker's side: the clock enqueues the sweep, the sweep opens alerts for overdue journeys."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from guomen.alerts.models import Alert, AlertLevel
from guomen.core import registry
from guomen.loop import services as s
from guomen.loop.models import Journey
from guomen.loop.tests.factories import person, u, who

pytestmark = pytest.mark.django_db


def test_the_sweep_is_registered_to_run_every_minute():
    entry = next(p for p in registry.PERIODIC if p.name == "loop.sweep_and_escalate")
    assert entry.every_seconds == 60


def test_the_clock_enqueues_the_sweep_and_the_worker_opens_alerts_for_overdue_journeys(world):
    j = s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person())
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        call_command("clock", "--once")  # in tests the task backend runs tasks at once
        assert Alert.objects.filter(ref=j.pk, closed_at__isnull=True).count() == 1
        j.refresh_from_db()
        assert j.alert_open
    with time_machine.travel(timezone.now() + timedelta(hours=7, minutes=5)):
        call_command("clock", "--once")
        assert Alert.objects.get(ref=j.pk).level == AlertLevel.COUNTY


def test_the_sweep_reads_only_the_overdue_journeys_through_the_partial_index(world):
    from django.db import connection

    s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person())
    qs = (
        Journey.objects.filter(closed_at__isnull=True, alert_open=False, due_at__lt=timezone.now())
        .order_by("due_at")
        .values_list("pk", flat=True)[:500]
    )
    plan = qs.explain()
    if connection.vendor == "sqlite":
        assert "journey_sweep_idx" in plan
    else:
        # PostgreSQL chooses by statistics; with the index the plan may still scan a tiny table. Force the choice to check it is usable.
        with connection.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")
        assert "journey_sweep_idx" in qs.explain()
