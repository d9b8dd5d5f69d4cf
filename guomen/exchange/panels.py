"""The exchange health figure for the command dashboard: the oldest unacknowledged message per partner."""

from __future__ import annotations

from typing import Any

from . import queries


def health(scope: Any, node: Any = None) -> dict[str, Any] | None:
    if not queries.may_read(scope):
        return None
    return {"health": queries.health()}
