"""REST endpoints of this app (mounted in guomen/api.py)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["duty"])
