"""The partner is down for an hour of simulated time while 500 messages queue; afterwards every
message arrives exactly once and in causal order per subject, though some answers are lost on
the way back (the retry is a replay and answers the first outcome)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings

from .. import hooks, inbox, outbox, services, signing
from ..models import Direction, Message, Partner, Status, Thread

pytestmark = pytest.mark.django_db
TEXT = {"zh-Hans": "防疫物资", "en": "Protective supplies", "my": "ကာကွယ်ရေးပစ္စည်း"}
TYPES = ["aid_offer", "aid_commitment", *["aid_shipment"] * 8]


@pytest.fixture
def loopback(world):
    """Two authorities in one database: we (cn-yunnan) and mm-muse, which is this same instance
    answering under another name (its inbox runs with EXCHANGE_AUTHORITY=mm-muse)."""
    from django.conf import settings

    ours = services.current_key().public_key
    muse = services.partner_register(
        actor=None, authority="mm-muse", name_zh="木姐", name_en="Muse", country="MM", base_url="https://muse.example", public_key=ours
    )
    Partner.objects.create(
        authority=settings.EXCHANGE_AUTHORITY,
        name_zh="云南",
        name_en="Yunnan",
        country="CN",
        base_url="https://yn.example",
        public_key=ours,
    )
    return muse


def test_an_hour_down_then_everything_arrives_once_and_in_order(loopback, django_capture_on_commit_callbacks):
    muse = loopback
    state = {"down": True, "calls": 0, "lost": 0}

    def transport(url: str, data: bytes) -> tuple[int, bytes]:
        assert url == "https://muse.example/exchange/inbox/"
        state["calls"] += 1
        if state["down"]:
            raise ConnectionRefusedError("connection refused")
        with override_settings(EXCHANGE_AUTHORITY="mm-muse"):
            status, ack = inbox.receive(data)
        if state["calls"] % 7 == 0:  # applied, but the answer is lost on the way back
            state["lost"] += 1
            raise TimeoutError("read timed out")
        return status, json.dumps(ack).encode()

    applied: list[str] = []

    def seen(**kw):
        applied.append(kw["message_id"])

    for t in set(TYPES):
        hooks.on_message(t, seen)
    start = datetime(2020, 4, 2, 8, 0, tzinfo=UTC)
    try:
        with time_machine.travel(start, tick=False) as clock, django_capture_on_commit_callbacks(execute=True):
            refs = [str(uuid.uuid4()) for _ in range(50)]
            for type_ in TYPES:  # interleaved: every thread's step n before any thread's step n+1
                items = [{"item": "N95", "quantity": 100 if type_ == "aid_shipment" else 1000, "unit": "box"}]
                for ref in refs:
                    services.message_send(actor=None, partner=muse, type=type_, body={"ref": ref, "items": items, "text": TEXT})
            assert Message.objects.filter(direction=Direction.OUT, status=Status.QUEUED).count() == 500

            for _minute in range(60):  # the worker runs every minute; the partner does not answer
                clock.shift(timedelta(minutes=1))
                outbox.send_due(transport=transport)
            assert not Message.objects.filter(direction=Direction.IN).exists()
            muse.refresh_from_db()
            tries = state["calls"]
            assert 5 <= tries <= 12, tries  # backoff: 30 s, 1, 2, 4, 8, 15, 15… minutes, not 60 tries
            assert muse.failures == tries and "refused" in muse.last_error

            state["down"] = False
            for _minute in range(120):
                clock.shift(timedelta(minutes=1))
                outbox.send_due(transport=transport)
                if not Message.objects.filter(direction=Direction.OUT, status=Status.QUEUED).exists():
                    break
    finally:
        for fns in hooks.SUBSCRIBERS.values():
            if seen in fns:
                fns.remove(seen)

    assert state["lost"] > 0
    out = Message.objects.filter(direction=Direction.OUT)
    assert out.count() == 500 and set(out.values_list("status", flat=True)) == {Status.ACCEPTED}
    received = Message.objects.filter(direction=Direction.IN)
    assert received.count() == 500  # exactly once: a lost answer's retry was answered as a replay
    assert set(received.values_list("status", flat=True)) == {Status.ACCEPTED}
    assert len(applied) == 500 and len(set(applied)) == 500
    seq = {str(m.msg_id): (m.subject, m.seq) for m in received}
    per_subject: dict[str, list[int]] = {}
    for mid in applied:
        subject, n = seq[mid]
        per_subject.setdefault(subject, []).append(n)
    assert len(per_subject) == 50
    assert all(ns == list(range(1, 11)) for ns in per_subject.values())
    theirs = Thread.objects.filter(partner__authority="cn-yunnan")
    assert theirs.count() == 50 and set(theirs.values_list("status", flat=True)) == {"shipped"}
    muse.refresh_from_db()
    assert muse.failures == 0 and muse.retry_at is None


def test_a_refusal_is_shown_to_the_sender_and_the_message_can_be_sent_again(loopback):
    muse = loopback
    m = services.message_send(
        actor=None,
        partner=muse,
        type="aid_offer",
        body={"ref": str(uuid.uuid4()), "items": [{"item": "N95", "quantity": 10, "unit": "box"}], "text": TEXT},
    )

    def wrong_key(url: str, data: bytes) -> tuple[int, bytes]:
        with override_settings(EXCHANGE_AUTHORITY="mm-muse"):
            status, ack = inbox.receive(data)
        return status, json.dumps(ack).encode()

    Partner.objects.filter(authority="cn-yunnan").update(public_key=signing.public_b64(signing.new_private_key()))
    assert outbox.send_due(transport=wrong_key) == {"sent": 0, "refused": 1, "failed": 0}
    m.refresh_from_db()
    assert m.status == Status.REFUSED and "signature" in m.last_error
    Partner.objects.filter(authority="cn-yunnan").update(public_key=services.current_key().public_key)
    services.message_retry(actor=None, message=m)
    assert outbox.send_due(transport=wrong_key)["sent"] == 1
    m.refresh_from_db()
    assert m.status == Status.ACCEPTED


def test_a_message_held_by_the_partner_gets_its_outcome_when_it_is_applied_later(loopback):
    """The partner holds our second message until the first arrives; applying it later sends its
    outcome back as a signed message, which settles our outgoing row (held → accepted)."""
    muse = loopback
    ref = str(uuid.uuid4())
    items = [{"item": "N95", "quantity": 100, "unit": "box"}]
    first = services.message_send(actor=None, partner=muse, type="aid_offer", body={"ref": ref, "items": items, "text": TEXT})
    second = services.message_send(actor=None, partner=muse, type="aid_commitment", body={"ref": ref, "items": items, "text": TEXT})

    def transport(url: str, data: bytes) -> tuple[int, bytes]:
        authority = "mm-muse" if url.startswith("https://muse.example") else "cn-yunnan"
        with override_settings(EXCHANGE_AUTHORITY=authority):
            status, ack = inbox.receive(data)
        return status, json.dumps(ack).encode()

    assert outbox.send_one(muse, second, transport) == "held"  # the second overtakes the first
    second.refresh_from_db()
    assert second.status == Status.HELD
    assert outbox.send_one(muse, first, transport) == "accepted"  # muse applies both now
    outcome = Message.objects.get(direction=Direction.OUT, type="ack")
    assert outcome.partner.authority == "cn-yunnan" and outcome.message["sender"] == "mm-muse"
    assert outcome.message["body"]["of"] == str(second.msg_id) and outcome.message["body"]["outcome"] == "accepted"
    with override_settings(EXCHANGE_AUTHORITY="mm-muse"):  # muse's worker sends the outcome to us
        assert outbox.send_due(transport=transport)["sent"] == 1
    second.refresh_from_db()
    assert second.status == Status.ACCEPTED and second.outcome["outcome"] == "accepted"
    assert Message.objects.get(direction=Direction.IN, type="ack").status == Status.ACCEPTED
    outcome.refresh_from_db()
    assert outcome.status == Status.ACCEPTED


def test_an_outcome_for_a_message_we_never_sent_is_refused(loopback):
    muse = loopback
    forged = {"of": str(uuid.uuid4()), "outcome": "accepted", "code": "", "reason": {}, "result": None}
    with override_settings(EXCHANGE_AUTHORITY="mm-muse"):
        now = services.clock.now().isoformat()
        message = {"type": "ack", "version": 1, "id": str(uuid.uuid4()), "sender": "mm-muse", "recipient": "cn-yunnan",
                   "created_at": now, "sent_at": now, "subject": "", "seq": 0, "body": forged}  # fmt: skip
    status, ack = inbox.receive(json.dumps(signing.sign(services.private_key(), message)).encode())
    assert status == 404 and ack["message"]["body"]["code"] == "unknown_message"
    assert not Message.objects.filter(direction=Direction.OUT).exists()
    assert muse.messages.filter(direction=Direction.IN, status=Status.REFUSED).count() == 1
