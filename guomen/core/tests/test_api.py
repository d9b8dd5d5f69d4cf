import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client

from guomen.core.models import ApiToken, IdempotentRequest

pytestmark = pytest.mark.django_db


def test_openapi_document_lists_the_routes_and_the_error_shape(client):
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/api/org/units/{code}" in doc["paths"]
    assert "404" in doc["paths"]["/api/org/units/{code}"]["get"]["responses"]
    assert "Error" in doc["components"]["schemas"]


def test_api_docs_page_is_served_without_a_cdn(client):
    html = client.get("/api/docs").content.decode()
    assert "cdn" not in html.lower()
    assert "/static/ninja/" in html


def test_unauthenticated_request_gets_401_in_the_error_shape(world):
    r = Client().get("/api/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_a_token_is_shown_once_stored_hashed_and_revocable(client_as, world, user):
    web = client_as("ruili_port")
    r = web.post("/api/tokens", data=json.dumps({"name": "port desk"}), content_type="application/json")
    assert r.status_code == 201
    body = r.json()
    raw = body["token"]
    row = ApiToken.objects.get(public_id=body["id"])
    assert raw not in (row.digest, row.prefix) and len(row.digest) == 64
    assert all("token" not in t for t in web.get("/api/tokens").json())
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.get("/api/me").json()["username"] == "ruili_port"
    assert web.delete(f"/api/tokens/{body['id']}").status_code == 204
    assert bearer.get("/api/me").status_code == 401


def test_a_wrong_token_is_refused(world):
    assert Client(HTTP_AUTHORIZATION="Bearer gm_not-a-real-token").get("/api/me").status_code == 401


def test_a_token_gives_the_user_as_the_orm_reads_it_and_records_use_once_a_minute(world):
    from django.contrib.auth import get_user_model

    from guomen.core.services import token_authenticate, token_create

    user = get_user_model().objects.get(username="ruili_port")
    user.last_login = user.date_joined
    user.save(update_fields=["last_login"])
    row, raw = token_create(user=user, name="device")
    found = token_authenticate(raw)
    fields = [f.attname for f in get_user_model()._meta.concrete_fields]
    assert [(getattr(found, f), type(getattr(found, f))) for f in fields] == [(getattr(user, f), type(getattr(user, f))) for f in fields]
    assert found.last_login.tzinfo is not None and found.is_active is True and not found._state.adding
    first_use = ApiToken.objects.get(pk=row.pk).last_used_at
    assert first_use is not None
    token_authenticate(raw)
    assert ApiToken.objects.get(pk=row.pk).last_used_at == first_use  # within the minute: no write
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=first_use - dt.timedelta(minutes=2))
    token_authenticate(raw)
    assert ApiToken.objects.get(pk=row.pk).last_used_at > first_use - dt.timedelta(minutes=2)


def test_the_token_of_a_deactivated_user_is_refused_at_once(world):
    from django.contrib.auth import get_user_model

    from guomen.core.services import token_create

    user = get_user_model().objects.get(username="ruili_port")
    _row, raw = token_create(user=user, name="device")
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.get("/api/me").status_code == 200
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert bearer.get("/api/me").status_code == 401


def test_me_tells_roles_and_reach(api_as):
    me = api_as("dehong").get("/api/me").json()
    assert me["roles"] == ["prefecture_command"]
    assert me["subtree_jurisdictions"] == ["533100"]
    assert api_as("auditor").get("/api/me").json()["read_only"] is True


def test_validation_errors_use_the_one_error_shape(api_as):
    r = api_as("ruili").post("/api/tokens", data=json.dumps({"name": ""}), content_type="application/json")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid"
    assert r.json()["error"]["details"]


def test_a_retried_write_with_the_same_idempotency_key_applies_once(api_as):
    api = api_as("ruili_port")
    token_id = api.post("/api/tokens", data=json.dumps({"name": "tablet"}), content_type="application/json").json()["id"]
    headers = {"HTTP_IDEMPOTENCY_KEY": "retry-1"}
    first = api.delete(f"/api/tokens/{token_id}", **headers)
    second = api.delete(f"/api/tokens/{token_id}", **headers)  # without the key, a second revoke is a 404
    assert first.status_code == second.status_code == 204
    assert second["Idempotent-Replayed"] == "true"
    assert ApiToken.objects.filter(name="tablet", revoked_at__isnull=False).count() == 1
    assert IdempotentRequest.objects.filter(key="retry-1").count() == 1


