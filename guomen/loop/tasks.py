"""Background work of the loop, run by the database worker (`manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def sweep_and_escalate() -> dict[str, int]:
    """Open alerts for overdue journeys, then raise unanswered alerts up the tree."""
    return {"opened": services.sweep(), "escalated": services.escalate()}
