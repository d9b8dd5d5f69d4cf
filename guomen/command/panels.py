"""The command's home panel: the figures that matter first, for each jurisdiction the user commands."""

from __future__ import annotations

from typing import Any

from guomen.lib import clock

from . import queries


def command_panel(request: Any, scope: Any) -> dict[str, Any] | None:
    if not queries.is_command(scope):
        return None
    from guomen.loop.models import OPEN_STATES, State

    now = clock.now()
    blocks = []
    for node in queries.roots(scope)[:3]:
        counts = queries.state_counts(node)
        ids = queries.subtree_ids(node)
        blocks.append(
            {
                "node": node,
                "open": sum(counts[s] for s in OPEN_STATES),
                "handovers": counts.get(State.HANDOVER_OFFERED, 0),
                "alerts": sum(queries.alerts_by_level(scope, node).values()),
                "tasks": queries.dispatch_figures(ids, now)["open"],
            }
        )
    return {"blocks": blocks}


def my_tasks(request: Any, scope: Any) -> dict[str, Any] | None:
    """Open dispatch tasks given to the user's own units, soonest due first, overdue ones marked."""
    if not scope.unit_ids:
        return None
    from .models import OPEN_TASK_STATES

    rows = list(queries.tasks(scope).filter(unit_id__in=scope.unit_ids, state__in=OPEN_TASK_STATES).order_by("due_at", "id")[:20])
    if not rows:
        return None
    now = clock.now()
    return {"tasks": [{"task": t, "overdue": t.due_at < now} for t in rows]}
