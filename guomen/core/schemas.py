"""Schemas shared by every router: the error shape, so the OpenAPI says what errors look like."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorBody(Schema):
    code: str
    message: str
    details: Any | None = None


class Error(Schema):
    error: ErrorBody


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
