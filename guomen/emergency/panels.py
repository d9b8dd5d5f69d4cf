"""Readiness for the command: the panel on its home page and the block on its dashboard (both
registered in apps.py; the command app never imports this one)."""

from __future__ import annotations

from typing import Any

from . import queries


def readiness_panel(request: Any, scope: Any) -> dict[str, Any] | None:
    if not (scope.everything or scope.subtree_paths):
        return None
    return {"readiness": queries.readiness(scope)}


def dashboard_block(scope: Any, node: Any) -> dict[str, Any] | None:
    """The dashboard's readiness block for the place shown: figures, then each plan's state."""
    if not (scope.everything or scope.subtree_paths):
        return None
    readiness = queries.readiness(scope, node)
    kinds = [(kind, minutes, readiness["median_target_by_kind"].get(kind)) for kind, minutes in readiness["median_minutes_by_kind"].items()]
    return {"readiness": readiness, "kinds": kinds, "plans": queries.plan_states(scope, node)}
