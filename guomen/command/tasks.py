"""Background work of the command, run by the worker on the clock's schedule."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def flag_missing_reports() -> int:
    return services.reports_flag_missing()


@task()
def escalate_overdue_tasks() -> int:
    return services.tasks_escalate()


@task()
def take_loop_snapshot() -> int:
    return services.snapshot_take()


@task()
def publish_national_counts() -> int:
    from . import national

    return national.publish()
