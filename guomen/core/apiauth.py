"""How the REST API knows who is calling: a browser session or a personal token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from .services import token_authenticate


class TokenAuth(HttpBearer):
    openapi_description = "Personal API token: `Authorization: Bearer gm_…` (create one under Account → API tokens)."

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class BrowserSession(SessionAuth):
    """Django's session cookie, with CSRF checked on writes."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


AUTH = [TokenAuth(), BrowserSession()]
