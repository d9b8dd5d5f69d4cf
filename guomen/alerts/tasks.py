"""Background work of alerts, run by the database worker."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def escalate() -> dict[str, int]:
    """Raise unanswered alerts up the tree when their delay after the deadline has passed."""
    return {"escalated": services.escalate()}
