"""Health checks: one at a time (the hot path, plain SQL) and in batches."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib.errors import DomainError
from guomen.lib.server_prepared import prepared_cursor
from guomen.org.models import Unit
from guomen.org.scoping import Scope, acts_for_sql

from .. import alerting, queries
from .. import projection as proj
from ..models import (
    CustodyEvent,
    EventKind,
    Journey,
    State,
)
from .authority import _act_for, _custodian, require_state
from .care import _to_hospital
from .engine import CHECK_FIELDS, _advance, _append, _close_overdue_alert, _locked, _now, _when, rules_of
from .inputs import _symptoms, _temperature


# --- flows: quarantine, hospital, home ------------------------------------------------------------------
@transaction.atomic(savepoint=False)  # the hot path: inside a caller's transaction, no savepoint round trips
def health_check(
    *, actor: Any, journey: Journey, temperature: float, symptoms: Sequence[str] = (), occurred_at: datetime | None = None
) -> CustodyEvent:
    j = _locked(journey)
    at = _when(occurred_at)
    if j.state not in CHECK_STATES or not Scope.of(actor).acts_for(j.custodian):
        held = _held_then(j, at)
        if held is not None:
            _act_for(actor, held)
            return _check_after_move(j, actor, held, temperature, symptoms, at)
    _custodian(actor, j)
    return _check(j, actor, temperature, symptoms, at)


CHECK_STATES = (State.IN_FACILITY, State.HOME_MONITORING)


def _held_then(j: Journey, at: datetime) -> Unit | None:
    """The unit that held the person under checks at ``at``, if the person has since moved on
    (to hospital, onward, or closed); None if they had not, or were not under checks then."""
    events = list(j.events.filter(occurred_at__lte=at).order_by("-seq").select_related("unit")[:50])
    took = next((e for e in events if e.kind == EventKind.HANDOVER_ACCEPTED), None)
    if took is None or took.data.get("to_state") not in CHECK_STATES:
        return None
    moved = j.events.filter(seq__gt=took.seq, occurred_at__gt=at, kind__in=_MOVING).exists()
    return took.unit if moved else None


# Events after which a check by the former holder no longer moves the journey.
_MOVING = (
    EventKind.HANDOVER_OFFERED,
    EventKind.HANDOVER_ACCEPTED,
    EventKind.RELEASED,
    EventKind.CLOSED,
    EventKind.OVERRIDE_CLOSED,
)


def _check_after_move(j: Journey, actor: Any, unit: Unit, temperature: float, symptoms: Sequence[str], at: datetime) -> CustodyEvent:
    """Conflict rule: a check done while ``unit`` held the person, arriving after the person moved
    on (e.g. to hospital), is kept on the timeline — with its own time and the unit that did it —
    but changes neither custody, nor the due time, nor the flags (``projection.CUSTODY_MOVED``)."""
    t, syms = _temperature(temperature), _symptoms(symptoms)
    data = {"temperature": t, "symptoms": syms, "fever": _fever(j, t, syms), proj.CUSTODY_MOVED: True}
    return _append(j, EventKind.HEALTH_CHECK, unit=unit, actor=actor, at=at, data=data)


UNREAD: Any = object()  # ``health_check_by_code``'s ``read`` when the caller has not read the journey


def health_check_by_code(
    *,
    actor: Any,
    code: str,
    temperature: float,
    symptoms: Sequence[str] = (),
    occurred_at: datetime | None = None,
    read: Journey | None = UNREAD,
) -> CustodyEvent:
    """A health check for the journey with this loop code — the API's single check, the loop's
    busiest write.

    On PostgreSQL a normal check (no fever, no open overdue alert) is written optimistically: one
    unlocked read that also checks authority, then one statement that updates the journey only if
    no other event or alert has touched it since the read and the actor still acts for its
    custodian, and inserts the event only if it did.
    Anything else — fever, an open alert, a journey changed meanwhile, a journey not found this
    way — takes the locked path, which gives the full answers and errors. ``read`` is that read
    when the caller has made it already — what ``queries.journey_in_custody`` answers for this
    actor and code (the API sends it with the token's lookup: one round trip less)."""
    t, syms, at = _temperature(temperature), _symptoms(symptoms), _when(occurred_at)
    if connection.vendor == "postgresql":
        j = queries.journey_in_custody(actor, code) if read is UNREAD else read
        if j is not None and j.state in (State.IN_FACILITY, State.HOME_MONITORING) and not j.alert_open and not _fever(j, t, syms):
            seen = j.last_seq
            event, _answered = _advance(
                j, EventKind.HEALTH_CHECK, unit=j.custodian, actor=actor, at=at, data={"temperature": t, "symptoms": syms, "fever": False}
            )
            if _write_check_unless_changed(event, j, seen):
                return event
    with transaction.atomic():
        j = queries.journey_for_update(Scope.of(actor), code)
        return health_check(actor=actor, journey=j, temperature=t, symptoms=syms, occurred_at=at)


@functools.cache
def _guarded_check_sql() -> tuple[str, list[Any], list[Any]]:
    """The statement of ``_write_check_unless_changed``: the journey fields it sets, the event
    fields it takes from the caller (``_EVENT_OWN``), and the parameters of the authority condition
    that follow the actor's id. The event's journey, sequence number, unit (the custodian: the guard
    requires it to be the event's unit), recording time (the journey's ``updated_at``) and partition
    key come from the updated journey row itself. The guard also requires that the actor acts for the
    custodian at the moment of the write (``scoping.acts_for_sql``), whoever made the read the check
    was computed from."""
    journey_fields = [Journey._meta.get_field(name) for name in CHECK_FIELDS]
    own = [CustodyEvent._meta.get_field(name) for name in _EVENT_OWN]
    col = {name: CustodyEvent._meta.get_field(name).column for name in _EVENT_COLUMNS}
    from_row = {
        "journey": "u.id",
        "seq": "u.last_seq",
        "unit": "u.custodian_id",
        "recorded_at": "u.updated_at",
        "journey_opened_at": "u.opened_at",
    }
    typed = {f.name: f"%s::{f.db_type(connection)}" for f in own}
    sets = ", ".join(f'"{f.column}" = %s::{f.db_type(connection)}' for f in journey_fields)
    columns = ", ".join(f'"{col[name]}"' for name in _EVENT_COLUMNS)
    values = ", ".join(from_row.get(name) or typed[name] for name in _EVENT_COLUMNS)
    acts, acts_params = acts_for_sql("cu", "%s::bigint")
    sql = (
        f'WITH u AS (UPDATE "{Journey._meta.db_table}" SET {sets} WHERE id = %s::bigint AND last_seq = %s::integer AND custodian_id = %s::bigint AND NOT alert_open '  # noqa: S608 - fixed names
        f'AND EXISTS (SELECT 1 FROM "{Unit._meta.db_table}" cu WHERE cu.id = custodian_id AND {acts}) '
        f"RETURNING id, last_seq, custodian_id, updated_at, opened_at) "
        f'INSERT INTO "{CustodyEvent._meta.db_table}" ({columns}) SELECT {values} FROM u RETURNING id'
    )
    return sql, journey_fields, own, acts_params


_EVENT_OWN = ("kind", "occurred_at", "actor", "data")  # what the guarded write takes from the event itself


def _write_check_unless_changed(event: CustodyEvent, j: Journey, seen_seq: int) -> bool:
    """PostgreSQL: store a normal check computed from an unlocked read, in one statement — the
    journey's UPDATE guarded by the sequence number read (and no alert opened since), the event's
    INSERT fed by that UPDATE's row. False, and nothing written, if the guard failed."""
    sql, journey_fields, own, acts_params = _guarded_check_sql()
    db = connections[DEFAULT_DB_ALIAS]  # looked up once: each attribute of the proxy is a lookup
    event.recorded_at = j.updated_at = timezone.now()
    params = [f.get_db_prep_save(getattr(j, f.attname), db) for f in journey_fields] + [j.pk, seen_seq, event.unit_id]
    params += [event.actor_id, *acts_params]
    params += [f.get_db_prep_save(getattr(event, f.attname), db) for f in own]
    with prepared_cursor() as cur:  # parsed and planned once per connection
        cur.execute(sql, params)
        row = cur.fetchone()
    if row is None:
        return False
    event.pk = row[0]
    event._state.adding, event._state.db = False, db.alias
    return True


@dataclass(frozen=True)
class TokenCheck:
    """A normal health check as data-modifying expressions of the API token's own statement
    (``core.services.token_authenticate_reading``), for PostgreSQL: authentication, the journey's
    read and the check's write in one round trip.

    The values of the write come from the journey's ``check_plan``, which the projection stores with
    every event (``projection.check_plan``): the statement applies the check only while that plan
    holds (``check_plan_seq`` is the journey's ``last_seq``, the row is the one the read found, the
    user is active), the temperature is under the plan's fever line, no alert is open, and no later
    check is on record. Anything else — fever, symptoms, an older reading, an open alert, no plan
    — writes nothing here and goes the usual ways (``health_check_by_code``), whose answers and
    rules are the same."""

    params: list[Any]
    at: datetime
    now: datetime
    data: dict[str, Any]

    write_width = 2  # the columns of the write's row: the event's id and sequence number

    @property
    def write(self) -> tuple[str, str, list[Any]]:
        return _token_check_sql(), "e", self.params

    def event(self, j: Journey, actor: Any, row: Sequence[Any]) -> CustodyEvent | None:
        """The event written, from the write's ``row`` (None if nothing was written) and the
        journey as read in the same statement (``queries.journey_from_custody_row``)."""
        pk, seq = row
        if pk is None:
            return None
        event = CustodyEvent(
            pk=pk, journey=j, seq=seq, kind=EventKind.HEALTH_CHECK, occurred_at=self.at, recorded_at=self.now, actor=actor, unit=j.custodian
        )
        event.data, event.journey_opened_at = self.data, j.opened_at
        event._state.adding, event._state.db = False, connection.alias
        return event


def token_check(*, temperature: Any, symptoms: Sequence[str] = (), occurred_at: datetime | None = None) -> TokenCheck | None:
    """The ``TokenCheck`` for these values, or None where it cannot apply: not PostgreSQL, values the
    service refuses (the usual path then gives the error), or symptoms (a check with symptoms is
    never normal)."""
    if connection.vendor != "postgresql":
        return None
    try:
        t, syms, at = _temperature(temperature), _symptoms(symptoms), _when(occurred_at)
    except DomainError:
        return None
    if syms:
        return None
    data = {"temperature": t, "symptoms": [], "fever": False}
    now = timezone.now()
    params = [
        at,
        proj._iso(at),
        t,
        now,
        json.dumps(data),
        State.IN_FACILITY,
        State.HOME_MONITORING,
        proj.AWAIT_CHECK,
        EventKind.HEALTH_CHECK,
    ]
    return TokenCheck(params, at, now, data)


@functools.cache
def _token_check_sql() -> str:
    """The expressions of ``TokenCheck.write``: ``p`` its values, ``w`` the journey's UPDATE, ``e`` the
    event's INSERT fed by it (the token's row is ``u``, the read's ``r``). The due time and what is
    awaited are ``CheckPlan.due`` in SQL; the facts are a normal check's (``projection._reading``)."""
    col = {name: CustodyEvent._meta.get_field(name).column for name in _EVENT_COLUMNS}
    plan = "j.check_plan"
    check = f"(GREATEST(p.at, ({plan}->>'start')::timestamptz) + make_interval(secs => ({plan}->>'step')::float8))"
    other = f"({plan}->>'other_due')::timestamptz"
    from_row = {
        "journey": "w.id",
        "seq": "w.last_seq",
        "kind": "p.kind",
        "occurred_at": "p.at",
        "recorded_at": "w.updated_at",
        "actor": "u.id",
        "unit": "w.custodian_id",
        "data": "p.data",
        "journey_opened_at": "w.opened_at",
    }
    columns = ", ".join(f'"{col[name]}"' for name in _EVENT_COLUMNS)
    values = ", ".join(from_row[name] for name in _EVENT_COLUMNS)
    return (
        "p AS (SELECT %s::timestamptz AS at, %s::text AS at_iso, %s::float8 AS temperature, %s::timestamptz AS now, %s::jsonb AS data, "  # noqa: S608 - fixed names
        "%s::text AS facility, %s::text AS home, %s::text AS awaiting_check, %s::text AS kind), "
        f'w AS (UPDATE "{Journey._meta.db_table}" j SET '
        f"due_at = CASE WHEN {check} <= {other} THEN {check} ELSE {other} END, "
        f"awaiting = CASE WHEN {check} <= {other} THEN p.awaiting_check ELSE {plan}->>'other_awaiting' END, "
        "last_seq = j.last_seq + 1, check_plan_seq = j.last_seq + 1, updated_at = p.now, "
        "facts = (j.facts - 'fever' - 'symptoms') || jsonb_build_object('last_check_at', p.at_iso) "
        "FROM r, u, p WHERE j.id = r.id AND j.last_seq = r.last_seq AND j.check_plan_seq = j.last_seq AND NOT j.alert_open "
        f"AND j.state IN (p.facility, p.home) AND u.is_active AND p.temperature < ({plan}->>'fever')::float8 "
        "AND (j.facts->>'last_check_at' IS NULL OR (j.facts->>'last_check_at')::timestamptz <= p.at) "
        "RETURNING j.id, j.last_seq, j.custodian_id, j.updated_at, j.opened_at), "
        f'e AS (INSERT INTO "{CustodyEvent._meta.db_table}" ({columns}) SELECT {values} FROM w, u, p RETURNING id, seq)'
    )


def _fever(j: Journey, temperature: float, symptoms: Sequence[str]) -> bool:
    return temperature >= rules_of(j).fever_celsius or bool(symptoms)


def _check(j: Journey, actor: Any, temperature: float, symptoms: Sequence[str], at: datetime) -> CustodyEvent:
    require_state(j, State.IN_FACILITY, State.HOME_MONITORING)
    t = _temperature(temperature)
    syms = _symptoms(symptoms)
    if _fever(j, t, syms):
        event = _append(
            j, EventKind.HEALTH_CHECK, unit=j.custodian, actor=actor, at=at, data={"temperature": t, "symptoms": syms, "fever": True}
        )
        _to_hospital(j, actor, reason="fever")
        return event
    event, answered = _advance(
        j, EventKind.HEALTH_CHECK, unit=j.custodian, actor=actor, at=at, data={"temperature": t, "symptoms": syms, "fever": False}
    )
    _write_checks([event], [j])
    if answered:
        _close_overdue_alert(j, event.seq)
    return event


_EVENT_COLUMNS = ("journey", "seq", "kind", "occurred_at", "recorded_at", "actor", "unit", "data", "journey_opened_at")


@functools.cache
def _checks_sql_pg() -> str:
    """PostgreSQL: the events' INSERT and the journeys' UPDATE of ``_write_checks`` as one
    statement, each fed by one JSON array of rows (``json_to_recordset``) — two parameters and the
    same short text whatever the number of rows, so the driver neither builds nor quotes a
    statement of thousands of placeholders (or arrays element by element)."""
    event_fields = [CustodyEvent._meta.get_field(name) for name in _EVENT_COLUMNS]
    journey_fields = [Journey._meta.pk, *(Journey._meta.get_field(name) for name in CHECK_FIELDS)]
    columns = ", ".join(f'"{f.column}"' for f in event_fields)
    sets = ", ".join(f'"{f.column}" = v."{f.column}"' for f in journey_fields[1:])

    def record(fields: list[Any]) -> str:
        return ", ".join(f'"{f.column}" {f.db_type(connection)}' for f in fields)

    return (
        f'WITH e AS (INSERT INTO "{CustodyEvent._meta.db_table}" ({columns}) SELECT {columns} '  # noqa: S608 - fixed names
        f"FROM json_to_recordset(%s::json) AS r({record(event_fields)}) RETURNING id, journey_id, seq), "
        f'u AS (UPDATE "{Journey._meta.db_table}" AS j SET {sets} FROM json_to_recordset(%s::json) AS v({record(journey_fields)}) '
        f"WHERE j.id = v.id) SELECT id, journey_id, seq FROM e"
    )


def _json_rows(objs: list[Any], fields: list[Any]) -> str:
    """The values ``objs`` hold for ``fields``, as a JSON array of objects keyed by column (times
    in ISO 8601 with their offset; JSON fields as nested values)."""
    names = [(f.column, f.attname) for f in fields]
    rows = []
    for o in objs:
        row = {}
        for column, attname in names:
            v = getattr(o, attname)
            row[column] = v.isoformat() if isinstance(v, datetime) else v
        rows.append(row)
    return json.dumps(rows)


def _insert_events_sql(events: list[CustodyEvent]) -> tuple[str, list[Any]]:
    fields = [CustodyEvent._meta.get_field(name) for name in _EVENT_COLUMNS]
    params: list[Any] = []
    for e in events:
        params += [f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(f'"{f.column}"' for f in fields)
    return f'INSERT INTO "{CustodyEvent._meta.db_table}" ({columns}) VALUES {", ".join([row] * len(events))}', params  # noqa: S608 - fixed names


def _stored(events: list[CustodyEvent], rows: list[tuple[int, int, int]]) -> None:
    """Give the inserted events their ids from RETURNING rows of (id, journey id, seq)."""
    ids = {(journey_id, seq): pk for pk, journey_id, seq in rows}
    for e in events:
        e.pk = ids[(e.journey_id, e.seq)]
        e._state.adding, e._state.db = False, connection.alias


_SQLITE_ROWS_PER_STATEMENT = 100  # under SQLite's limit of host parameters in one statement


def _write_checks(events: list[CustodyEvent], journeys: list[Journey]) -> None:
    """Store normal health checks — events that leave state, custody and room alone — with plain
    SQL. Checks are the loop's busiest write, and building the ORM's statements costs several
    times what the database spends on them. On PostgreSQL the events' INSERT and the journeys'
    UPDATE go in one statement, whatever the number of rows (``_checks_sql_pg``); on SQLite, which
    answers in process, multi-row INSERTs and one prepared UPDATE for all the journeys."""
    now = timezone.now()
    for e in events:
        e.recorded_at = now
    if not events and not journeys:
        return
    if connection.vendor == "postgresql":
        event_fields = [CustodyEvent._meta.get_field(name) for name in _EVENT_COLUMNS]
        journey_fields = [Journey._meta.pk, *(Journey._meta.get_field(name) for name in CHECK_FIELDS)]
        params = [_json_rows(events, event_fields), _json_rows(journeys, journey_fields)]
        with connection.cursor() as cur:
            cur.execute(_checks_sql_pg(), params)
            _stored(events, cur.fetchall())
        return
    returning = " RETURNING id, journey_id, seq" if connection.features.can_return_rows_from_bulk_insert else ""
    for start in range(0, len(events), _SQLITE_ROWS_PER_STATEMENT):
        chunk = events[start : start + _SQLITE_ROWS_PER_STATEMENT]
        insert, params = _insert_events_sql(chunk)
        with connection.cursor() as cur:
            cur.execute(insert + returning, params)
            if returning:
                _stored(chunk, cur.fetchall())
    fields = [Journey._meta.get_field(name) for name in CHECK_FIELDS]
    sets = ", ".join(f'"{f.column}" = %s' for f in fields)
    with connection.cursor() as cur:
        cur.executemany(
            f'UPDATE "{Journey._meta.db_table}" SET {sets} WHERE id = %s',  # noqa: S608 - fixed names
            [[f.get_db_prep_save(getattr(j, f.attname), connection) for f in fields] + [j.pk] for j in journeys],
        )


def health_checks_batch(*, actor: Any, unit: Unit, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Many checks from one facility or village at once, in one transaction: the journeys are locked
    in one query and the normal checks written in bulk. A bad item is reported and spoils no other.

    Items are applied in the order sent, as if sent one at a time: an item with fever takes the
    full path (the offer to hospital) in its place — the normal checks before it are written first
    — and every later item of that journey takes the full path too, so a fever followed by a normal
    check ends where the two sent one by one end (the person offered to hospital)."""
    _act_for(actor, unit)
    items = list(items)
    out: list[dict[str, Any]] = []
    with transaction.atomic():
        journeys = queries.journeys_for_checks(unit, (str(i.get("journey", "")) for i in items))
        pending = _PendingChecks()
        full_path: set[int] = set()
        for n, item in enumerate(items):
            code = str(item.get("journey", ""))
            j = journeys.get(code)
            if j is None:
                out.append(
                    {
                        "index": n,
                        "journey": code,
                        "ok": False,
                        "code": "not_found",
                        "message": _("No journey with this code is in your custody."),
                    }
                )
                continue
            try:
                if j.pk not in full_path:
                    require_state(j, State.IN_FACILITY, State.HOME_MONITORING)
                t = _temperature(item.get("temperature"))
                syms = _symptoms(item.get("symptoms") or ())
                at = _when(item.get("occurred_at"))
            except DomainError as e:
                out.append({"index": n, "journey": code, "ok": False, "code": e.code, "message": e.message})
                continue
            if j.pk in full_path or _fever(j, t, syms):
                full_path.add(j.pk)
                pending.write()  # what came before this item is stored before it
                try:
                    with transaction.atomic():
                        event = health_check(actor=actor, journey=j, temperature=t, symptoms=syms, occurred_at=at)
                    out.append({"index": n, "journey": code, "ok": True, "seq": event.seq, "state": j.state})
                except DomainError as e:
                    out.append({"index": n, "journey": code, "ok": False, "code": e.code, "message": e.message})
                continue
            j.custodian = unit
            event, closes = _advance(
                j, EventKind.HEALTH_CHECK, unit=unit, actor=actor, at=at, data={"temperature": t, "symptoms": syms, "fever": False}
            )
            pending.add(j, event, closes)
            out.append({"index": n, "journey": code, "ok": True, "seq": event.seq, "state": j.state})
        pending.write()
    return out


class _PendingChecks:
    """Normal checks of a batch computed and not yet stored, written together."""

    def __init__(self) -> None:
        self.events: list[CustodyEvent] = []
        self.touched: dict[int, Journey] = {}
        self.answered: list[tuple[int, int]] = []

    def add(self, j: Journey, event: CustodyEvent, closes: bool) -> None:
        self.events.append(event)
        self.touched[j.pk] = j
        if closes:
            self.answered.append((j.pk, event.seq))

    def write(self) -> None:
        if not self.events:
            return
        _write_checks(self.events, list(self.touched.values()))
        alerting.overdue_answered_many(self.answered, _now())
        self.events, self.touched, self.answered = [], {}, []
