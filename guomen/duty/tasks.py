"""Background work of the duty app, run by the database worker (`manage.py db_worker`), enqueued by `manage.py clock`."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def duty_checks() -> dict[str, int]:
    """Uncovered hours in the next 24 h, planned patrols not started, overdue tasks: one alert each."""
    return {
        "roster_gaps": services.roster_gap_alerts(),
        "patrols_not_started": services.patrol_not_started_alerts(),
        "tasks_overdue": services.task_overdue_alerts(),
    }
