"""Statements built once and run with the values of each call (guomen.lib.prepared)."""

from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, CharField, Count, Max, Q

from guomen.lib import prepared
from guomen.lib.prepared import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    prepared.forget()
    yield
    prepared.forget()


def test_a_statement_is_built_once_and_each_call_reads_the_rows_as_they_are_then():
    User = get_user_model()
    User.objects.create(username="anna", first_name="Anna")
    User.objects.create(username="bo", first_name="Bo")
    built = []

    def build():
        built.append(1)
        return User.objects.filter(username=Slot("name", CharField())).values_list("first_name")

    assert prepared.statement(("test.names",), build).rows(name="anna") == [("Anna",)]
    assert prepared.statement(("test.names",), build).rows(name="bo") == [("Bo",)]
    User.objects.filter(username="bo").update(first_name="Bob")
    assert prepared.statement(("test.names",), build).rows(name="bo") == [("Bob",)]  # no row is kept
    assert len(built) == 1


def test_columns_come_back_as_django_reads_them():
    User = get_user_model()
    user = User.objects.create(username="anna")
    made = prepared.statement(("test.joined",), lambda: User.objects.filter(pk=Slot("id", BigIntegerField())).values_list("date_joined"))
    ((joined,),) = made.rows(id=user.pk)
    assert isinstance(joined, datetime) and joined == User.objects.get(pk=user.pk).date_joined


def test_parts_read_together_equal_each_part_read_alone_and_an_empty_part_gives_its_empty_aggregates():
    User = get_user_model()
    User.objects.create(username="anna", is_staff=True)
    User.objects.create(username="bo")

    def parts():
        return {
            "all": (User.objects.all(), {"n": Count("id"), "staff": Count("id", filter=Q(is_staff=True))}),
            "none": (User.objects.filter(username="nobody"), {"n": Count("id"), "last": Max("date_joined")}),
        }

    read = prepared.read_together(("test.together",), parts)
    assert read == {name: qs.aggregate(**aggs) for name, (qs, aggs) in parts().items()}
    assert read["none"] == {"n": 0, "last": None}


def test_instances_carry_every_field_and_the_kept_statements_are_bounded(monkeypatch):
    User = get_user_model()
    User.objects.create(username="anna", email="anna@example.org")
    (anna,) = prepared.instances(("test.users",), lambda: User.objects.filter(username="anna"))
    assert anna.email == "anna@example.org" and not anna.get_deferred_fields()
    monkeypatch.setattr(prepared, "LIMIT", 2)
    for i in range(5):
        prepared.statement(("test.bounded", i), lambda: User.objects.values_list("id"))
    assert len(prepared._kept) == 2


def test_an_instance_from_columns_in_any_order_has_each_value_in_its_own_field():
    User = get_user_model()
    user = prepared.instance(User, ("email", "id", "username"), ("anna@example.org", 7, "anna"))
    assert (user.pk, user.username, user.email) == (7, "anna", "anna@example.org")
    assert "first_name" in user.get_deferred_fields()


def test_on_postgresql_a_statement_is_parsed_and_planned_once_per_connection():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's; SQLite compiles each statement in process")
    User = get_user_model()
    User.objects.create(username="anna", first_name="Anna")
    made = prepared.statement(
        ("test.kept_plan",), lambda: User.objects.filter(username=Slot("name", CharField())).values_list("first_name")
    )
    assert made.rows(name="anna") == [("Anna",)]
    assert made.rows(name="bo") == []
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ['%"auth_user"."username" = ($1)%'])
        assert cur.fetchone() == (1,)  # one plan for both calls, kept by this connection


def test_values_fixed_when_built_are_written_into_the_prepared_text_and_only_the_slots_are_parameters():
    from django.db import connection

    User = get_user_model()
    User.objects.create(username="anna", first_name="50%s off")
    User.objects.create(username="andrew", first_name="plain")
    User.objects.create(username="bo", first_name="50%s off")

    def build():  # a LIKE pattern of its own (percent signs) and a value with '%s' in it, fixed when built
        qs = User.objects.filter(username__startswith="an", first_name__contains="%s", username__gt=Slot("after", CharField()))
        return qs.order_by("username").values_list("username")

    made = prepared.statement(("test.inlined",), build)
    assert made.rows(after="a") == [("anna",)]
    assert made.rows(after="anna") == []
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT statement, parameter_types FROM pg_prepared_statements WHERE statement LIKE %s", ['%"auth_user"."username" > ($1)%']
            )
            ((text, types),) = cur.fetchall()
        assert "LIKE 'an%'" in text and len(types) == 1, (text, types)
