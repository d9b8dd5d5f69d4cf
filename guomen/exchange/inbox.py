"""The inbox: verify, then apply each message once, in causal order per subject, and answer a
signed acknowledgement (accepted / held / refused with reason). A message held for an earlier
one and applied (or refused) when that one arrives sends its outcome back as a message of type
``ack`` through the outbox, written in the same transaction.

Written for its load: one query reads the sender, a replay's first outcome and our signing key
together; taking a message's turn on its subject is one conditional statement; the message row
is inserted once, with its outcome; held successors are looked for only when some are held."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from guomen.lib import clock
from guomen.lib.errors import DomainError

from . import handlers, outbox, signing
from .models import Cursor, Direction, InstanceKey, Message, Partner, Refusal, Status
from .schemas import TYPES, VERSIONS, Ack, validate_body

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
    "unknown_message": (404, _("This acknowledgement is for a message we did not send you.")),
    "too_large": (413, _("The message is too large.")),
}
HTTP = {"accepted": 200, "held": 202}
# Types whose handler may write before it refuses: applied inside a savepoint. The others refuse
# before their first write, so they save the savepoint's two round trips.
SAVEPOINT_TYPES = {"manifest", "handover_answer"}


def _both(text: Any) -> dict[str, str]:
    out = {}
    for lang in ("en", "zh-Hans"):
        with translation.override(lang.lower()):
            out[lang] = str(text)
    return out


def _private(sealed: str | None) -> Any:
    if sealed:
        return signing.unseal_private(sealed)
    from .services import private_key

    return private_key()


def ack(
    of: str, outcome: str, code: str = "", reason: dict[str, str] | None = None, result: Any = None, to: str = "", sealed: str | None = None
) -> dict[str, Any]:
    """A signed acknowledgement message (``sealed``: our signing key as stored, if already read)."""
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
    return signing.sign(_private(sealed), message)


def _refuse(
    code: str, *, partner: Partner | None = None, message: dict[str, Any] | None = None, sealed: str | None = None
) -> tuple[int, dict]:
    status, text = REASONS[code]
    reason = _both(text)
    msg = message if isinstance(message, dict) else {}
    Refusal.objects.create(
        partner=partner, sender=str(msg.get("sender", ""))[:80], msg_id=str(msg.get("id", ""))[:60], code=code, reason=reason["en"][:300]
    )
    return status, ack(str(msg.get("id", "")), "refused", code, reason, to=str(msg.get("sender", ""))[:80], sealed=sealed)


def _answer(msg_id: Any, outcome: dict[str, Any] | None, to: str, sealed: str | None) -> tuple[int, dict]:
    outcome = outcome or {}
    status = HTTP.get(outcome.get("outcome", ""), REASONS.get(outcome.get("code", ""), (409, ""))[0])
    return status, ack(
        str(msg_id), outcome.get("outcome", ""), outcome.get("code", ""), outcome.get("reason"), outcome.get("result"), to, sealed
    )


def _sender(authority: str, msg_id: uuid.UUID | None) -> Partner | None:
    """The active partner, with (as ``seen`` / ``seen_outcome``) an earlier message of this id and
    (as ``sealed``) our current signing key as stored: one statement (plain SQL, since building
    the ORM's three subqueries cost more than the database spent answering them)."""
    m, k, p = Message._meta.db_table, InstanceKey._meta.db_table, Partner._meta.db_table
    seen = f"FROM {m} WHERE direction = %s AND msg_id = %s"
    sql = (
        f"SELECT p.*, (SELECT id {seen} LIMIT 1) AS seen, (SELECT outcome {seen} LIMIT 1) AS seen_outcome, "  # noqa: S608
        f"(SELECT private_key_encrypted FROM {k} WHERE retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1) AS sealed "
        f"FROM {p} p WHERE p.authority = %s AND p.active = %s"
    )
    key = Message._meta.get_field("msg_id").get_db_prep_value(msg_id, connection)
    found = next(iter(Partner.objects.raw(sql, [Direction.IN.value, key, Direction.IN.value, key, authority, True])), None)
    if found is not None and isinstance(found.seen_outcome, str | bytes):
        found.seen_outcome = json.loads(found.seen_outcome)
    return found


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
    try:
        msg_id: uuid.UUID | None = uuid.UUID(str(message.get("id")))
    except ValueError:
        msg_id = None
    partner = _sender(str(message.get("sender", "")), msg_id)
    if partner is None:
        return _refuse("unknown_sender", message=message)
    sealed = partner.sealed
    if not signing.verify([partner.public_key, partner.public_key_next], message, signature):
        return _refuse("bad_signature", partner=partner, message=message, sealed=sealed)
    # Authentic from here on.
    if msg_id is None:
        return _refuse("malformed", partner=partner, message=message, sealed=sealed)
    if partner.seen is not None:  # a replay answers with the first outcome and changes nothing
        return _answer(msg_id, partner.seen_outcome, partner.authority, sealed)
    sent_at = parse_datetime(str(message.get("sent_at", "")))
    if sent_at is None or sent_at.tzinfo is None or abs((clock.now() - sent_at).total_seconds()) > settings.EXCHANGE_WINDOW_SECONDS:
        return _refuse("outside_window", partner=partner, message=message, sealed=sealed)
    return _store(partner, msg_id, message, envelope, sealed)


def validate(type_: str, body: Any) -> dict[str, Any]:
    """A body checked against its type's schema (an acknowledgement's too), as JSON data."""
    if type_ == "ack":
        try:
            return Ack.model_validate(body).model_dump(mode="json")
        except ValidationError as exc:
            raise DomainError("malformed_body", str(exc.errors()[0]["msg"]), status=422) from exc
    return validate_body(type_, body)


def _check(message: dict[str, Any], type_: str, subject: str, seq: Any) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
    """(the valid body, None) or (None, (refusal code, detail))."""
    if message.get("recipient") != settings.EXCHANGE_AUTHORITY:
        return None, ("wrong_recipient", "")
    if (type_ not in TYPES and type_ != "ack") or message.get("version") not in VERSIONS:
        return None, ("unknown_type", "")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < 2**31 or (type_ == "ack" and seq != 0):
        return None, ("malformed_body", "seq")
    try:
        body = validate(type_, message.get("body"))
    except DomainError as exc:
        return None, ("malformed_body", exc.message)
    if type_ != "ack" and subject != f"{TYPES[type_][0]}:{body['ref']}":
        return None, ("malformed_body", "subject")
    return body, None


def _store(partner: Partner, msg_id: uuid.UUID, message: dict[str, Any], envelope: dict[str, Any], sealed: str | None) -> tuple[int, dict]:
    type_ = str(message.get("type", ""))
    subject = str(message.get("subject", ""))[:80]
    seq = message.get("seq", 0)
    body, refusal = _check(message, type_, subject, seq)
    row = Message(
        direction=Direction.IN,
        partner=partner,
        msg_id=msg_id,
        type=type_[:40],
        subject=subject,
        seq=seq if isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq < 2**31 else 0,
        message=envelope,
    )
    try:
        with transaction.atomic():
            if refusal is not None:
                _settle(row, _refused(*refusal))
                row.save(force_insert=True)
            else:
                _advance(row, body)
    except IntegrityError:  # the same id delivered twice at once: the first one's outcome
        row = Message.objects.get(direction=Direction.IN, msg_id=msg_id)
    return _answer(msg_id, row.outcome, partner.authority, sealed)


def _refused(code: str, detail: str = "") -> dict[str, Any]:
    reason = _both(REASONS[code][1])
    if detail:
        reason = {k: f"{v} ({detail})"[:500] for k, v in reason.items()}
    return {"outcome": "refused", "code": code, "reason": reason, "result": None}


def _settle(row: Message, outcome: dict[str, Any]) -> None:
    """Give ``row`` its outcome (the caller saves it)."""
    row.outcome = outcome
    row.status = {"accepted": Status.ACCEPTED, "held": Status.HELD}.get(outcome["outcome"], Status.REFUSED)
    row.acked_at = clock.now()
    row.applied_at = row.acked_at if row.status == Status.ACCEPTED else None


def _take_turn(row: Message) -> int | None:
    """If ``row`` is next on its subject, move the subject's cursor to it (the row stays locked
    until commit) and answer how many of the subject's messages are held; None if it is not next
    or the cursor must be made first."""
    table = Cursor._meta.db_table
    with connection.cursor() as c:
        if row.seq == 1:
            c.execute(
                f"INSERT INTO {table} (partner_id, direction, subject, seq, held) VALUES (%s, %s, %s, 1, 0) "  # noqa: S608 (our table name)
                "ON CONFLICT (partner_id, direction, subject) DO NOTHING RETURNING held",
                [row.partner_id, Direction.IN.value, row.subject],
            )
        else:
            c.execute(
                f"UPDATE {table} SET seq = %s WHERE partner_id = %s AND direction = %s AND subject = %s AND seq = %s RETURNING held",  # noqa: S608
                [row.seq, row.partner_id, Direction.IN.value, row.subject, row.seq - 1],
            )
        found = c.fetchone()
    return None if found is None else int(found[0])


def _advance(row: Message, body: dict[str, Any]) -> None:
    """Store and apply ``row`` if its predecessor on the subject is applied, then every held
    successor (each sends its outcome back); otherwise store it held, or refuse a reused number."""
    if row.seq == 0:
        _apply(row, body)
        row.save(force_insert=True)
        return
    held = _take_turn(row)
    if held is None:
        Cursor.objects.get_or_create(partner=row.partner, direction=Direction.IN, subject=row.subject)
        cursor = Cursor.objects.select_for_update().get(partner=row.partner, direction=Direction.IN, subject=row.subject)
        if row.seq != cursor.seq + 1:
            if row.seq <= cursor.seq:
                _settle(row, _refused("sequence_reused"))
            else:
                _settle(row, {"outcome": "held", "code": "", "reason": {}, "result": {"waiting_for": cursor.seq + 1}})
                Cursor.objects.filter(pk=cursor.pk).update(held=F("held") + 1)
            row.save(force_insert=True)
            return
        cursor.seq = row.seq
        cursor.save(update_fields=["seq"])
        held = cursor.held
    _apply(row, body)
    row.save(force_insert=True)
    last, released = row.seq, 0
    while released < held:
        successor = (
            Message.objects.filter(direction=Direction.IN, partner=row.partner, subject=row.subject, seq=last + 1, status=Status.HELD)
            .order_by()
            .first()
        )
        if successor is None:
            break
        successor.partner = row.partner
        _apply(successor)
        successor.save(update_fields=["outcome", "status", "acked_at", "applied_at"])
        send_outcome(successor)
        last, released = last + 1, released + 1
    if released:
        Cursor.objects.filter(partner=row.partner, direction=Direction.IN, subject=row.subject).update(seq=last, held=F("held") - released)


def send_outcome(row: Message) -> Message:
    """Queue the outcome of the partner's message ``row`` to them as a message of type ``ack``
    (for a message whose delivery was answered before it could be applied)."""
    message_id = uuid.uuid4()
    message = {
        "type": "ack",
        "version": 1,
        "id": str(message_id),
        "sender": settings.EXCHANGE_AUTHORITY,
        "recipient": row.partner.authority,
        "created_at": clock.now().isoformat(),
        "subject": "",
        "seq": 0,
        "body": {"of": str(row.msg_id), **(row.outcome or {})},
    }
    return Message.objects.create(
        direction=Direction.OUT, partner=row.partner, msg_id=message_id, type="ack", message=message, status=Status.QUEUED
    )


def _apply(row: Message, body: dict[str, Any] | None = None) -> None:
    try:
        if body is None:
            body = validate(row.type, row.message["message"]["body"])
        savepoint = transaction.atomic() if row.type in SAVEPOINT_TYPES else contextlib.nullcontext()
        with savepoint, translation.override("en"):
            if row.type == "ack":
                result = _settle_ours(row.partner, body, row.message)
            else:
                result = handlers.apply(row.partner, row.type, body, str(row.msg_id))
    except DomainError as exc:
        _settle(row, {"outcome": "refused", "code": exc.code, "reason": {"en": exc.message}, "result": None})
        return
    _settle(row, {"outcome": "accepted", "code": "", "reason": {}, "result": result})


def _settle_ours(partner: Partner, body: dict[str, Any], envelope: dict[str, Any]) -> None:
    """The partner's outcome of a message of ours they had held: recorded on our outgoing row."""
    ours = Message.objects.select_for_update().filter(direction=Direction.OUT, partner=partner, msg_id=body["of"]).order_by().first()
    if ours is None:
        raise DomainError("unknown_message", str(REASONS["unknown_message"][1]), status=404)
    outbox.settle(ours, body, envelope)
