"""Reads of the exchange: the desk's lists and the health figure."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, Q, QuerySet

from guomen.lib import clock, prepared
from guomen.org.models import Role

from . import signing
from .models import Direction, InstanceKey, Message, Partner, Refusal, Status, Thread

READ_ROLES = (Role.PARTNER_LIAISON, Role.PROVINCE_COMMAND, Role.ADMINISTRATOR, Role.AUDITOR)


def may_read(scope: Any) -> bool:
    return scope.has_role(*READ_ROLES)


def visible_partners(scope: Any) -> list[int]:
    """The partners whose messages the user reads: all for province command, administrators and
    auditors; for a liaison, those their unit is a liaison unit of (or with none named)."""
    qs = Partner.objects.all()
    if not scope.has_role(Role.PROVINCE_COMMAND, Role.ADMINISTRATOR, Role.AUDITOR):
        qs = qs.filter(Q(liaison_units__in=sorted(scope.unit_ids)) | Q(liaison_units__isnull=True))
    return sorted(set(qs.values_list("pk", flat=True)))


def writable_partners(scope: Any) -> list[Partner]:
    from .services import may_write_for

    return [p for p in Partner.objects.filter(active=True).prefetch_related("liaison_units") if may_write_for(scope, p)]


def next_steps(thread: Thread) -> list[str]:
    """The message types that may continue ``thread`` from our side now."""
    from .handlers import AFTER, ANSWERS
    from .schemas import TYPES

    by = thread.data.get("by", {})
    return [
        t
        for t, (kind, _schema) in TYPES.items()
        if kind == thread.kind and thread.status in AFTER[t] and not (t in ANSWERS and by.get(ANSWERS[t]) == "us")
    ]


def _health_rows(partners: list[int] | None = None) -> QuerySet:
    base = Partner.objects.filter(active=True)
    if partners is not None:
        base = base.filter(pk__in=partners)
    return base.annotate(
        queued=Count("messages", filter=Q(messages__direction=Direction.OUT, messages__status=Status.QUEUED)),
        oldest=Min("messages__created_at", filter=Q(messages__direction=Direction.OUT, messages__status=Status.QUEUED)),
        refused=Count("messages", filter=Q(messages__direction=Direction.OUT, messages__status=Status.REFUSED)),
    )


_HEALTH_COLUMNS = ("id", "authority", "name_zh", "name_en")


def health(partners: list[int] | None = None) -> list[dict[str, Any]]:
    """Per partner: queued messages, the age of the oldest unacknowledged one (seconds), refusals.
    For every partner (the dashboard's figure) one statement built once per process; its partners
    carry only their codes and names."""
    now = clock.now()
    if partners is None:
        made = prepared.statement(("exchange.health",), lambda: _health_rows().values_list(*_HEALTH_COLUMNS, "queued", "oldest", "refused"))
        rows = [(prepared.instance(Partner, _HEALTH_COLUMNS, r[:4]), *r[4:]) for r in made.rows()]
    else:
        rows = [(p, p.queued, p.oldest, p.refused) for p in _health_rows(partners)]
    out = []
    for p, queued, oldest, refused in rows:
        age = int((now - oldest).total_seconds()) if oldest else 0
        out.append({"partner": p, "queued": queued, "oldest_seconds": age, "oldest_minutes": age // 60, "refused": refused})
    return out


def keys() -> list[dict[str, Any]]:
    return [{"key": k, "fingerprint": signing.fingerprint(k.public_key)} for k in InstanceKey.objects.all()[:5]]


def partners(visible: list[int] | None = None) -> list[dict[str, Any]]:
    out = []
    qs = Partner.objects.prefetch_related("liaison_units", "port_units")
    for p in qs if visible is None else qs.filter(pk__in=visible):
        out.append(
            {
                "partner": p,
                "fingerprint": signing.fingerprint(p.public_key),
                "fingerprint_next": signing.fingerprint(p.public_key_next) if p.public_key_next else "",
            }
        )
    return out


def messages(direction: str | None = None, status: str | None = None, limit: int = 100, visible: list[int] | None = None) -> list[Message]:
    qs = Message.objects.select_related("partner")
    if visible is not None:
        qs = qs.filter(partner__in=visible)
    if direction:
        qs = qs.filter(direction=direction)
    if status:
        qs = qs.filter(status=status)
    return list(qs[:limit])


def failures(limit: int = 50, visible: list[int] | None = None) -> dict[str, Any]:
    msgs = Message.objects.select_related("partner")
    refusals = Refusal.objects.select_related("partner")
    down = Partner.objects.filter(failures__gt=0)
    if visible is not None:
        msgs, down = msgs.filter(partner__in=visible), down.filter(pk__in=visible)
        refusals = refusals.filter(Q(partner__in=visible) | Q(partner__isnull=True))
    return {
        "refused_out": list(msgs.filter(direction=Direction.OUT, status=Status.REFUSED)[:limit]),
        "held_out": list(msgs.filter(direction=Direction.OUT, status=Status.HELD)[:limit]),
        "held_in": list(msgs.filter(direction=Direction.IN, status=Status.HELD)[:limit]),
        "refusals": list(refusals[:limit]),
        "down": list(down),
    }


def threads(kind: str | None = None, limit: int = 100, visible: list[int] | None = None) -> list[Thread]:
    qs = Thread.objects.select_related("partner")
    if visible is not None:
        qs = qs.filter(partner__in=visible)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs[:limit])


def service_accounts() -> Any:
    """The accounts partners act through (never one of our staff): their user ids, as a subquery."""
    return Partner.objects.exclude(manifest_user=None).values("manifest_user_id")
