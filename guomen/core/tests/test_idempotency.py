"""Idempotency-Key answers: kept 24 hours and then neither replayed nor stored; a newly created
API token is never stored in clear, and a retry of its creation says so."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from guomen.core import idempotency, registry
from guomen.core.models import ApiToken, IdempotentRequest
from guomen.core.tasks import purge_idempotency

pytestmark = pytest.mark.django_db


def _create(api, name: str, key: str):
    return api.post("/api/tokens", data=json.dumps({"name": name}), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_stored_answer_to_a_token_creation_does_not_hold_the_token(api_as):
    api = api_as("ruili_port")
    first = _create(api, "tablet", "tok-1")
    assert first.status_code == 201
    raw = first.json()["token"]
    row = IdempotentRequest.objects.get(key="tok-1")
    assert raw not in row.body and raw[8:] not in row.body and "token" not in json.loads(row.body)
    assert json.loads(row.body)["prefix"] == first.json()["prefix"] and row.secret_withheld


def test_a_retried_token_creation_is_not_repeated_and_says_the_token_is_not_shown_again(api_as):
    api = api_as("ruili_port")
    first = _create(api, "tablet", "tok-2")
    again = _create(api, "tablet", "tok-2")
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    error = again.json()["error"]
    assert error["code"] == "idempotent_secret_withheld"
    assert error["details"]["result"]["id"] == first.json()["id"] and "token" not in error["details"]["result"]
    assert first.json()["token"] not in again.content.decode()
    assert ApiToken.objects.filter(name="tablet").count() == 1


def test_a_refused_token_creation_is_replayed_as_refused_not_as_withheld(api_as):
    api = api_as("ruili_port")
    first = _create(api, "", "tok-7")
    again = _create(api, "", "tok-7")
    assert first.status_code == again.status_code == 422 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and not IdempotentRequest.objects.get(key="tok-7").secret_withheld


def test_an_answer_past_its_period_is_not_replayed(api_as):
    api = api_as("ruili_port")
    assert idempotency.TTL.total_seconds() == 24 * 3600
    with time_machine.travel(timezone.now() - timedelta(hours=25), tick=False):
        assert _create(api, "old", "tok-3").status_code == 201
    r = _create(api, "other", "tok-3")  # a day later the key starts afresh, even for another request
    assert r.status_code == 201 and "Idempotent-Replayed" not in r
    assert ApiToken.objects.filter(name="other").count() == 1
    assert IdempotentRequest.objects.filter(key="tok-3").count() == 1


def test_an_answer_within_its_period_is_replayed(api_as):
    api = api_as("ruili_port")
    with time_machine.travel(timezone.now() - timedelta(hours=23), tick=False):
        _create(api, "a", "tok-4")
    assert _create(api, "b", "tok-4").json()["error"]["code"] == "idempotency_key_reused"


def test_the_clock_purges_expired_answers_every_hour(api_as):
    api = api_as("ruili_port")
    with time_machine.travel(timezone.now() - timedelta(hours=25), tick=False):
        _create(api, "old", "tok-5")
    _create(api, "new", "tok-6")
    entry = next(p for p in registry.PERIODIC if p.task is purge_idempotency)
    assert entry.every_seconds == 3600
    assert purge_idempotency.call() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["tok-6"]
