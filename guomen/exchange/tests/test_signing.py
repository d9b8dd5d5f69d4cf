"""Signatures, keys at rest, and the inbox's refusals: each refused clearly, and nothing changes."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from guomen.lib import clock

from .. import hooks, services, signing
from ..models import Direction, InstanceKey, Message, Refusal, Status, Thread
from .helpers import TEXT, case_body, message, partner, post

pytestmark = pytest.mark.django_db
AHEAD = (timezone.localdate() + timedelta(days=3)).isoformat()  # the day of an expected arrival a few days from now


def counts():
    return (Message.objects.count(), Thread.objects.count())


def test_canonical_bytes_are_sorted_compact_utf8():
    data = signing.canonical({"b": 1, "a": {"y": "မူဆယ်", "x": [1, 2]}})
    assert data == '{"a":{"x":[1,2],"y":"မူဆယ်"},"b":1}'.encode()


def test_signature_verifies_with_current_or_next_key_and_not_when_tampered():
    k1, k2 = signing.new_private_key(), signing.new_private_key()
    env = signing.sign(k2, {"a": 1})
    assert signing.verify([signing.public_b64(k1), signing.public_b64(k2)], env["message"], env["signature"])
    assert not signing.verify([signing.public_b64(k1)], env["message"], env["signature"])
    assert not signing.verify([signing.public_b64(k2)], {"a": 2}, env["signature"])
    assert not signing.verify([signing.public_b64(k2)], {"a": 1}, "not base64!")


def test_our_key_is_stored_encrypted_and_rotates(world):
    key = services.current_key()
    private = services.private_key()
    assert signing.public_b64(private) == key.public_key
    assert signing.b64(signing.private_raw(private)) not in key.private_key_encrypted
    new = services.key_rotate(actor=None)
    assert new.public_key != key.public_key
    assert services.current_key() == new
    assert InstanceKey.objects.get(pk=key.pk).retired_at is not None
    assert len(signing.fingerprint(new.public_key).split()) == 8


def test_a_case_notice_is_applied_once_and_acknowledged_with_a_signed_ack(world, django_capture_on_commit_callbacks):
    p, private = partner()
    seen = []
    hooks.on_case_notice(lambda **kw: seen.append(kw["message_id"]))
    env = signing.sign(private, message("case_notice", case_body()))
    with django_capture_on_commit_callbacks(execute=True):
        status, ack = post(env)
    assert status == 200 and ack["message"]["body"]["outcome"] == "accepted"
    assert signing.verify([services.current_key().public_key], ack["message"], ack["signature"])
    t = Thread.objects.get(partner=p)
    assert (t.kind, t.status, t.ours) == ("case", "notified", False)
    assert t.data["case_notice"]["text"]["my"] == TEXT["my"]
    assert seen == [env["message"]["id"]]
    # the replay answers with the first outcome and changes nothing
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        status2, ack2 = post(env)
    assert status2 == 200 and ack2["message"]["body"]["outcome"] == "accepted"
    assert counts() == before and seen == [env["message"]["id"]]


def test_a_forged_signature_is_refused_and_changes_nothing(world):
    _p, _private = partner()
    forger = signing.new_private_key()
    before = counts()
    status, ack = post(signing.sign(forger, message("case_notice", case_body())))
    assert status == 401
    assert ack["message"]["body"]["code"] == "bad_signature"
    assert "signature" in ack["message"]["body"]["reason"]["en"]
    assert counts() == before
    assert Refusal.objects.filter(code="bad_signature").count() == 1


def test_a_forged_copy_cannot_claim_a_real_id(world):
    _p, private = partner()
    real = message("case_notice", case_body())
    forged = signing.sign(signing.new_private_key(), real)
    assert post(forged)[0] == 401
    status, ack = post(signing.sign(private, real))
    assert status == 200 and ack["message"]["body"]["outcome"] == "accepted"


def test_unknown_sender_and_non_envelopes_are_refused(world):
    before = counts()
    status, ack = post(signing.sign(signing.new_private_key(), message("case_notice", case_body(), sender="xx-nowhere")))
    assert status == 403 and ack["message"]["body"]["code"] == "unknown_sender"
    status, ack = post(b"{not json")
    assert status == 400 and ack["message"]["body"]["code"] == "malformed"
    assert counts() == before


def test_a_message_for_another_recipient_is_refused_and_its_replay_too(world):
    _p, private = partner()
    env = signing.sign(private, message("case_notice", case_body(), recipient="la-luangnamtha"))
    status, ack = post(env)
    assert status == 400 and ack["message"]["body"]["code"] == "wrong_recipient"
    assert not Thread.objects.exists()
    status, ack = post(env)
    assert ack["message"]["body"]["code"] == "wrong_recipient"
    assert Message.objects.filter(direction=Direction.IN).count() == 1


def test_a_malformed_body_is_refused_with_the_reason_and_changes_nothing(world):
    _p, private = partner()
    body = case_body()
    body["category"] = "rumour"
    del body["text"]["en"]
    status, ack = post(signing.sign(private, message("case_notice", body)))
    assert status == 422
    b = ack["message"]["body"]
    assert b["code"] == "malformed_body" and "category" in b["reason"]["en"]
    assert "zh-Hans" in b["reason"]
    assert not Thread.objects.exists()


def test_outside_the_time_window_is_refused(world):
    _p, private = partner()
    old = message("case_notice", case_body())
    old["sent_at"] = (clock.now() - timedelta(hours=2)).isoformat()
    status, ack = post(signing.sign(private, old))
    assert status == 400 and ack["message"]["body"]["code"] == "outside_window"
    assert not Message.objects.exists()


def test_a_message_waits_for_its_predecessor_on_the_subject(world):
    p, private = partner()
    ref = str(uuid.uuid4())
    items = [{"item": "N95 口罩 masks", "quantity": 1000, "unit": "box"}]
    second = message("aid_commitment", {"ref": ref, "items": items, "text": TEXT}, seq=2)
    first = message("aid_offer", {"ref": ref, "items": items, "text": TEXT}, seq=1)
    status, ack = post(signing.sign(private, second))
    assert status == 202 and ack["message"]["body"]["outcome"] == "held"
    assert not Thread.objects.exists()
    status, ack = post(signing.sign(private, first))
    assert status == 200
    t = Thread.objects.get(partner=p)
    assert t.status == "committed"
    assert list(Message.objects.filter(direction=Direction.IN).values_list("status", flat=True)) == [Status.ACCEPTED] * 2
    # the held one's replay now answers accepted
    assert post(signing.sign(private, second))[1]["message"]["body"]["outcome"] == "accepted"


def test_a_step_out_of_turn_is_refused_with_a_reason(world):
    _p, private = partner()
    ref = str(uuid.uuid4())
    status, ack = post(signing.sign(private, message("handover_answer", {"ref": ref, "accepted": True, "unit": "Muse", "text": TEXT})))
    assert status == 409  # authentic and well-formed, but refused by the rule: the ack says so
    assert ack["message"]["body"]["outcome"] == "refused" and ack["message"]["body"]["code"] == "out_of_turn"
    assert not Thread.objects.exists()


def test_the_offering_side_cannot_accept_its_own_handover(world, user):
    p, private = partner()
    ref = str(uuid.uuid4())
    body = {
        "ref": ref,
        "person": {"name_latin": "AUNG KYAW"},
        "port": "Ruili",
        "at": "2020-04-02T10:00:00+08:00",
        "from_unit": "瑞丽",
        "text": TEXT,
    }
    services.message_send(actor=user("liaison"), partner=p, type="handover_offer", body=body)
    from guomen.lib.errors import DomainError

    with pytest.raises(DomainError) as e:
        services.message_send(
            actor=user("liaison"), partner=p, type="handover_answer", body={"ref": ref, "accepted": True, "unit": "x", "text": TEXT}
        )
    assert e.value.code == "not_your_step"
    _status, ack = post(signing.sign(private, message("handover_answer", {"ref": ref, "accepted": True, "unit": "Muse", "text": TEXT})))
    assert ack["message"]["body"]["outcome"] == "accepted"
    assert Thread.objects.get(ref=ref).status == "accepted"


def test_a_manifest_becomes_declarations_with_per_row_outcomes(world):
    from guomen.loop.models import Journey

    _p, private = partner()
    rows = [
        {
            "name_native": "အောင်ကျော်",
            "name_latin": "AUNG KYAW",
            "nationality": "MMR",
            "document_kind": "passport",
            "document_number": "MB7654321",
            "expected_at": f"{AHEAD}T10:00:00+08:00",
        },
        {
            "name_native": "မမ",
            "nationality": "MMR",
            "document_kind": "passport",
            "document_number": "MB0000001",
            "expected_at": f"{AHEAD}T10:00:00+08:00",
            "destination": "999999",
        },
    ]
    body = {"ref": str(uuid.uuid4()), "port": "port-ruili", "rows": rows}
    before = Journey.objects.count()
    status, ack = post(signing.sign(private, message("manifest", body)))
    result = ack["message"]["body"]["result"]
    assert status == 200, ack
    assert [o["outcome"] for o in result["outcomes"]] == ["declared", "rejected"], result
    assert [o["outcome"] for o in result["outcomes"]] == ["declared", "rejected"]
    assert result["outcomes"][1]["code"] == "unknown_destination"
    assert Journey.objects.count() == before + 1


def test_a_manifest_for_a_port_not_given_to_the_partner_is_refused(world):
    _p, private = partner(ports=())
    body = {"ref": str(uuid.uuid4()), "port": "port-ruili", "rows": []}
    ack = post(signing.sign(private, message("manifest", body)))[1]
    assert ack["message"]["body"]["code"] == "unknown_port"


def test_aid_receipt_shows_discrepancies(world, user):
    p, private = partner()
    ref = str(uuid.uuid4())
    liaison = user("liaison")
    items = [{"item": "防护服 protective suits", "quantity": 500, "unit": "set"}, {"item": "N95", "quantity": 1000, "unit": "box"}]
    for t in ("aid_offer", "aid_commitment", "aid_shipment"):
        services.message_send(actor=liaison, partner=p, type=t, body={"ref": ref, "items": items, "text": TEXT})
    got = [{"item": "防护服 protective suits", "quantity": 480, "unit": "set"}, {"item": "N95", "quantity": 1000, "unit": "box"}]
    ack = post(signing.sign(private, message("aid_receipt", {"ref": ref, "items": got, "text": TEXT})))[1]
    assert ack["message"]["body"]["outcome"] == "accepted"
    t = Thread.objects.get(ref=ref)
    assert t.status == "received"
    assert t.data["discrepancies"] == [{"item": "防护服 protective suits", "unit": "set", "shipped": 500, "received": 480}]


def test_only_a_liaison_queues_messages(world, user):
    from django.core.exceptions import PermissionDenied

    p, _private = partner()
    with pytest.raises(PermissionDenied):
        services.message_send(actor=user("ruili_port"), partner=p, type="case_notice", body=case_body())
    assert not Message.objects.exists()


def test_a_partner_key_must_be_an_ed25519_key(world):
    from guomen.lib.errors import DomainError

    with pytest.raises(DomainError) as e:
        services.partner_register(
            actor=None, authority="xx", name_zh="x", name_en="x", country="MM", base_url="https://x.example", public_key="abc"
        )
    assert e.value.code == "invalid_key"


def test_the_window_follows_the_clock(world):
    _p, private = partner()
    with time_machine.travel(clock.now() + timedelta(days=3), tick=False):
        m = message("case_notice", case_body())
    assert post(signing.sign(private, m))[1]["message"]["body"]["code"] == "outside_window"
    assert json.dumps(m)  # the builder stays JSON
