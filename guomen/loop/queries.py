"""Reads of the closed loop, always through the caller's scope."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr

from guomen.lib import clock, counts
from guomen.lib.prepared import statement
from guomen.lib.server_prepared import prepared_cursor
from guomen.org.models import Unit
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

from .models import OPEN_STATES, EventKind, Journey, JourneyCount, State


def journeys(scope: Scope) -> QuerySet[Journey]:
    return scope.filter(Journey.objects.select_related("person", "custodian", "pending_unit", "port", "jurisdiction"))


def destination_unit(j: Journey) -> Unit | None:
    """Where a transfer is going: named when the port decided, kept on the offer events."""
    pk = j.facts.get("destination")
    if not pk and j.state in (State.IN_TRANSIT, State.HANDOVER_OFFERED):
        for e in j.events.filter(kind__in=(EventKind.HANDOVER_OFFERED, EventKind.DISPOSED)).order_by("-seq")[:4]:
            pk = e.data.get("destination") or (e.data.get("to_unit") if e.data.get("via_unit") else None)
            if pk:
                break
    return Unit.objects.filter(pk=pk).first() if pk else None


def journey_get(scope: Scope, code: str) -> Journey:
    return scope.get(Journey.objects.select_related("person", "custodian__jurisdiction", "pending_unit", "port", "policy"), code=code)


def journey_for_update(scope: Scope, code: str) -> Journey:
    """One journey within reach, locked for the caller's transaction (which must be open)."""
    j = scope.get(Journey.objects.select_for_update(of=("self",)).select_related("policy", "custodian", "pending_unit"), code=code)
    j._row_locked = True
    return j


# What a health check reads of a journey; the other fields load only if asked for.
_CUSTODY_FIELDS = (
    "id", "code", "person_id", "risk", "policy_id", "state", "custodian_id", "jurisdiction_id", "state_since", "due_at",
    "awaiting", "last_seq", "pending_unit_id", "expected_at", "room", "facts", "closed_at", "alert_open", "updated_at",
    "opened_at",  # each event carries it (the partition key of the events on PostgreSQL)
)  # fmt: skip


@functools.cache
def _custody_query(user: str = "%s") -> tuple[str, list[Any], list[Any], list[tuple[int, Any, Any]]]:
    """The SQL of ``journey_in_custody`` (its parameters: the code, the user, then these — or, with
    ``user``, the SQL expression naming the user's id, then the code and these), the fields it
    reads in model order, and the converters each needs from the database's values."""
    from django.db import connection
    from django.db.models.expressions import Col

    from guomen.org.models import Unit
    from guomen.org.scoping import acts_for_sql

    acts_for, params = acts_for_sql("cu", user)
    fields = [f for f in Journey._meta.concrete_fields if f.attname in _CUSTODY_FIELDS]  # in model order, as from_db wants
    columns = ", ".join(f'j."{f.column}"' for f in fields)
    sql = (
        f"SELECT {columns}, cu.code, cu.jurisdiction_id "  # noqa: S608 - names from the models
        f'FROM "{Journey._meta.db_table}" j JOIN "{Unit._meta.db_table}" cu ON cu.id = j.custodian_id '
        f"WHERE j.code = %s AND {acts_for}"
    )
    converters = []
    for i, f in enumerate(fields):
        col = Col(Journey._meta.db_table, f)
        for convert in connection.ops.get_db_converters(col) + f.get_db_converters(connection):
            converters.append((i, col, convert))
    return sql, params, fields, converters


