"""Counting limits in the shared cache (settings.CACHES: the database by default, Redis when
configured), so every worker process counts in the same bucket."""

from __future__ import annotations

from typing import Any

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction

from guomen.lib import clock

from .clientip import client_ip


def hit(bucket: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt of ``key`` in ``bucket`` for the current fixed window; True when it is
    over ``limit`` (the caller then answers 429 and stores nothing)."""
    window = int(clock.now().timestamp()) // window_seconds
    cache_key = f"limit:{bucket}:{key}:{window}"
    cache = caches["default"]
    if not isinstance(cache, DatabaseCache):
        return _count(cache, cache_key, window_seconds) > limit  # Redis: add and incr are atomic
    # The database cache's incr is a read then a write: serialise the two across processes.
    alias = router.db_for_write(cache.cache_model_class)
    with transaction.atomic(using=alias):
        # SQLite runs transactions IMMEDIATE (settings): BEGIN already holds the write lock.
        if connections[alias].vendor == "postgresql":
            with connections[alias].cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [cache_key])
        return _count(cache, cache_key, window_seconds) > limit


def _count(cache: Any, cache_key: str, window_seconds: int) -> int:
    if cache.add(cache_key, 1, timeout=window_seconds + 60):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds + 60)
        return 1


def hit_by_address(bucket: str, request: Any, *, limit: int, window_seconds: int) -> bool:
    """``hit`` keyed on the client's address (see clientip: trusted proxies only)."""
    return hit(bucket, client_ip(request) or "unknown", limit=limit, window_seconds=window_seconds)
