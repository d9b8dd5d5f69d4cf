"""Work done offline, sent later: a batch of queued items applied in order, each exactly once.

A field device queues each write with its own ``key`` (an Idempotency-Key made on the device when
the work was done) and the time it happened (``occurred_at``). ``apply_batch`` takes the items in
the order given — the order they were made — and answers each with an outcome:

- ``applied``: done now, by the owning app's service (the same rules as online);
- ``duplicate``: this key was applied before; nothing changes, the first answer is repeated;
- ``refused``: a rule said no (a reason code and a message in the user's language); nothing
  changed. A refusal is kept under its key as well, so sending the same item again gives the
  same refusal and never a different outcome.

Each item runs in its own transaction with the stored record of its outcome (the same table as
the Idempotency-Key middleware, under the prefix ``sync:``), so a twin sent at the same moment
rolls back on the unique key and is answered as a duplicate. Outcomes are kept for the
idempotency period (``idempotency.TTL``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import pydantic
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from guomen.lib.errors import DomainError

from . import fieldtime, idempotency, registry
from .models import IdempotentRequest

PREFIX = "sync:"
MAX_ITEMS = 200
APPLIED, DUPLICATE, REFUSED = "applied", "duplicate", "refused"


def _fingerprint(kind: str, occurred_at: datetime | None, payload: dict[str, Any]) -> str:
    raw = json.dumps(
        {"kind": kind, "at": occurred_at.isoformat() if occurred_at else None, "payload": payload}, sort_keys=True, cls=DjangoJSONEncoder
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def _refusal(code: str, message: str, details: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"outcome": REFUSED, "code": code, "message": str(message)}
    if details is not None:
        out["details"] = details
    return out


def _stored(user: Any, key: str, fingerprint: str) -> dict[str, Any] | None:
    row = IdempotentRequest.objects.filter(user=user, key=PREFIX + key).first()
    if row is None:
        return None
    if row.created_at < idempotency.expired_before():
        row.delete()
        return None
    if row.fingerprint != fingerprint:
        return _refusal("idempotency_key_reused", _("This Idempotency-Key was already used for a different request."))
    done = json.loads(row.body)
    if done.get("outcome") == APPLIED:
        return {**done, "outcome": DUPLICATE}
    return {**done, "replayed": True}


def apply_item(user: Any, *, key: str, kind: str, occurred_at: datetime | None, payload: dict[str, Any]) -> dict[str, Any]:
    """One queued item: applied, duplicate or refused (never an exception for a rule that says no)."""
    key = (key or "").strip()
    if not (1 <= len(key) <= 120) or not key.isprintable():
        return _refusal("invalid_idempotency_key", _("An item's key must be 1 to 120 printable characters."))
    spec = registry.SYNC_KINDS.get(kind)
    if spec is None:
        return _refusal("unknown_kind", _("Unknown kind of record: %(kind)s") % {"kind": kind})
    fingerprint = _fingerprint(kind, occurred_at, payload)
    before = _stored(user, key, fingerprint)
    if before is not None:
        return before
    try:
        with transaction.atomic():
            out = _run(spec, user, key, occurred_at, payload)  # a refusal rolled back its own work
            status = 200 if out["outcome"] == APPLIED else 422
            body = json.dumps(out, cls=DjangoJSONEncoder)
            IdempotentRequest.objects.create(user=user, key=PREFIX + key, fingerprint=fingerprint, status=status, body=body)
    except IntegrityError:
        again = _stored(user, key, fingerprint)  # a twin of this item was applied at the same moment
        if again is None:
            raise
        return again
    return out


def _run(spec: registry.SyncKind, user: Any, key: str, occurred_at: datetime | None, payload: dict[str, Any]) -> dict[str, Any]:
    try:
        body = spec.payload.model_validate(payload)
        at = fieldtime.occurred_at(occurred_at)
        with transaction.atomic():
            result = spec.apply(actor=user, payload=body, occurred_at=at, key=key)
    except pydantic.ValidationError as exc:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return _refusal("invalid", _("The request is not valid."), errors)
    except DomainError as exc:
        return _refusal(exc.code, exc.message, exc.details)
    except Http404:
        return _refusal("not_found", _("Not found."))
    except PermissionDenied as exc:
        return _refusal("forbidden", str(exc) or _("You may not do this."))
    return {"outcome": APPLIED, "result": result}


def apply_batch(user: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every item in the order given, each in its own transaction; the outcomes in the same order."""
    out = []
    for item in items:
        done = apply_item(user, key=item["key"], kind=item["kind"], occurred_at=item.get("occurred_at"), payload=item.get("payload") or {})
        out.append({"key": item["key"], "kind": item["kind"], **done})
    return out
