"""Background work of the core, run by the database worker on the clock's schedule."""

from __future__ import annotations

from django_tasks import task

from . import idempotency


@task()
def purge_idempotency() -> int:
    """Delete stored Idempotency-Key answers older than their 24-hour period."""
    return idempotency.purge()
