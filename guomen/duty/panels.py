"""Home-page panels of the duty app."""

from __future__ import annotations

from typing import Any

from guomen.lib import clock
from guomen.org.scoping import Scope

from . import queries


def my_duty(request: Any, scope: Scope) -> dict[str, Any] | None:
    now = clock.now()
    return {
        "shifts": list(queries.my_shifts(request.user, now, days=3)[:5]),
        "patrols": list(queries.my_patrols(request.user)[:5]),
        "now": now,
    }


def border_duty(request: Any, scope: Scope) -> dict[str, Any] | None:
    posts = queries.posts(scope)
    if not posts.exists():
        return None
    cov, _by_id = queries.coverage_for(posts, clock.now(), 24)
    return {
        "gaps": len(cov.gaps),
        "short_posts": len({g.post for g in cov.gaps}),
        "posts": len(cov.staffed),
        "incidents": queries.open_incidents(scope).count(),
        "tasks": queries.open_tasks(scope).count(),
        "overdue": queries.open_tasks(scope).filter(due_at__lt=clock.now()).count(),
    }
