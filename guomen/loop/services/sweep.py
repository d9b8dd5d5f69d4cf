"""The sweep of overdue journeys and the escalation it triggers (alerts live in guomen.alerts)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction

from .. import alerting
from ..models import (
    Journey,
)
from .engine import _now


# --- the sweep (alerts themselves live in guomen.alerts) -----------------------------------------------------
def sweep(*, now: datetime | None = None, batch: int = 500) -> int:
    """Open one alert for each open journey past its due time that has none.

    Reads the partial index on (due_at) over open journeys without an alert, so its cost grows
    with the overdue journeys, not with all journeys. A batch is claimed and its alerts written in
    one transaction. Safe with several workers: on PostgreSQL rows another worker (or a flow) holds
    are skipped until the next sweep; SQLite serialises writers; the partial unique index on open
    overdue alerts refuses a second alert for a journey in any case.
    """
    now = now or _now()
    opened = 0
    while True:
        with transaction.atomic():
            qs = Journey.objects.filter(closed_at__isnull=True, alert_open=False, due_at__lt=now).order_by("due_at")
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            rows = list(qs.select_related("custodian__jurisdiction", "policy")[:batch])
            if not rows:
                return opened
            alerting.Alert.objects.bulk_create([alerting.overdue_new(j, now) for j in rows])
            Journey.objects.filter(pk__in=[j.pk for j in rows]).update(alert_open=True)
            opened += len(rows)
        if len(rows) < batch:
            return opened


def escalate(*, now: datetime | None = None, batch: int = 500) -> int:
    """Raise unanswered alerts up the tree (``alerts.services.escalate``) on the loop's clock."""
    from guomen.alerts.services import escalate as alerts_escalate

    return alerts_escalate(now=now or _now(), batch=batch)
