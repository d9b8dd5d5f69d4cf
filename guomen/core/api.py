"""My personal API tokens."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from guomen.lib.errors import DomainError

from . import idempotency
from .models import ApiToken
from .schemas import ERRORS
from .services import token_create, token_revoke

router = Router(tags=["account"])


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself. It is shown only this once.")


def _token_out(t: ApiToken) -> dict:
    return {
        "id": t.public_id,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="My API tokens")
def tokens_list(request: HttpRequest):
    return [_token_out(t) for t in request.auth.api_tokens.all()]


@router.post("/tokens", response={201: TokenCreated, **ERRORS}, summary="Create an API token (shown once)")
def tokens_create(request: HttpRequest, payload: TokenIn):
    idempotency.withhold(request, "token")  # the token is shown once and never stored in clear
    row, raw = token_create(user=request.auth, name=payload.name)
    return Status(201, {**_token_out(row), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, summary="Revoke an API token")
def tokens_revoke(request: HttpRequest, token_id: UUID):
    if not token_revoke(user=request.auth, public_id=token_id):
        raise DomainError("not_found", _("No active token with this id."), status=404)
    return Status(204, None)
