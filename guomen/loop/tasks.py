"""Background work of the loop, run by the database worker (`manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def sweep_and_escalate() -> dict[str, int]:
    """Open alerts for overdue journeys, then raise unanswered alerts up the tree."""
    return {"opened": services.sweep(), "escalated": services.escalate()}


@task()
def apply_retention() -> dict[str, int]:
    """Anonymise the people whose journeys all closed longer ago than the retention period."""
    return {"anonymised": len(services.retention_apply())}


@task()
def manifest_job_run(job_id: int) -> str:
    """Import a manifest queued by the manifest page (``loop.manifest_jobs``)."""
    from .manifest_jobs import job_run

    return job_run(job_id)


@task()
def event_partitions_ahead() -> dict[str, int]:
    """PostgreSQL: create the month partitions of custody events ahead of the clock (nothing on SQLite)."""
    from guomen.lib import clock

    from . import partitions

    return {"created": len(partitions.create_ahead(clock.now()))}
