"""Background work of emergency plans, run by the worker on the clock's schedule."""

from __future__ import annotations

from django_tasks import task

from . import services, triggers


@task()
def evaluate_triggers() -> int:
    return triggers.evaluate()


@task()
def play_due_injects() -> int:
    return services.injects_due()