def journey_in_custody(user: Any, code: str) -> Journey | None:
    """The journey with this code, unlocked, if it is in the custody of a unit the user acts for and
    may write as; None otherwise: the caller then takes the full path through ``Scope``, which
    tells "not found" from "not yours".

    The hot path of health checks: one plain query that also answers the authority question (see
    ``scoping.acts_for_sql``), its row turned into a model with each field's own converters.
    The custodian comes with its code and jurisdiction; the other fields of both load only if asked for."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    sql, params, _fields, _converters = _custody_query()
    with prepared_cursor() as cur:  # parsed and planned once per connection
        cur.execute(sql, [code, user.pk, *params])
        row = cur.fetchone()
    return journey_from_custody_row(row)


def custody_read_with_token(code: str) -> tuple[str, list[Any]]:
    """``journey_in_custody``'s read for the user of an API token, as a subquery that travels with the
    token's own lookup (``core.services.token_authenticate_reading``): the token's user is named
    there as ``u."id"``. Its row goes to ``journey_from_custody_row``."""
    sql, params, _fields, _converters = _custody_query('u."id"')
    return sql, [code, *params]


def journey_from_custody_row(row: Sequence[Any] | None) -> Journey | None:
    """The journey of a row read by ``journey_in_custody``'s statement (None for no row, or for the
    empty row of a subquery that found nothing)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    if row is None or row[0] is None:  # the id: never null in a row found
        return None
    connection = connections[DEFAULT_DB_ALIAS]  # looked up once: each attribute of the proxy is a lookup
    _sql, _params, fields, converters = _custody_query()
    values = list(row[: len(fields)])
    for i, f, convert in converters:
        values[i] = convert(values[i], f, connection)
    j = Journey.from_db(connection.alias, [f.attname for f in fields], values)
    j.custodian = Unit.from_db(connection.alias, ["id", "code", "jurisdiction_id"], [j.custodian_id, row[-2], row[-1]])
    return j


@functools.cache
def _checks_batch_query() -> tuple[str, list[Any], list[tuple[int, Any, Any]]]:
    """The SQL of ``journeys_for_checks`` (its parameters: the unit, then the codes), the fields it
    reads in model order, and the converters each needs from the database's values."""
    from django.db import connection
    from django.db.models.expressions import Col

    fields = [f for f in Journey._meta.concrete_fields if f.attname in _CUSTODY_FIELDS]
    columns = ", ".join(f'j."{f.column}"' for f in fields)
    lock = " FOR UPDATE OF j" if connection.features.has_select_for_update_of else ""
    if connection.vendor == "postgresql":  # the codes as one JSON text: quoting an array costs more than the query
        codes = "j.code = ANY(ARRAY(SELECT json_array_elements_text(%s::json)))"
    else:
        codes = "j.code IN (SELECT value FROM json_each(%s))"
    sql = (
        f'SELECT {columns} FROM "{Journey._meta.db_table}" j '  # noqa: S608 - names from the model
        f"WHERE j.custodian_id = %s AND {codes} ORDER BY j.id{lock}"
    )
    converters = []
    for i, f in enumerate(fields):
        col = Col(Journey._meta.db_table, f)
        for convert in connection.ops.get_db_converters(col) + f.get_db_converters(connection):
            converters.append((i, col, convert))
    return sql, fields, converters


def journeys_for_checks(unit: Any, codes: Iterable[str]) -> dict[str, Journey]:
    """The journeys with these codes in ``unit``'s custody, locked for the caller's transaction (in
    id order, as every batch takes them), by code — one plain query for a batch of health checks.
    The caller has established that the user acts for ``unit``. Each journey reads what a check
    needs (the other fields load only if asked for); its custodian is ``unit`` itself."""
    import json

    from django.db import connection

    codes = sorted(set(codes))
    if not codes:
        return {}
    sql, fields, converters = _checks_batch_query()
    names = [f.attname for f in fields]
    with connection.cursor() as cur:
        cur.execute(sql, [unit.pk, json.dumps(codes)])
        rows = cur.fetchall()
    out = {}
    for row in rows:
        values = list(row)
        for i, f, convert in converters:
            values[i] = convert(values[i], f, connection)
        j = Journey.from_db(connection.alias, names, values)
        j.custodian = unit
        j._row_locked = True
        out[j.code] = j
    return out


