"""How the REST API knows who is calling: a browser session or a personal token."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from .services import token_authenticate, token_authenticate_reading


@dataclass(frozen=True)
class Reading:
    """A read that an operation needs at once and that depends only on the caller, sent in the same
    statement as the token's lookup (``services.token_authenticate_reading``): ``sql`` names the
    token's user as ``u."id"``; ``take`` gets the request, the user and the row it found."""

    sql: str
    params: Sequence[Any]
    take: Callable[[HttpRequest, Any, tuple[Any, ...]], None]
    # A write that goes in the same statement (PostgreSQL): ``(ctes, result, params)``, see
    # ``services.token_authenticate_reading``; its row follows the reading's in what ``take`` gets.
    # Only for an operation where nothing after authentication refuses what the write took (it
    # reads the body as the operation does; no throttle): the write is done once the token holds.
    write: tuple[str, str, Sequence[Any]] | None = None


class TokenAuth(HttpBearer):
    """A personal API token. ``reading``, for an operation's own instance, gives for a request the
    read to send with the token's lookup (or None: the lookup alone); the answer is the same."""

    openapi_description = "Personal API token: `Authorization: Bearer gm_…` (create one under Account → API tokens)."

    def __init__(self, reading: Callable[[HttpRequest], Reading | None] | None = None) -> None:
        super().__init__()
        self.reading = reading

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        reading = self.reading(request) if self.reading is not None else None
        if reading is None:
            user = token_authenticate(token)
        else:
            user, row = token_authenticate_reading(token, reading.sql, reading.params, reading.write)
            if user is not None:
                reading.take(request, user, row)
        if user is not None:
            request.user = user
        return user


class BrowserSession(SessionAuth):
    """Django's session cookie, with CSRF checked on writes."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


BROWSER_SESSION = BrowserSession()
AUTH = [TokenAuth(), BROWSER_SESSION]
