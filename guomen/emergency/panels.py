"""The readiness panel on the command's home page (registered in apps.py)."""

from __future__ import annotations

from typing import Any

from . import queries


def readiness_panel(request: Any, scope: Any) -> dict[str, Any] | None:
    if not (scope.everything or scope.subtree_paths):
        return None
    return {"readiness": queries.readiness(scope)}