def in_custody(scope: Scope, units: Iterable[Any]) -> QuerySet[Journey]:
    """The open journeys in the custody of these units — including those offered onward and not
    yet accepted, since custody changes only on acceptance. Every "in my custody" list and count
    (the home tile, each desk) reads this one query."""
    return journeys(scope).select_related("policy", "custodian__jurisdiction").filter(custodian__in=list(units), closed_at__isnull=True)


def journey_search(
    scope: Scope, *, state: str = "", unit_code: str = "", q: str = "", overdue: bool = False, now: Any = None
) -> QuerySet[Journey]:
    qs = journeys(scope)
    if state in State.values:
        qs = qs.filter(state=state)
    if unit_code:
        qs = qs.filter(Q(custodian__code=unit_code) | Q(pending_unit__code=unit_code))
    if q:
        from guomen.people.queries import people_search

        qs = qs.filter(Q(code=q.strip().upper()) | Q(person__in=people_search(scope=scope, q=q).values("pk")))  # codes are upper case
    if overdue:
        qs = qs.filter(closed_at__isnull=True, due_at__lt=now or clock.now())
    return qs


def journey_count_rows(paths: Iterable[str], *, cut: int | None = None) -> list[tuple[str, str, int]]:
    """The journey counters (jurisdiction path, state, journeys) under any of ``paths``; with ``cut``,
    summed in the database by the path's first ``cut`` characters (one row per subtree that long
    and state, a shorter path as it is) — what ``counts.roll_up`` to tops of that length gives.
    The statement is built once per process for the same paths."""
    paths = tuple(paths)
    if not paths:
        return []

    def build() -> QuerySet:
        under = functools.reduce(operator.or_, (Q(jurisdiction__path__startswith=p) for p in paths))
        qs = JourneyCount.objects.filter(under)
        if cut is None:
            return qs.values_list("jurisdiction__path", "state", "n")
        return qs.annotate(top=Substr("jurisdiction__path", 1, cut)).values_list("top", "state").order_by().annotate(total=Sum("n"))

    return statement(("loop.journey_count_rows", paths, cut), build).rows()


def counts_under(paths: Iterable[str]) -> dict[str, dict[str, int]]:
    """Journeys by state in each of the (disjoint) subtrees at ``paths``, from the counters kept with the events."""
    paths = list(paths)
    return counts.roll_up(journey_count_rows(paths), paths, State.values)


def counts_by_state(jurisdiction: Jurisdiction) -> dict[str, int]:
    """Journeys by state in a jurisdiction's subtree, from the counters kept with the events."""
    return counts_under([jurisdiction.path])[jurisdiction.path]


def counts_by_jurisdiction() -> list[tuple[int, str, int]]:
    """Every non-zero counter: (jurisdiction id, state, journeys)."""
    return [r for r in JourneyCount.objects.values_list("jurisdiction_id", "state", "n") if r[2]]


def open_total(counts: dict[str, int]) -> int:
    return sum(counts[s] for s in OPEN_STATES)


# --- what loop answers at the extension points of the apps below it (registered in LoopConfig) ---
def persons_through_journeys(scope: Scope) -> QuerySet[Journey]:
    """``people.person_reach``: a person is reached through the journeys within reach."""
    return scope.filter(Journey.objects.all()).values("person_id")


def village_monitored(scope: Scope, village: Jurisdiction, committees: list[Any]) -> dict[str, Any]:
    """``places.village_page``: the people under home monitoring with the village's committees, and
    those found here (or declared) still waiting for the village's decision."""
    held = scope.filter(Journey.objects.filter(custodian__in=committees).select_related("person", "custodian")).order_by("due_at")
    return {
        "monitored": held.filter(state=State.HOME_MONITORING),
        "found": held.filter(state__in=(State.INTERCEPTED, State.AT_GATE)),
    }
