"""Change a passage's or a village's status over the API: for the command of its jurisdiction only."""

from __future__ import annotations

import datetime as dt

from auditlog.context import set_actor
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from guomen.core.schemas import ERRORS
from guomen.org.scoping import Scope

from . import services
from .models import Jurisdiction, Level, Passage, PassageStatusKind, VillageStatusKind

router = Router(tags=["places"])


class PassageStatusIn(Schema):
    status: PassageStatusKind
    valid_from: dt.datetime | None = Field(None, description="With a time zone; empty: now.")
    valid_to: dt.datetime | None = Field(None, description="With a time zone; empty: until changed.")
    reason: str = Field(min_length=1, max_length=2000)


class VillageStatusIn(Schema):
    status: VillageStatusKind
    entrance_posts: int = Field(0, ge=0, le=1000)
    valid_from: dt.datetime | None = Field(None, description="With a time zone; empty: now.")
    reason: str = Field(min_length=1, max_length=2000)


class StatusOut(Schema):
    code: str
    status: str
    entrance_posts: int | None = None
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    reason: str
    decided_by: str | None


def _out(code: str, period, entrance_posts: int | None = None) -> dict:
    return {
        "code": code,
        "status": period.status,
        "entrance_posts": entrance_posts,
        "valid_from": period.valid_from,
        "valid_to": period.valid_to,
        "reason": period.reason,
        "decided_by": period.decided_by.get_username() if period.decided_by else None,
    }


@router.post("/passages/{code}/status", response={201: StatusOut, **ERRORS}, summary="Open, restrict or close a passage from a time on")
def passage_status(request: HttpRequest, code: str, payload: PassageStatusIn):
    passage = Scope.of(request.auth).get(Passage.objects.select_related("county"), code=code)
    with set_actor(request.auth):  # the change audit names the caller, by session or token
        period = services.passage_status_set(actor=request.auth, passage=passage, **payload.dict())
    return Status(201, _out(passage.code, period))


@router.post("/villages/{code}/status", response={201: StatusOut, **ERRORS}, summary="Put a village under closed management, or open it")
def village_status(request: HttpRequest, code: str, payload: VillageStatusIn):
    village = Scope.of(request.auth).get(Jurisdiction.objects.filter(level=Level.VILLAGE), code=code)
    with set_actor(request.auth):
        period = services.village_status_set(actor=request.auth, village=village, **payload.dict())
    return Status(201, _out(village.code, period, period.entrance_posts))
