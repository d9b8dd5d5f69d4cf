"""Querysets built and compiled once, run many times with the values that change per call.

A page that reads the same figures on every request (the command dashboard) spends most of its
time building and compiling the querysets — the database answers in a fraction of that. Here a
queryset is built once for a key (what fixes its shape and every value baked into it: a
jurisdiction path, the units a user reaches), with a :class:`Slot` wherever a value changes from
call to call (now, today, an id); its SQL is kept and each call only binds the slots' values.

Only SQL text is kept, never a row read: what a call returns is read at that call. The key must
name everything the builder reads to make its queryset — a builder that reads rows from the
database while building would bake data into the SQL and must not be used here.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router
from django.db.models import Expression, Field, QuerySet

from guomen.lib.server_prepared import prepared_cursor

SERVER_PREPARED = True  # on PostgreSQL, each statement parsed and planned once per connection (``server_prepared``)
_PLACEHOLDER = re.compile(r"(%s|%%)")  # a placeholder, or an escaped percent sign (kept as it is)
LIMIT = 512  # statements kept per process (one per jurisdiction and reach looked at, a few each)


@dataclass(frozen=True)
class _Marker:
    name: str
    field: Field


class Slot(Expression):
    """A value given when the statement runs (``Statement.rows(name=value)``), not when it is built."""

    def __init__(self, name: str, output_field: Field) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [_Marker(self.name, self.output_field)]

    @property
    def identity(self) -> tuple[Any, ...]:
        return (type(self), self.name, type(self.output_field))

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"


@dataclass(frozen=True)
class Statement:
    model: Any
    sql: str
    params: tuple[Any, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    extra: Any = None  # what the builder gave beside its queryset (e.g. what each column means)
    _server: list[tuple[str, tuple[_Marker, ...]]] = field(default_factory=list, compare=False, repr=False)

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """The rows, read now from the database a read of ``model`` goes to, with the slots bound to ``values``."""
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        if SERVER_PREPARED and connection.vendor == "postgresql":
            sql, markers = self._server_form(connection)
            with prepared_cursor(alias) as cur:
                cur.execute(sql, [m.field.get_db_prep_value(values[m.name], connection) for m in markers])
                rows = cur.fetchall()
        else:
            params = [p.field.get_db_prep_value(values[p.name], connection) if isinstance(p, _Marker) else p for p in self.params]
            with connection.cursor() as cur:
                cur.execute(self.sql, params)
                rows = cur.fetchall()
        if not self.converters:
            return rows
        out = []
        for row in rows:
            row = list(row)
            for pos, funcs, expression in self.converters:
                for convert in funcs:
                    row[pos] = convert(row[pos], expression, connection)
            out.append(tuple(row))
        return out

    def _server_form(self, connection: Any) -> tuple[str, tuple[_Marker, ...]]:
        """The statement as PostgreSQL prepares it: the values fixed when it was built written into
        its text as literals (quoted as Django's own text statements quote them), only the slots left
        as parameters. A plan made without the slots' values then still knows every other one (the
        jurisdiction's path, the units reached), so PostgreSQL can keep one plan for the statement
        instead of planning it on every call (``bench/README.md``: 6.5 → 4.0 ms for the dashboard's
        figures at 10M journeys)."""
        if not self._server:
            pieces, markers = [], []
            params = iter(self.params)
            for piece in _PLACEHOLDER.split(self.sql):
                if piece == "%s":
                    value = next(params)
                    if isinstance(value, _Marker):
                        markers.append(value)
                        pieces.append("%s")
                    else:
                        pieces.append(connection.ops.compose_sql("%s", [value]).replace("%", "%%"))
                else:
                    pieces.append(piece)
            self._server.append(("".join(pieces), tuple(markers)))
        return self._server[0]

    def dicts(self, columns: list[str], **values: Any) -> list[dict[str, Any]]:
        return [dict(zip(columns, r, strict=True)) for r in self.rows(**values)]


_kept: OrderedDict[Hashable, Statement] = OrderedDict()
_lock = threading.Lock()


def compile_queryset(qs: QuerySet, extra: Any = None) -> Statement:
    """The SQL of ``qs`` (a ``values()``/``values_list()`` queryset), its parameters and the
    converters Django applies to its columns on this database."""
    compiler = qs.query.get_compiler(using=qs.db)
    sql, params = compiler.as_sql()
    fields = [s[0] for s in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(fields)
    return Statement(
        model=qs.model,
        sql=sql,
        params=tuple(params),
        converters=tuple((pos, tuple(funcs), expression) for pos, (funcs, expression) in converters.items()),
        extra=extra,
    )


def statement(key: Hashable, build: Callable[[], QuerySet | tuple[QuerySet, Any] | Statement]) -> Statement:
    """The statement kept for ``key`` on this kind of database, built with ``build`` the first time
    (a queryset, or a queryset and whatever the caller wants kept beside it as ``extra``)."""
    full = (connections["default"].vendor, key)
    with _lock:
        found = _kept.get(full)
        if found is not None:
            _kept.move_to_end(full)
            return found
    built = build()
    made = built if isinstance(built, Statement) else compile_queryset(*built) if isinstance(built, tuple) else compile_queryset(built)
    with _lock:
        _kept[full] = made
        while len(_kept) > LIMIT:
            _kept.popitem(last=False)
    return made


def instances(key: Hashable, build: Callable[[], QuerySet]) -> list[Any]:
    """The model instances of the queryset ``build`` gives (every concrete field read, as a plain
    queryset would), its statement built once for ``key``."""
    made = statement(key, lambda: _all_columns(build()))
    model, columns = made.model, made.extra
    alias = router.db_for_read(model)
    return [model.from_db(alias, columns, row) for row in made.rows()]


def instance(model: Any, columns: tuple[str, ...] | list[str], values: tuple[Any, ...] | list[Any]) -> Any:
    """An instance of ``model`` read from the database a read of it goes to, with the ``columns``
    (attribute names, in any order) set to ``values`` and every other field deferred."""
    given = dict(zip(columns, values, strict=True))
    names = [f.attname for f in model._meta.concrete_fields if f.attname in given]
    return model.from_db(router.db_for_read(model), names, [given[n] for n in names])


def _all_columns(qs: QuerySet) -> tuple[QuerySet, list[str]]:
    columns = [f.attname for f in qs.model._meta.concrete_fields]
    return qs.values_list(*columns), columns


# --- several aggregates of several querysets in one statement ------------------------------------
Part = tuple[QuerySet, dict[str, Any]]  # rows, and the aggregates to read of them


def _aggregate(qs: QuerySet, aggregates: dict[str, Any]) -> tuple[str, list[Any], list[Any], list[Any]]:
    """The SQL of ``qs.aggregate(**aggregates)`` — one row, whatever the rows — not run: its
    parameters, and the converters and expression of each column."""
    query = qs.query.chain()
    query.clear_ordering(force=True)
    query.default_cols = False
    query.select_related = False
    query.select = ()
    query.group_by = None
    query.set_annotation_mask(())
    for alias, agg in aggregates.items():
        query.add_annotation(agg, alias, select=True)
    compiler = query.get_compiler(using=qs.db)
    sql, params = compiler.as_sql()
    fields = [s[0] for s in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(fields)
    return sql, list(params), [converters.get(i, ((), None)) for i in range(len(fields))], fields


def together(parts: dict[str, Part]) -> Statement:
    """One row holding every part's aggregates (``extra``: the (part, aggregate) each column is):
    each part's ``aggregate()`` as a one-row derived table, all of them joined. The same values as
    ``qs.aggregate(**aggregates)`` of each part, each part scanned once, in one round trip."""
    sqls: list[str] = []
    params: list[Any] = []
    converters: list[tuple[int, tuple[Callable[..., Any], ...], Any]] = []
    names: list[tuple[str, str]] = []
    for i, (name, (qs, aggregates)) in enumerate(parts.items()):
        aliases = {f"c{len(names) + j}": agg for j, agg in enumerate(aggregates.values())}
        sql, part_params, part_converters, _fields = _aggregate(qs, aliases)
        for j, (funcs, expression) in enumerate(part_converters):
            if funcs:
                converters.append((len(names) + j, tuple(funcs), expression))
        names.extend((name, key) for key in aggregates)
        sqls.append(f"({sql}) AS p{i}")
        params.extend(part_params)
    model = next(iter(parts.values()))[0].model
    sql = "SELECT * FROM " + " CROSS JOIN ".join(sqls)  # noqa: S608 - each part's SQL as Django compiled it
    return Statement(model=model, sql=sql, params=tuple(params), converters=tuple(converters), extra=names)


def read_together(key: Hashable, parts: Callable[[], dict[str, Part]], **values: Any) -> dict[str, dict[str, Any]]:
    """``{part: {aggregate: value}}`` of the ``parts`` in one statement, built once for ``key``
    (which names everything the parts' querysets are built from, but the slots), read with the
    slots bound to ``values``."""
    made = statement(key, lambda: together(parts()))
    (row,) = made.rows(**values)
    out: dict[str, dict[str, Any]] = {}
    for (name, agg), value in zip(made.extra, row, strict=True):
        out.setdefault(name, {})[agg] = value
    return out


def forget() -> None:
    """Drop every kept statement (tests that change what a builder's constants mean)."""
    with _lock:
        _kept.clear()
