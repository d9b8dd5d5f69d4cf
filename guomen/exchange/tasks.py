"""Background work of the exchange, run by the database worker, enqueued by `manage.py clock`."""

from __future__ import annotations

from django_tasks import task

from . import outbox


@task()
def send_outbox() -> dict[str, int]:
    """Send every queued message to partners that are due (failed partners back off)."""
    return outbox.send_due()
