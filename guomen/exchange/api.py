"""The exchange over the REST API, for liaisons: partners, messages, and sending a message.
Partners' systems do not use this API: they POST signed envelopes to ``/exchange/inbox/``
(message schemas: ``guomen/exchange/messages-v1.schema.json``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from guomen.core.schemas import ERRORS
from guomen.org.scoping import Scope

from . import queries, services
from .models import Message, Partner
from .schemas import TYPES

router = Router(tags=["exchange"])


class ExchangePartnerOut(Schema):
    authority: str
    name_zh: str
    name_en: str
    name_local: str
    languages: list[str]
    fingerprint: str
    fingerprint_next: str
    queued: int
    oldest_unacknowledged_seconds: int


class ExchangeMessageOut(Schema):
    id: uuid.UUID
    direction: str
    partner: str
    type: str
    subject: str
    seq: int
    status: str
    outcome: dict[str, Any] | None
    attempts: int
    created_at: dt.datetime
    acked_at: dt.datetime | None


class ExchangeSendIn(Schema):
    type: str = Field(description=f"one of: {', '.join(TYPES)}")
    body: dict[str, Any] = Field(description="the body of that type (see messages-v1.schema.json)")
    journey: str = Field("", description="handover_offer only: the loop code of the person handed over (kept here, never sent)")


def _scope(request: HttpRequest) -> Scope:
    scope = Scope.of(request.auth)
    if not queries.may_read(scope):
        raise PermissionDenied(_("Only a partner liaison may see the exchange."))
    return scope


def _message(m: Message) -> dict[str, Any]:
    return {
        "id": m.msg_id,
        "direction": m.direction,
        "partner": m.partner.authority,
        "type": m.type,
        "subject": m.subject,
        "seq": m.seq,
        "status": m.status,
        "outcome": m.outcome,
        "attempts": m.attempts,
        "created_at": m.created_at,
        "acked_at": m.acked_at,
    }


@router.get("/partners", response={200: list[ExchangePartnerOut], **ERRORS}, summary="Partners, key fingerprints and exchange health")
def partners(request: HttpRequest):
    visible = queries.visible_partners(_scope(request))
    health = {h["partner"].pk: h for h in queries.health(visible)}
    out = []
    for p in queries.partners(visible):
        h = health.get(p["partner"].pk, {"queued": 0, "oldest_seconds": 0})
        out.append(
            {
                **{f: getattr(p["partner"], f) for f in ("authority", "name_zh", "name_en", "name_local", "languages")},
                "fingerprint": p["fingerprint"],
                "fingerprint_next": p["fingerprint_next"],
                "queued": h["queued"],
                "oldest_unacknowledged_seconds": h["oldest_seconds"],
            }
        )
    return out


@router.get("/messages", response={200: list[ExchangeMessageOut], **ERRORS}, summary="The latest messages in and out")
def messages(request: HttpRequest, direction: str | None = None, status: str | None = None):
    visible = queries.visible_partners(_scope(request))
    return [_message(m) for m in queries.messages(direction, status, limit=200, visible=visible)]


@router.post("/partners/{authority}/messages", response={201: ExchangeMessageOut, **ERRORS}, summary="Queue a message to a partner")
def send(request: HttpRequest, authority: str, payload: ExchangeSendIn):
    _scope(request)
    partner = get_object_or_404(Partner, authority=authority)
    return 201, _message(
        services.message_send(actor=request.auth, partner=partner, type=payload.type, body=payload.body, journey=payload.journey)
    )
