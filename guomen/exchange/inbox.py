"""The inbox: verify, then apply each message once, in causal order per subject, and answer a
signed acknowledgement (accepted / held / refused with reason)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from guomen.lib import clock
from guomen.lib.errors import DomainError

from . import handlers, signing
from .models import Cursor, Direction, Message, Partner, Refusal, Status
from .schemas import TYPES, VERSIONS, validate_body

MAX_BYTES = 4 * 1024 * 1024
REASONS = {
    "malformed": (400, _("The request is not a signed message envelope.")),
    "unknown_sender": (403, _("We do not know this sender.")),
    "bad_signature": (401, _("The signature does not verify with the keys we hold for you.")),
    "outside_window": (400, _("The message was signed too far from our time; check your clock.")),
    "wrong_recipient": (400, _("This message is addressed to another authority.")),
    "unknown_type": (400, _("Unknown message type or version.")),
    "malformed_body": (422, _("The message body does not match its schema.")),
    "sequence_reused": (409, _("Another message already has this sequence number on this subject.")),
    "too_large": (413, _("The message is too large.")),
}
HTTP = {"accepted": 200, "held": 202}


def _both(text: Any) -> dict[str, str]:
    out = {}
    for lang in ("en", "zh-Hans"):
        with translation.override(lang.lower()):
            out[lang] = str(text)
    return out


def ack(of: str, outcome: str, code: str = "", reason: dict[str, str] | None = None, result: Any = None, to: str = "") -> dict[str, Any]:
    """A signed acknowledgement message."""
    from .services import private_key

    now = clock.now().isoformat()
    message = {
        "type": "ack",
        "version": 1,
        "id": str(uuid.uuid4()),
        "sender": settings.EXCHANGE_AUTHORITY,
        "recipient": to,
        "created_at": now,
        "sent_at": now,
        "subject": "",
        "seq": 0,
        "body": {"of": of, "outcome": outcome, "code": code, "reason": reason or {}, "result": result},
    }
    return signing.sign(private_key(), message)


def _refuse(code: str, *, partner: Partner | None = None, message: dict[str, Any] | None = None, detail: str = "") -> tuple[int, dict]:
    status, text = REASONS[code]
    reason = _both(text)
    if detail:
        reason = {k: f"{v} {detail}" for k, v in reason.items()}
    msg = message if isinstance(message, dict) else {}
    Refusal.objects.create(
        partner=partner, sender=str(msg.get("sender", ""))[:80], msg_id=str(msg.get("id", ""))[:60], code=code, reason=reason["en"][:300]
    )
    return status, ack(str(msg.get("id", "")), "refused", code, reason, to=str(msg.get("sender", ""))[:80])


def _answer(row: Message) -> tuple[int, dict]:
    outcome = row.outcome or {}
    status = HTTP.get(outcome.get("outcome", ""), REASONS.get(outcome.get("code", ""), (409, ""))[0])
    return status, ack(
        str(row.msg_id),
        outcome.get("outcome", ""),
        outcome.get("code", ""),
        outcome.get("reason"),
        outcome.get("result"),
        row.partner.authority,
    )


def receive(raw: bytes) -> tuple[int, dict]:
    """Answer one delivery: (HTTP status, signed acknowledgement)."""
    if len(raw) > MAX_BYTES:
        return _refuse("too_large")
    try:
        envelope = json.loads(raw.decode("utf-8"))
        message, signature = envelope["message"], envelope["signature"]
        if not isinstance(message, dict) or not isinstance(signature, str):
            raise TypeError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return _refuse("malformed")
    partner = Partner.objects.filter(authority=str(message.get("sender", "")), active=True).first()
    if partner is None:
        return _refuse("unknown_sender", message=message)
    if not signing.verify([partner.public_key, partner.public_key_next], message, signature):
        return _refuse("bad_signature", partner=partner, message=message)
    # Authentic from here on.
    try:
        msg_id = uuid.UUID(str(message.get("id")))
    except ValueError:
        return _refuse("malformed", partner=partner, message=message)
    first = Message.objects.filter(direction=Direction.IN, msg_id=msg_id).select_related("partner").first()
    if first is not None:
        return _answer(first)  # a replay answers with the first outcome and changes nothing
    sent_at = parse_datetime(str(message.get("sent_at", "")))
    if sent_at is None or sent_at.tzinfo is None or abs((clock.now() - sent_at).total_seconds()) > settings.EXCHANGE_WINDOW_SECONDS:
        return _refuse("outside_window", partner=partner, message=message)
    return _store(partner, msg_id, message, envelope)


def _store(partner: Partner, msg_id: uuid.UUID, message: dict[str, Any], envelope: dict[str, Any]) -> tuple[int, dict]:
    type_ = str(message.get("type", ""))
    subject = str(message.get("subject", ""))[:80]
    seq = message.get("seq", 0)
    refusal = None
    body = None
    if message.get("recipient") != settings.EXCHANGE_AUTHORITY:
        refusal = ("wrong_recipient", "")
    elif type_ not in TYPES or message.get("version") not in VERSIONS:
        refusal = ("unknown_type", "")
    elif not isinstance(seq, int) or seq < 0:
        refusal = ("malformed_body", "seq")
    else:
        try:
            body = validate_body(type_, message.get("body"))
            kind = TYPES[type_][0]
            if subject != f"{kind}:{body['ref']}":
                refusal = ("malformed_body", "subject")
        except DomainError as exc:
            refusal = ("malformed_body", exc.message)
    try:
        with transaction.atomic():
            row = Message.objects.create(
                direction=Direction.IN,
                partner=partner,
                msg_id=msg_id,
                type=type_[:40],
                subject=subject,
                seq=seq if isinstance(seq, int) and seq >= 0 else 0,
                message=envelope,
                status=Status.HELD,
            )
            if refusal is not None:
                _settle(row, _refused(*refusal))
            else:
                _advance(row)
    except IntegrityError:  # the same id delivered twice at once: the first one's outcome
        row = Message.objects.select_related("partner").get(direction=Direction.IN, msg_id=msg_id)
    row.refresh_from_db()
    return _answer(row)


def _refused(code: str, detail: str = "") -> dict[str, Any]:
    reason = _both(REASONS[code][1])
    if detail:
        reason = {k: f"{v} ({detail})"[:500] for k, v in reason.items()}
    return {"outcome": "refused", "code": code, "reason": reason, "result": None}


def _settle(row: Message, outcome: dict[str, Any]) -> None:
    row.outcome = outcome
    row.status = {"accepted": Status.ACCEPTED, "held": Status.HELD}.get(outcome["outcome"], Status.REFUSED)
    row.acked_at = clock.now()
    if row.status == Status.ACCEPTED:
        row.applied_at = row.acked_at
    row.save(update_fields=["outcome", "status", "acked_at", "applied_at"])


def _advance(row: Message) -> None:
    """Apply ``row`` if its predecessor on the subject is applied, then every held successor."""
    if row.seq == 0:
        _apply(row)
        return
    cursor, _created = Cursor.objects.get_or_create(partner=row.partner, direction=Direction.IN, subject=row.subject)
    cursor = Cursor.objects.select_for_update().get(pk=cursor.pk)
    if row.seq <= cursor.seq:
        _settle(row, _refused("sequence_reused"))
        return
    if row.seq > cursor.seq + 1:
        _settle(row, {"outcome": "held", "code": "", "reason": {}, "result": {"waiting_for": cursor.seq + 1}})
        return
    while row is not None:
        _apply(row)
        cursor.seq = row.seq
        row = Message.objects.filter(
            direction=Direction.IN, partner=row.partner, subject=row.subject, seq=cursor.seq + 1, status=Status.HELD
        ).first()
    cursor.save(update_fields=["seq"])


def _apply(row: Message) -> None:
    try:
        body = validate_body(row.type, row.message["message"]["body"])
        with transaction.atomic(), translation.override("en"):
            result = handlers.apply(row.partner, row.type, body, str(row.msg_id))
    except DomainError as exc:
        _settle(row, {"outcome": "refused", "code": exc.code, "reason": {"en": exc.message}, "result": None})
        return
    _settle(row, {"outcome": "accepted", "code": "", "reason": {}, "result": result})
