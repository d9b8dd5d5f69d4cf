"""Idempotency-Key for API writes: a retried request is answered from the first answer.

Field devices retry on weak signal. A write sent with ``Idempotency-Key`` runs in one
transaction together with the stored copy of its answer; the unique (user, key)
row makes a concurrent duplicate roll back and replay the first answer instead.

Answers are kept for ``TTL`` (24 hours): an older entry is never replayed (the key starts afresh)
and the clock's hourly purge deletes it. An answer that holds a secret — a new API token, shown
only once — is stored without it (the view calls ``withhold``); a retry of that request is told
that it was done and that the secret is not shown again, rather than given the secret a second
time or an answer silently missing it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotentRequest

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
_WITHHELD_ATTR = "_idempotency_secret_fields"


def withhold(request: HttpRequest, *fields: str) -> None:
    """The answer to this request holds secrets in these top-level JSON fields: never store them."""
    setattr(request, _WITHHELD_ATTR, (*getattr(request, _WITHHELD_ATTR, ()), *fields))


def expired_before(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - TTL


def purge() -> int:
    """Delete the stored answers older than ``TTL``; the number deleted."""
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lt=expired_before()).delete()
    return deleted


def _without(body: str, fields: tuple[str, ...]) -> tuple[str, bool]:
    """(the JSON body without the secret fields, whether any was there to leave out)."""
    if not fields:
        return body, False
    try:
        data = json.loads(body or "null")
    except ValueError:
        return "", True
    if not isinstance(data, dict):
        return body, False
    kept = {k: v for k, v in data.items() if k not in fields}
    return (json.dumps(kept), True) if len(kept) != len(data) else (body, False)


def _user_of(request: HttpRequest):
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        from .services import token_authenticate

        return token_authenticate(auth[7:].strip())
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        key = key.strip()
        if not (1 <= len(key) <= 128) or not key.isprintable():
            return _error("invalid_idempotency_key", _("Idempotency-Key must be 1 to 128 printable characters."), 400)
        user = _user_of(request)
        if user is None:
            return self.get_response(request)  # the API answers 401 itself
        fingerprint = hashlib.sha256(b"\n".join([request.method.encode(), request.get_full_path().encode(), request.body])).hexdigest()
        stored = self._replay(user, key, fingerprint)
        if stored is not None:
            return stored
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code < 500 and not getattr(response, "streaming", False):
                    body, withheld = _without(response.content.decode("utf-8"), getattr(request, _WITHHELD_ATTR, ()))
                    IdempotentRequest.objects.create(
                        user=user, key=key, fingerprint=fingerprint, status=response.status_code, body=body, secret_withheld=withheld
                    )
                elif response.status_code >= 500:
                    transaction.set_rollback(True)
        except IntegrityError:
            # A twin of this request committed first: its effects stand, ours were rolled back.
            stored = self._replay(user, key, fingerprint)
            if stored is None:
                raise
            return stored
        return response

    @staticmethod
    def _replay(user, key: str, fingerprint: str) -> HttpResponse | None:
        row = IdempotentRequest.objects.filter(user=user, key=key).first()
        if row is None:
            return None
        if row.created_at < expired_before():
            row.delete()  # past its period: the key starts afresh (the purge would have removed it)
            return None
        if row.fingerprint != fingerprint:
            return _error("idempotency_key_reused", _("This Idempotency-Key was already used for a different request."), 422)
        if row.secret_withheld:
            return _withheld(row)
        response = HttpResponse(row.body, status=row.status, content_type="application/json")
        response["Idempotent-Replayed"] = "true"
        try:
            json.loads(row.body or "null")
        except ValueError:
            response["Content-Type"] = "text/plain; charset=utf-8"
        return response


def _withheld(row: IdempotentRequest) -> HttpResponse:
    try:
        done = json.loads(row.body or "null")
    except ValueError:
        done = None
    body = {
        "error": {
            "code": "idempotent_secret_withheld",
            "message": _(
                "This request was already carried out. Its answer held a secret that is shown only once and is not kept; "
                "if it was lost, revoke what was created and make a new one."
            ),
            "details": {"status": row.status, "result": done},
        }
    }
    response = JsonResponse(body, status=409)
    response["Idempotent-Replayed"] = "true"
    return response
