"""Prepared statements (guomen.lib.prepared, guomen.lib.server_prepared): values written into the
prepared text as literals, and what a connection keeps after an error."""

import contextlib
import datetime as dt
import decimal
import uuid

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, CharField, DateField, DateTimeField, DecimalField, JSONField, UUIDField, Value
from django.db.models.functions import Cast

from guomen.lib import prepared
from guomen.lib.prepared import Slot
from guomen.lib.server_prepared import prepared_cursor

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side prepared statements are PostgreSQL's")

AWKWARD = [
    "it's",
    "back\\slash",
    "\\'; SELECT 1; --",
    "50%s off",
    "%(name)s and %% and %",
    "$1 $$ $q$ x $q$",
    "E'\\x41'",
    "line\nbreak\ttab",
    "中文 · 边境",
    "' OR '1'='1",
]


@pytest.fixture(autouse=True)
def _fresh():
    prepared.forget()
    yield
    prepared.forget()


@pytest.mark.django_db
@pytest.mark.parametrize("text", AWKWARD)
def test_a_string_fixed_when_built_comes_back_as_it_was_given(text):
    User = get_user_model()
    User.objects.create(username="anna", first_name=text)

    def build():
        qs = User.objects.filter(first_name=text, username__gt=Slot("after", CharField()))
        return qs.annotate(echo=Value(text, output_field=CharField())).values_list("username", "echo")

    made = prepared.statement(("test.text", text), build)
    assert made.rows(after="a") == [("anna", text)]
    assert made.rows(after="b") == []


@pytest.mark.django_db
def test_every_kind_of_value_fixed_when_built_comes_back_as_it_was_given():
    User = get_user_model()
    User.objects.create(username="anna")
    values = {
        "day": (dt.date(2026, 11, 30), DateField()),
        "at": (dt.datetime(2026, 11, 30, 12, 0, 1, tzinfo=dt.UTC), DateTimeField()),
        "uid": (uuid.UUID("12345678-1234-5678-1234-567812345678"), UUIDField()),
        "dec": (decimal.Decimal("-12.50"), DecimalField(max_digits=6, decimal_places=2)),
        "yes": (True, BooleanField()),
        "no": (False, BooleanField()),
        "none": (None, CharField()),
        "json": ({"a": "it's 50%s", "b": ["\\", None, 1.5]}, JSONField()),
    }

    def build():
        qs = User.objects.filter(username="anna", first_name__gte=Slot("after", CharField()))
        return qs.annotate(**{k: Cast(Value(v, output_field=f), f) for k, (v, f) in values.items()}).values_list(*values)

    made = prepared.statement(("test.kinds",), build)
    (row,) = made.rows(after="")
    assert dict(zip(values, row, strict=True)) == {k: v for k, (v, _f) in values.items()}


@pytest.mark.django_db(transaction=True)
@pg_only
def test_a_prepared_statement_survives_a_column_altered_by_a_migration_in_another_process(flushable_events):
    """A migration run by another process (``manage.py migrate`` during a deploy) changes the type of
    a column a kept statement reads. Sent as text the next request would simply read the new
    column; prepared, PostgreSQL answers "cached plan must not change result type" — and psycopg
    keeps the broken statement, so every later request on that connection fails the same way
    (with CONN_MAX_AGE until the connection is recycled, with the pool for the pool's lifetime)."""
    from guomen.org.scoping import _memberships

    User = get_user_model()
    user = User.objects.create(username="anna")
    assert _memberships(user.pk) == []  # prepared on this connection
    dsn = {k: v for k, v in connection.get_connection_params().items() if k in ("dbname", "user", "host", "port", "password")}
    other = psycopg.connect(**dsn, autocommit=True)
    try:
        other.execute("ALTER TABLE org_membership ALTER COLUMN role TYPE varchar(64)")
        failures = []
        for _request in range(3):  # three requests on this process's connection
            try:
                _memberships(user.pk)
            except Exception as exc:
                failures.append(str(exc).splitlines()[0])
        assert failures == [], failures
    finally:
        connection.close()
        other.execute(f"ALTER TABLE org_membership ALTER COLUMN role TYPE varchar({_role_length()})")
        other.close()


def _role_length() -> int:
    from guomen.org.models import Membership

    return Membership._meta.get_field("role").max_length


@pytest.mark.django_db(transaction=True)
@pg_only
def test_a_statement_that_failed_once_on_a_connection_is_prepared_again(flushable_events):
    """The same, without a migration: a statement deallocated on the server (a pooler's DISCARD, an
    operator's DEALLOCATE ALL) is not known to psycopg's cache, which keeps naming it."""
    with prepared_cursor() as cur:
        cur.execute("SELECT %s::int + 1", [1])
        assert cur.fetchone() == (2,)
    connection.connection.pgconn.exec_(b"DEALLOCATE ALL")  # what a pooler's reset does behind the driver's back
    failures = []
    for _request in range(2):
        try:
            with prepared_cursor() as cur:
                cur.execute("SELECT %s::int + 1", [1])
                cur.fetchone()
        except Exception as exc:
            failures.append(str(exc).splitlines()[0])
    connection.close()
    assert failures == [], failures


@pytest.mark.django_db(transaction=True)
@pg_only
def test_a_statement_whose_first_run_fails_leaves_nothing_prepared_on_the_server(flushable_events):
    """psycopg forgets the name of a statement whose first run failed without deallocating it: each
    such failure (in autocommit: no ROLLBACK clears the server) leaves one more prepared statement
    on the connection, outside the bound psycopg keeps (``prepared_max``)."""
    for _request in range(5):
        # division by zero, at execution: the statement was parsed and prepared first
        with contextlib.suppress(Exception), prepared_cursor() as cur:
            cur.execute("SELECT 1 / %s::int", [0])
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT 1 / $1::int'")
        (left,) = cur.fetchone()
    connection.close()
    assert left == 0
