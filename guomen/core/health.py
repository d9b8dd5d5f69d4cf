"""``GET /api/health``: is the database reachable, and the worker queue? 200 with details, 503 when not.

For load balancers and monitoring: no sign-in, and nothing in the answer about people or places.
"""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from ninja import Router, Schema
from ninja.responses import Status

from guomen.lib import clock

router = Router(tags=["health"])


class Check(Schema):
    ok: bool
    detail: str
    pending: int | None = None
    oldest_pending_seconds: int | None = None


class HealthOut(Schema):
    ok: bool
    database: Check
    worker_queue: Check


def database() -> dict[str, Any]:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "detail": f"unreachable: {type(exc).__name__}"}
    return {"ok": True, "detail": connection.vendor}


def worker_queue() -> dict[str, Any]:
    """The queue the worker reads: for the database backend, its table and the tasks ready to run."""
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    name = type(backend).__name__
    if not type(backend).__module__.startswith("django_tasks_db"):
        return {"ok": True, "detail": name}  # the immediate backend (tests) runs tasks in the request
    from django_tasks_db.models import DBTaskResult

    try:
        ready = DBTaskResult.objects.ready()
        pending = ready.count()
        oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    except DatabaseError as exc:
        return {"ok": False, "detail": f"{name} unreachable: {type(exc).__name__}"}
    age = int((clock.now() - oldest).total_seconds()) if oldest else None
    return {"ok": True, "detail": name, "pending": pending, "oldest_pending_seconds": age}


@router.get("/health", auth=None, response={200: HealthOut, 503: HealthOut}, summary="Database and worker queue reachable")
def health(request: HttpRequest):
    body = {"database": database(), "worker_queue": worker_queue()}
    body["ok"] = all(part["ok"] for part in body.values())
    return Status(200 if body["ok"] else 503, body)
