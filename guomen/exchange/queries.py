"""Reads of the exchange: the desk's lists and the health figure."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, Q

from guomen.lib import clock
from guomen.org.models import Role

from . import signing
from .models import Direction, InstanceKey, Message, Partner, Refusal, Status, Thread

READ_ROLES = (Role.PARTNER_LIAISON, Role.PROVINCE_COMMAND, Role.ADMINISTRATOR, Role.AUDITOR)


def may_read(scope: Any) -> bool:
    return scope.has_role(*READ_ROLES)


def health() -> list[dict[str, Any]]:
    """Per partner: queued messages, the age of the oldest unacknowledged one (seconds), refusals."""
    now = clock.now()
    rows = Partner.objects.filter(active=True).annotate(
        queued=Count("messages", filter=Q(messages__direction=Direction.OUT, messages__status=Status.QUEUED)),
        oldest=Min("messages__created_at", filter=Q(messages__direction=Direction.OUT, messages__status=Status.QUEUED)),
        refused=Count("messages", filter=Q(messages__direction=Direction.OUT, messages__status=Status.REFUSED)),
    )
    out = []
    for p in rows:
        age = int((now - p.oldest).total_seconds()) if p.oldest else 0
        out.append({"partner": p, "queued": p.queued, "oldest_seconds": age, "oldest_minutes": age // 60, "refused": p.refused})
    return out


def keys() -> list[dict[str, Any]]:
    return [{"key": k, "fingerprint": signing.fingerprint(k.public_key)} for k in InstanceKey.objects.all()[:5]]


def partners() -> list[dict[str, Any]]:
    out = []
    for p in Partner.objects.prefetch_related("liaison_units", "port_units"):
        out.append(
            {
                "partner": p,
                "fingerprint": signing.fingerprint(p.public_key),
                "fingerprint_next": signing.fingerprint(p.public_key_next) if p.public_key_next else "",
            }
        )
    return out


def messages(direction: str | None = None, status: str | None = None, limit: int = 100) -> list[Message]:
    qs = Message.objects.select_related("partner")
    if direction:
        qs = qs.filter(direction=direction)
    if status:
        qs = qs.filter(status=status)
    return list(qs[:limit])


def failures(limit: int = 50) -> dict[str, Any]:
    return {
        "refused_out": list(Message.objects.filter(direction=Direction.OUT, status=Status.REFUSED).select_related("partner")[:limit]),
        "held_in": list(Message.objects.filter(direction=Direction.IN, status=Status.HELD).select_related("partner")[:limit]),
        "refusals": list(Refusal.objects.select_related("partner")[:limit]),
        "down": list(Partner.objects.filter(failures__gt=0)),
    }


def threads(kind: str | None = None, limit: int = 100) -> list[Thread]:
    qs = Thread.objects.select_related("partner")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs[:limit])


def service_accounts() -> Any:
    """The accounts partners act through (never one of our staff): their user ids, as a subquery."""
    return Partner.objects.exclude(manifest_user=None).values("manifest_user_id")
