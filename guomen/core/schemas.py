"""Schemas shared by every router: the error shape, so the OpenAPI says what errors look like."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field


class ErrorBody(Schema):
    code: str
    message: str
    details: Any | None = None


class Error(Schema):
    error: ErrorBody


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


MAX_OFFSET = 1_000_000  # far beyond any real list, well inside every database's integer


class Paging(Schema):
    """The one paging pair of every list endpoint: bounded, so a huge number is a 422, not a 500."""

    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


MAX_UTC_OFFSET = timedelta(hours=14)  # the widest real zone (Kiribati); databases refuse far wider ones


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value  # the services refuse a naive time with their own message
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError("the UTC offset lies outside -14:00 to +14:00")
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("the time lies outside the calendar") from exc


# Every instant the API accepts: a real UTC offset, stored and compared in UTC.
Instant = Annotated[datetime, AfterValidator(_to_utc)]