def test_reusing_an_idempotency_key_for_another_request_is_refused_and_changes_nothing(api_as):
    api = api_as("ruili_port")
    api.post("/api/tokens", data=json.dumps({"name": "a"}), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    r = api.post("/api/tokens", data=json.dumps({"name": "b"}), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "idempotency_key_reused"
    assert not ApiToken.objects.filter(name="b").exists()


def test_session_writes_need_the_csrf_token(world, user):
    c = Client(enforce_csrf_checks=True)
    c.force_login(user("ruili"))
    r = c.post("/api/tokens", data=json.dumps({"name": "x"}), content_type="application/json")
    assert r.status_code in (401, 403)
    assert not ApiToken.objects.filter(name="x").exists()


def test_errors_speak_the_callers_language(world):
    r = Client().get("/api/me", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.json()["error"]["message"] != "Sign in, or send a valid API token."
    r = Client().get("/api/me", HTTP_ACCEPT_LANGUAGE="en")
    assert r.json()["error"]["message"] == "Sign in, or send a valid API token."


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the reading joins the token's lookup laterally: PostgreSQL's")
def test_a_reading_travels_with_the_token_in_one_statement_and_the_token_rules_still_hold(world):
    from django.contrib.auth import get_user_model
    from django.test.utils import CaptureQueriesContext

    from guomen.core.services import token_authenticate_reading, token_create

    users = get_user_model().objects
    user = users.get(username="ruili_port")
    row, raw = token_create(user=user, name="device")
    reading = f'SELECT x.username, %s::text AS asked FROM "{users.model._meta.db_table}" x WHERE x.id = u."id" AND %s::text = \'yes\''  # noqa: S608
    found, got = token_authenticate_reading(raw, reading, ["hello", "yes"])
    assert found == user and got == ("ruili_port", "hello") and not found._state.adding
    assert ApiToken.objects.get(pk=row.pk).last_used_at is not None  # use recorded as by the plain lookup
    with CaptureQueriesContext(connection) as q:  # within the minute: no write of the use, one statement
        found, got = token_authenticate_reading(raw, reading, ["hello", "no"])
    assert found == user and got == (None, None)  # the reading found nothing: its columns empty
    assert len(q.captured_queries) == 1 and "LEFT JOIN LATERAL" in q.captured_queries[0]["sql"]
    assert token_authenticate_reading("gm_not-a-real-token", reading, ["a", "yes"]) == (None, None)
    assert token_authenticate_reading("not-a-token", reading, ["a", "yes"]) == (None, None)
    users.filter(pk=user.pk).update(is_active=False)
    assert token_authenticate_reading(raw, reading, ["a", "yes"]) == (None, None)
    users.filter(pk=user.pk).update(is_active=True)
    ApiToken.objects.filter(pk=row.pk).update(revoked_at=dt.datetime.now(dt.UTC))
    assert token_authenticate_reading(raw, reading, ["a", "yes"]) == (None, None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a write in the token's statement is PostgreSQL's")
def test_a_write_travels_with_the_token_and_its_reading_and_needs_an_active_user(world):
    from django.contrib.auth import get_user_model
    from django.test.utils import CaptureQueriesContext

    from guomen.core.services import token_authenticate_reading, token_create

    users = get_user_model().objects
    user = users.get(username="ruili_port")
    row, raw = token_create(user=user, name="device")
    table = users.model._meta.db_table
    reading = f'SELECT x.username FROM "{table}" x WHERE x.id = u."id"'  # noqa: S608
    write = (
        f'w AS (UPDATE "{table}" x SET first_name = %s FROM u, r WHERE x.id = u."id" AND u."is_active" RETURNING x.first_name)',  # noqa: S608
        "w",
        ["renamed"],
    )
    assert token_authenticate_reading(raw, reading, [], write) == (user, ("ruili_port", "renamed"))
    assert users.get(pk=user.pk).first_name == "renamed"
    with CaptureQueriesContext(connection) as q:  # within the minute: one statement for all three
        token_authenticate_reading(raw, reading, [], (write[0], "w", ["again"]))
    assert len(q.captured_queries) == 1 and users.get(pk=user.pk).first_name == "again"
    users.filter(pk=user.pk).update(is_active=False)
    assert token_authenticate_reading(raw, reading, [], (write[0], "w", ["inactive"])) == (None, None)
    ApiToken.objects.filter(pk=row.pk).update(revoked_at=dt.datetime.now(dt.UTC))
    assert token_authenticate_reading(raw, reading, [], (write[0], "w", ["revoked"])) == (None, None)
    assert users.get(pk=user.pk).first_name == "again"  # neither wrote
