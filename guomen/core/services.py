"""Writes of the core app: the access audit and personal API tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from guomen.lib import clock
from guomen.lib.server_prepared import prepared_cursor

from .clientip import client_ip
from .models import AccessLog, ApiToken

TOKEN_PREFIX = "gm_"  # noqa: S105 - a prefix, not a secret


def access_record(*, user: Any, action: str, obj: Any, subject: str = "", reason: str = "", request: Any = None) -> AccessLog:
    """Write that ``user`` saw personal data in full. Call it in the same transaction as the read."""
    ip = None
    channel = "web"
    if request is not None:
        ip = client_ip(request)
        channel = "api" if request.path.startswith("/api/") else "web"
    return AccessLog.objects.create(
        user=user,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(getattr(obj, "public_id", None) or obj.pk),
        subject=str(subject),
        reason=reason[:200],
        ip=ip,
        channel=channel,
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token text, which is never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name.strip()[:80] or "token", prefix=raw[:10], digest=_digest(raw))
    return row, raw


def token_revoke(*, user: Any, public_id: Any) -> bool:
    return ApiToken.objects.filter(user=user, public_id=public_id, revoked_at__isnull=True).update(revoked_at=clock.now()) == 1


def token_authenticate(raw: str) -> Any | None:
    """The active user owning the token, or None.

    One statement by the token's SHA-256 (unique index), read together with its user, in plain SQL:
    every API request asks this, and building the equivalent ORM query (``select_related``) cost
    about half of a no-op request's CPU. Nothing is cached between requests on purpose: a revoked
    token or a deactivated user is refused by the very next request in every worker process, and
    neither the token nor anything that opens the door is kept in memory or in the shared cache.
    The digest alone does not let anyone call the API (SHA-256 of 32 random bytes cannot be
    reversed), so comparing it in the database is safe."""
    return _authenticate(raw, None)[0]


def token_authenticate_reading(
    raw: str, sql: str, params: Sequence[Any], write: tuple[str, str, Sequence[Any]] | None = None
) -> tuple[Any | None, tuple[Any, ...] | None]:
    """``token_authenticate``, and in the same statement — one round trip instead of two — a read
    that depends on the token's user: ``sql`` is a SELECT of at most one row in which the user's id
    is ``u."id"``, with its ``params``. Returns the user and that row (all its values None if it
    found nothing), or (None, None) when the token lets no one in. On PostgreSQL the statement is
    prepared once per connection (``lib.server_prepared``).

    ``write`` (PostgreSQL only): ``(ctes, result, params)``, data-modifying common table
    expressions that go in the same statement after the token's row ``u`` (the user's columns) and
    the reading's row ``r``; the row of the expression named ``result`` (at most one) follows the
    reading's values. The caller's expressions must require what they need of both — a token found
    and not revoked means a row in ``u``, but only ``u."is_active"`` says the user may still act."""
    return _authenticate(raw, (sql, list(params)), write)


def _authenticate(
    raw: str, reading: tuple[str, list[Any]] | None, write: tuple[str, str, Sequence[Any]] | None = None
) -> tuple[Any | None, tuple[Any, ...] | None]:
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None, None
    template, writing, user_model, attnames, converters = _token_lookup(connection.vendor)
    if reading is None:
        with connection.cursor() as cur:
            cur.execute(_token_sql(template, ""), [_digest(raw)])
            row = cur.fetchone()
    elif write is not None and connection.vendor == "postgresql":
        ctes, result, write_params = write
        with prepared_cursor() as cur:  # parsed and planned once per connection
            cur.execute(_writing_sql(writing, reading[0], ctes, result), [_digest(raw), *reading[1], *write_params])
            row = cur.fetchone()
    else:
        with prepared_cursor() as cur:  # parsed and planned once per connection
            cur.execute(_token_sql(template, reading[0]), [*reading[1], _digest(raw)])
            row = cur.fetchone()
    if row is None:
        return None, None
    width = 2 + len(attnames)
    rest = tuple(row[width:]) if reading is not None else None
    row = list(row[:width])
    for i, col, found in converters:
        for convert in found:
            row[i] = convert(row[i], col, connection)
    token_id, last_used_at = row[0], row[1]
    user = user_model.from_db(connection.alias, attnames, row[2:])
    if not user.is_active:
        return None, None
    now = clock.now()
    # Record use at most once a minute: a busy device must not turn every read into a write.
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        _record_use(token_id, now)
    return user, rest


def _record_use(token_id: int, now: Any) -> None:
    """The token's last use. On PostgreSQL a row another transaction holds is left to it — it is
    recording a use of the same moment — rather than waited for: a request that has already
    written (a check sent with the token's lookup locks its journey first) must not wait for a
    transaction that, holding the token, waits for that journey."""
    with transaction.atomic():
        if connection.vendor != "postgresql":
            ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
            return
        table = ApiToken._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f'UPDATE "{table}" SET "last_used_at" = %s WHERE "id" = (SELECT "id" FROM "{table}" WHERE "id" = %s FOR UPDATE SKIP LOCKED)',  # noqa: S608 - name from the model
                [now, token_id],
            )


@functools.cache
def _token_sql(template: str, reading: str) -> str:
    """The token lookup, with ``reading`` (if any) joined laterally and its columns read after the user's."""
    if not reading:
        return template.format(reading="", joined="")
    return template.format(reading=", r.*", joined=f" LEFT JOIN LATERAL ({reading}) r ON true")


@functools.cache
def _writing_sql(template: str, reading: str, ctes: str, result: str) -> str:
    return template.format(reading=reading, ctes=ctes, result=result)


@functools.cache
def _token_lookup(vendor: str) -> tuple[str, str, Any, list[str], list[tuple[int, Any, list[Any]]]]:
    """For this database: the token lookup's SQL (``{reading}`` and ``{joined}`` in it: where a
    reading's columns and its lateral join go, empty for none), the same lookup with a reading and
    a write (``{reading}``, ``{ctes}``, ``{result}``: see ``token_authenticate_reading``), the user
    model, its field names in column order, and the value converters the ORM would apply to each
    column read (e.g. SQLite's integers to booleans and its text to aware datetimes)."""
    user_model = get_user_model()
    table, tokens = user_model._meta.db_table, ApiToken._meta.db_table
    fields = list(user_model._meta.concrete_fields)
    cols = [ApiToken._meta.pk.get_col(tokens), ApiToken._meta.get_field("last_used_at").get_col(tokens)]
    cols += [f.get_col(table) for f in fields]
    select = ", ".join(f'{"t" if c.alias == tokens else "u"}."{c.target.column}"' for c in cols)
    source = f'FROM "{tokens}" t JOIN "{table}" u ON u."id" = t."user_id"'
    where = 'WHERE t."digest" = %s AND t."revoked_at" IS NULL'
    sql = f"SELECT {select}{{reading}} {source}{{joined}} {where}"
    # With a write: the token's row is ``u`` (its own two columns renamed: the user's id is "id").
    named = ", ".join(
        f't."{c.target.column}" AS "_token_{i}"' if c.alias == tokens else f'u."{c.target.column}"' for i, c in enumerate(cols)
    )
    writing = (
        f"WITH u AS (SELECT {named} {source} {where}), r AS (SELECT r.* FROM u, LATERAL ({{reading}}) r), {{ctes}} "  # noqa: S608 - names from the models
        "SELECT u.*, r.*, {result}.* FROM u LEFT JOIN r ON true LEFT JOIN {result} ON true"
    )
    converters = [
        (i, c, found) for i, c in enumerate(cols) if (found := connection.ops.get_db_converters(c) + c.get_db_converters(connection))
    ]
    return sql, writing, user_model, [f.attname for f in fields], converters
