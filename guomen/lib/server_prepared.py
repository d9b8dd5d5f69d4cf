"""A cursor whose statements PostgreSQL parses and plans once per connection.

Django sends every statement with its values quoted into the text (psycopg's client-side binding,
prepared statements off), so the server parses and plans each one anew. For the few statements
of the busiest writes that costs more than running them: the health check's guarded write, for
one, takes about 0.8 ms of the server's CPU sent as text and 0.5 ms prepared (``bench/README.md``).
``prepared_cursor()`` gives, on PostgreSQL, a cursor of the same connection (same transaction,
same type adapters, same query logging and error wrapping) that binds values on the server and
prepares each statement on its first use; the connection keeps the plan until it closes. Named
statements need a session of their own on the server: no pooler in transaction mode between the
application and PostgreSQL (none is used: ``GUOMEN_DB_POOL`` is psycopg's own pool, per process).

Values are sent typed: a statement's placeholders should carry casts where the type matters
(``%s::bigint``), strings go as "unknown" and take the column's type. Elsewhere (SQLite) it is an
ordinary cursor."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections


@contextlib.contextmanager
def prepared_cursor(alias: str = DEFAULT_DB_ALIAS) -> Iterator[Any]:
    db = connections[alias]  # this thread's connection, looked up once (each attribute of the proxy is a lookup)
    if db.vendor != "postgresql":
        with db.cursor() as cur:
            yield cur
        return
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    pg = db.connection
    if pg.prepare_threshold is None:  # Django turns preparing off; only this cursor asks for it (client-side cursors never prepare)
        pg.prepare_threshold = _ONLY_WHEN_ASKED
        pg.prepared_max = PREPARED_MAX
    with db.wrap_database_errors:
        raw = _cursor_class()(pg)
    cur = db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)
    with cur:
        yield cur


class _Shown:
    """The statement as Django's query log shows it (values quoted in), composed only if asked for."""

    __slots__ = ("params", "sql")

    def __init__(self, sql: Any, params: Any) -> None:
        self.sql, self.params = sql, params

    @property
    def query(self) -> bytes:
        return connection.ops.compose_sql(self.sql, self.params).encode()


_ONLY_WHEN_ASKED = 2**31 - 1  # no statement is prepared for being run often, only with prepare=True
# Statements kept per connection, the least recently used deallocated beyond. The command
# dashboard's statements are built per place and reach (``lib.prepared``: the place's values are
# written into the text, so that PostgreSQL keeps a generic plan fitted to them), about seven a
# place, and each plan holds about 160 kB of the server process's memory (measured: 224 statements
# for the 34 places of the demo province, 36 MB). 300 keep some 40 places' dashboards, under 50 MB a
# connection; psycopg's default, 100, would prepare them all again on every round of them.
# Connections live CONN_MAX_AGE (60 s), so a connection rarely sees more places than that.
PREPARED_MAX = 300
_CLASS: list[type] = []


def _cursor_class() -> type:
    if not _CLASS:
        import psycopg
        from psycopg import errors
        from psycopg.pq import TransactionStatus

        # What PostgreSQL answers when a kept statement no longer holds: a column it reads was
        # altered (a migration run by another process: "cached plan must not change result type"),
        # or the statement was deallocated behind the driver's back.
        stale = (errors.FeatureNotSupported, errors.InvalidSqlStatementName)

        class PreparedCursor(psycopg.Cursor):
            """Server-side binding; every statement prepared on its first execution."""

            def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None) -> Any:
                try:
                    out = super().execute(query, params, prepare=True, binary=binary)
                except Exception as exc:
                    if self.connection.info.transaction_status != TransactionStatus.IDLE:
                        raise  # in a transaction: its rollback makes psycopg forget them all
                    forget_all(self.connection)
                    if not isinstance(exc, stale):
                        raise
                    out = super().execute(query, params, prepare=True, binary=binary)  # prepared afresh, once
                self._query = _Shown(query, params)  # what Django's query log reads (psycopg keeps none after a prepared run)
                return out

        _CLASS.append(PreparedCursor)
    return _CLASS[0]


def forget_all(pg: Any) -> None:
    """Drop every statement prepared on this connection, on the server and in psycopg's own list of
    them, so that each is prepared afresh on its next use. Outside a transaction, after a prepared
    statement failed: psycopg keeps a statement the server can no longer run, and forgets without
    deallocating one whose first run failed (each such failure would leave one more on the server).
    psycopg clears its list when it sees ``DEALLOCATE ALL`` go through it."""
    import psycopg

    psycopg.Cursor(pg).execute("DEALLOCATE ALL", prepare=False)
