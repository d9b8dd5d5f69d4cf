"""Background work of the people app, run by the database worker."""

from __future__ import annotations

from django_tasks import task

from . import audit


@task()
def access_peers() -> dict[str, int]:
    """Alert on users whose full views today are far above their peers'."""
    return {"raised": audit.check_day()}
