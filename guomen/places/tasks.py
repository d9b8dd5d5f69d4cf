"""Background work of places, run by the worker on the clock's schedule."""

from __future__ import annotations

from django_tasks import task

from . import declare


@task()
def purge_declarations() -> int:
    return declare.purge_declarations()
