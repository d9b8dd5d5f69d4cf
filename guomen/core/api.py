"""My personal API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from guomen.lib import clock
from guomen.lib.errors import DomainError

from . import fieldtime, idempotency, registry, sync
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


# --- work done offline, sent later -------------------------------------------------------------------------
class SyncItemIn(Schema):
    key: str = Field(min_length=1, max_length=120, description="Idempotency-Key made on the device when the work was done")
    kind: str = Field(
        min_length=1,
        max_length=40,
        description="health_check, returnee, handover_accept, patrol_checkin, incident or interception (see the operation's description)",
    )
    occurred_at: datetime | None = Field(None, description="when it was done (with its time zone); within the field window")
    payload: dict[str, Any] = Field(default_factory=dict, description="the fields of that kind of record")


class SyncIn(Schema):
    items: list[SyncItemIn] = Field(min_length=1, max_length=sync.MAX_ITEMS)


class SyncItemOut(Schema):
    key: str
    kind: str
    outcome: Literal["applied", "duplicate", "refused"]
    result: dict[str, Any] | None = Field(None, description="what was done (applied, duplicate)")
    code: str | None = Field(None, description="the reason code of a refusal")
    message: str | None = Field(None, description="the reason of a refusal, in the user's language")
    details: Any = None
    replayed: bool = Field(False, description="a refusal given before to the same item, repeated")


class SyncOut(Schema):
    applied: int
    duplicate: int
    refused: int
    items: list[SyncItemOut]


SYNC_DESCRIPTION = """Items queued on a field device while offline, applied **in the order given** (the order they
were made), each in its own transaction and **exactly once** by its `key`. Each answers `applied`,
`duplicate` (this key was applied before: nothing changed, the first result is repeated) or
`refused` (a reason `code` and a `message` in the user's language; nothing changed; the same item
sent again is refused again the same way). Sending the same batch twice changes nothing.

`occurred_at` is when the work was done; a time older than the field window
(`GUOMEN_FIELD_WINDOW_HOURS`, 72 h by default) or ahead of the server's clock is refused
(`time_too_old`, `time_in_future`). Kinds and their payloads:

| kind | payload | conflict rules |
|---|---|---|
| `health_check` | `journey`, `temperature`, `symptoms` | done on time offline is not overdue and closes an overdue alert; done before the person moved on (e.g. to hospital) is kept on the timeline and changes no custody |
| `returnee` | `village` (code), `name`, `phone`, `came_from_country`, `came_from`, `place`, `risk` | a person already with an open journey is refused (`journey_open`) |
| `handover_accept` | `code` (the loop card's), `room`, `without_card_reason` | a handover withdrawn meanwhile is refused (`handover_withdrawn`), one redirected elsewhere too (`handover_redirected`) |
| `patrol_checkin` | `patrol` (id), `lat`, `lon`, `accuracy` | counts if made while the patrol was under way, even if it arrives after the patrol ended |
| `incident` | `unit`, `kind`, `description`, `place`, `lat`, `lon`, `patrol` | — |
| `interception` | `unit`, `persons` (name_native, nationality, …), `description`, `place`, `lat`, `lon`, `patrol` | each person enters the closed loop in the unit's custody |
"""


@router.post("/sync", response={200: SyncOut, **ERRORS}, tags=["sync"], summary="Send work done offline", description=SYNC_DESCRIPTION)
def sync_send(request: HttpRequest, payload: SyncIn):
    items = [i.dict() for i in payload.items]
    out = sync.apply_batch(request.auth, items)
    return {
        "applied": sum(1 for o in out if o["outcome"] == sync.APPLIED),
        "duplicate": sum(1 for o in out if o["outcome"] == sync.DUPLICATE),
        "refused": sum(1 for o in out if o["outcome"] == sync.REFUSED),
        "items": out,
    }


@router.get(
    "/sync/pack",
    response={200: dict[str, Any], **ERRORS},
    tags=["sync"],
    summary="What my role needs offline",
    description="The people in my units' custody and what is due today, my patrols and their segments: what a field "
    "device keeps to work without a network (cleared at sign-out).",
)
def sync_pack(request: HttpRequest):
    pack: dict[str, Any] = {"generated_at": clock.now(), "window_hours": int(fieldtime.window().total_seconds() // 3600)}
    for part in registry.call("core.field_pack", user=request.auth):
        pack.update(part or {})
    return pack
