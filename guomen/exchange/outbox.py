"""The outbox: the worker signs each queued message at sending time and POSTs it to the
partner's inbox, in order; a partner that does not answer backs off exponentially (all its
messages wait, so their order holds), a verified acknowledgement settles the message."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta

from django.db.models import Q

from guomen.lib import clock

from . import signing
from .models import Direction, Message, Partner, Status

log = logging.getLogger(__name__)
Transport = Callable[[str, bytes], tuple[int, bytes]]
BASE_DELAY = 30  # seconds after the first failure; doubled at each further failure
MAX_DELAY = 15 * 60
TIMEOUT = 15


def http_post(url: str, data: bytes) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310 (https or loopback, checked at registration)
            return resp.status, resp.read(4 * 1024 * 1024)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(4 * 1024 * 1024)


def backoff(failures: int) -> int:
    return min(BASE_DELAY * 2 ** max(failures - 1, 0), MAX_DELAY)


def send_due(*, limit: int = 500, transport: Transport | None = None) -> dict[str, int]:
    """Send what is queued to every partner that is due; returns counts."""
    transport = transport or http_post
    now = clock.now()
    counts = {"sent": 0, "refused": 0, "failed": 0}
    for partner in Partner.objects.filter(active=True).filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now)):
        queued = list(Message.objects.filter(direction=Direction.OUT, partner=partner, status=Status.QUEUED).order_by("id")[:limit])
        for m in queued:
            outcome = send_one(partner, m, transport)
            if outcome is None:
                counts["failed"] += 1
                break
            counts["refused" if outcome == "refused" else "sent"] += 1
            if partner.failures:  # it answers again: the backoff starts over at the next failure
                partner.failures, partner.retry_at, partner.last_error = 0, None, ""
                partner.save(update_fields=["failures", "retry_at", "last_error"])
    return counts


def send_one(partner: Partner, m: Message, transport: Transport) -> str | None:
    """Deliver one message; the outcome of a verified acknowledgement, or None (try again later)."""
    from .services import private_key

    now = clock.now()
    envelope = signing.sign(private_key(), {**m.message, "sent_at": now.isoformat()})
    m.attempts += 1
    try:
        status, raw = transport(partner.inbox_url, json.dumps(envelope, ensure_ascii=False).encode("utf-8"))
        ack = json.loads(raw.decode("utf-8"))
        message = ack["message"]
        valid = (
            status < 500
            and message.get("type") == "ack"
            and message.get("sender") == partner.authority
            and message["body"].get("of") == str(m.msg_id)
            and signing.verify([partner.public_key, partner.public_key_next], message, ack["signature"])
        )
        error = "" if valid else f"HTTP {status}: no verifiable acknowledgement"
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        valid, error = False, f"{exc.__class__.__name__}: {exc}"[:300]
    if not valid:
        failures = partner.failures + 1
        partner.failures, partner.retry_at, partner.last_error = failures, now + timedelta(seconds=backoff(failures)), error
        partner.save(update_fields=["failures", "retry_at", "last_error"])
        Message.objects.filter(pk=m.pk).update(attempts=m.attempts, last_error=error)
        return None
    settle(m, message["body"], ack)
    return message["body"].get("outcome")


OUTCOME_STATUS = {"accepted": Status.ACCEPTED, "held": Status.HELD, "refused": Status.REFUSED}


def settle(m: Message, body: dict, ack: dict) -> None:
    """Record the partner's verified acknowledgement of our message ``m``: accepted, refused, or
    held there for an earlier message (its outcome follows later as a message of type ``ack``).
    A final outcome is never turned back into "held" by a late copy."""
    status = OUTCOME_STATUS.get(body.get("outcome"), Status.REFUSED)
    if status == Status.HELD and m.status in (Status.ACCEPTED, Status.REFUSED) and m.acked_at is not None:
        return
    m.status, m.outcome, m.ack, m.acked_at = status, body, ack, clock.now()
    reason = body.get("reason") or {}
    m.last_error = (reason.get("en", "") if status == Status.REFUSED else "")[:300]
    m.save(update_fields=["status", "outcome", "ack", "acked_at", "attempts", "last_error"])
