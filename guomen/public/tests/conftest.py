from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache, which outlives a test's transaction."""
    from django.core.cache import caches

    caches["default"].clear()
    yield
    caches["default"].clear()
