"""Recording a token's use never waits for another transaction that holds the token (PostgreSQL).

A check sent with the token's lookup has locked its journey before the use is recorded; a
transaction holding the token and waiting for that journey would otherwise deadlock with it."""

import datetime as dt

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from guomen.core.models import ApiToken
from guomen.core.services import token_authenticate, token_create


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_use_is_not_recorded_while_another_transaction_holds_the_token(flushable_events):
    user = get_user_model().objects.create_user(username="device-owner", password="x" * 20)
    row, raw = token_create(user=user, name="device")
    old = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=old)
    dsn = {k: v for k, v in connection.get_connection_params().items() if k in ("dbname", "user", "host", "port", "password")}
    with psycopg.connect(**dsn) as other:
        other.execute(f'SELECT 1 FROM "{ApiToken._meta.db_table}" WHERE id = %s FOR UPDATE', [row.pk])  # noqa: S608 - held, not committed
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '2s'")  # waiting would fail here rather than hang
            assert token_authenticate(raw) == user
        assert ApiToken.objects.get(pk=row.pk).last_used_at == old  # left to the holder
        other.rollback()
    assert token_authenticate(raw) == user
    assert ApiToken.objects.get(pk=row.pk).last_used_at > old
