"""Schemas shared by every router: the error shape, so the OpenAPI says what errors look like."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field


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
