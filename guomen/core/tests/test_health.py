"""GET /api/health: the database and the worker queue, 200 when both answer, 503 when one does not."""

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

from guomen.core import health

pytestmark = pytest.mark.django_db

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_health_answers_without_sign_in_with_the_details():
    r = Client().get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True and body["database"]["ok"] is True and body["worker_queue"]["ok"] is True


@override_settings(TASKS=DB_QUEUE)
def test_the_database_queue_reports_its_pending_tasks():
    from guomen.core.tests import tasks_for_health

    tasks_for_health.nothing.enqueue()
    body = Client().get("/api/health").json()
    assert body["worker_queue"]["detail"] == "DatabaseBackend"
    assert body["worker_queue"]["pending"] == 1
    assert body["worker_queue"]["oldest_pending_seconds"] >= 0


def test_an_unreachable_database_answers_503(monkeypatch):
    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", down)
    r = Client().get("/api/health")
    assert r.status_code == 503
    assert r.json()["ok"] is False and r.json()["database"] == {
        "ok": False,
        "detail": "unreachable: OperationalError",
        "pending": None,
        "oldest_pending_seconds": None,
    }


@override_settings(TASKS=DB_QUEUE)
def test_an_unreadable_worker_queue_answers_503(monkeypatch):
    from django_tasks_db.models import DBTaskResult

    def broken(*args, **kwargs):
        raise OperationalError("no such table")

    monkeypatch.setattr(DBTaskResult.objects, "ready", broken)
    r = Client().get("/api/health")
    assert r.status_code == 503
    assert r.json()["database"]["ok"] is True and r.json()["worker_queue"]["ok"] is False


def test_the_benchmark_endpoint_is_not_in_the_production_api():
    assert Client().post("/api/loop/ping", "{}", content_type="application/json").status_code in (401, 404)
    assert "/api/loop/ping" not in Client().get("/api/openapi.json").json()["paths"]
