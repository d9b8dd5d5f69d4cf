"""One application error type, mapped to one JSON shape by the API."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain said no. ``code`` is for machines, ``message`` for people (translated)."""

    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.details = details
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class Conflict(DomainError):
    status = 409
