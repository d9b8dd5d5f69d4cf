from __future__ import annotations

from django_tasks import task


@task()
def public_checks() -> int:
    """Citizen reports whose current step is late raise an alert."""
    from .reports import sweep_overdue

    return sweep_overdue()
