"""Reads from a streaming replica, where a page may be a moment behind and no one is hurt by it.

With ``DATABASE_REPLICA_URL`` set (PostgreSQL only), the settings add a ``replica`` database alias,
:class:`ReplicaRouter` and :class:`PrimaryPinMiddleware`. Only views decorated with
:func:`replica_reads` (dashboards, lists, exports, trends) read there, and only:

- for a safe request (GET, HEAD) outside a transaction on the primary;
- when the user has not written in the last ``GUOMEN_REPLICA_PIN_SECONDS`` (a write pins the
  browser's reads to the primary with a short cookie, so a user always reads their own write);
- while the replica is within ``GUOMEN_REPLICA_MAX_LAG`` seconds of the primary (measured at most
  once a second per process; a replica that cannot be reached counts as too far behind);
- for application data: sign-in, sessions, tokens, idempotency and the access audit are always
  read on the primary.

Every write goes to the primary. Without a replica nothing of this is installed.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "gm_primary"
SAFE_METHODS = ("GET", "HEAD")
# Read on the primary whatever the view: what decides who a user is and what they may do.
PRIMARY_ONLY_APPS = frozenset(
    {
        "auth",
        "sessions",
        "contenttypes",
        "admin",
        "axes",
        "core",
        "otp_totp",
        "otp_static",
        "django_otp",
        "django_tasks_db",
        "auditlog",
        "django_cache",
    }
)

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar("guomen_replica_reads", default=False)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def max_lag() -> float:
    return float(getattr(settings, "GUOMEN_REPLICA_MAX_LAG", 5))


def pin_seconds() -> int:
    return int(getattr(settings, "GUOMEN_REPLICA_PIN_SECONDS", 10))


# --- how far behind the replica is --------------------------------------------------------------
_LAG_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_replay_lsn(),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
"""


def lag_seconds() -> float | None:
    """Seconds the replica's data is behind the primary: 0 when it has replayed all the primary has
    written, None when it cannot be reached or is not a replica."""
    try:
        with connections[PRIMARY].cursor() as c:
            c.execute("SELECT pg_current_wal_lsn()")
            (primary_lsn,) = c.fetchone()
        with connections[REPLICA].cursor() as c:
            c.execute(_LAG_SQL)
            in_recovery, replay_lsn, since_replay = c.fetchone()
            if not in_recovery or replay_lsn is None:
                return None
            c.execute("SELECT %s::pg_lsn >= %s::pg_lsn", [replay_lsn, primary_lsn])
            (caught_up,) = c.fetchone()
    except DatabaseError as exc:
        log.warning("replica unreachable, reading on the primary: %s", exc)
        return None
    if caught_up:
        return 0.0
    # Behind: the data is as old as the last transaction it replayed.
    return float(since_replay) if since_replay is not None else None


class _Health:
    """The replica's lag, measured at most once a second per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked = 0.0
        self._usable = False

    def usable(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._checked < 1.0:
                return self._usable
            self._checked = now
        lag = lag_seconds()
        usable = lag is not None and lag <= max_lag()
        with self._lock:
            self._usable = usable
        return usable

    def reset(self) -> None:
        with self._lock:
            self._checked = 0.0


health = _Health()


# --- choosing the database ----------------------------------------------------------------------
@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Within this block, application reads may go to the replica (if it is near enough)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def _may_read_replica(model: Any) -> bool:
    if not _replica_reads.get() or model._meta.app_label in PRIMARY_ONLY_APPS:
        return False
    if connections[PRIMARY].in_atomic_block:  # reads inside a write see the write
        return False
    return health.usable()


class ReplicaRouter:
    """Writes always to the primary; reads to the replica only inside :func:`reading_from_replica`."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return REPLICA if _may_read_replica(model) else PRIMARY

    def db_for_write(self, model: Any, **hints: Any) -> str:
        # Explicit: an object read on the replica is still written on the primary.
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


def replica_reads(view: Callable) -> Callable:
    """Let a read-only view read from the replica for safe requests of a user who has not just written."""

    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        if not configured() or request.method not in SAFE_METHODS or request.COOKIES.get(PIN_COOKIE):
            return view(request, *args, **kwargs)
        with reading_from_replica():
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()  # a TemplateResponse's queries run here, not after the block
        return response

    return wrapped


class PrimaryPinMiddleware:
    """After a write (any unsafe request that succeeded) this browser reads on the primary for a
    few seconds, longer than the replica may lag: a user always sees what they have just done."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            response.set_cookie(PIN_COOKIE, "1", max_age=pin_seconds(), httponly=True, samesite="Lax", secure=request.is_secure())
        return response
