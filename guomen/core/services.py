"""Writes of the core app: the access audit and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction

from guomen.lib import clock

from .clientip import client_ip
from .models import AccessLog, ApiToken

TOKEN_PREFIX = "gm_"  # noqa: S105 - a prefix, not a secret


def access_record(*, user: Any, action: str, obj: Any, subject: str = "", reason: str = "", request: Any = None) -> AccessLog:
    """Write that ``user`` saw personal data in full. Call it in the same transaction as the read."""
    ip = None
    channel = "web"
    if request is not None:
        ip = client_ip(request)
        channel = "api" if request.path.startswith("/api/") else "web"
    return AccessLog.objects.create(
        user=user,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(getattr(obj, "public_id", None) or obj.pk),
        subject=str(subject),
        reason=reason[:200],
        ip=ip,
        channel=channel,
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token text, which is never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name.strip()[:80] or "token", prefix=raw[:10], digest=_digest(raw))
    return row, raw


def token_revoke(*, user: Any, public_id: Any) -> bool:
    return ApiToken.objects.filter(user=user, public_id=public_id, revoked_at__isnull=True).update(revoked_at=clock.now()) == 1


def token_authenticate(raw: str) -> Any | None:
    """The active user owning the token, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    row = ApiToken.objects.select_related("user").filter(digest=_digest(raw), revoked_at__isnull=True).first()
    if row is None or not row.user.is_active:
        return None
    now = clock.now()
    # Record use at most once a minute: a busy device must not turn every read into a write.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        with transaction.atomic():
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
