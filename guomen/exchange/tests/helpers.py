"""Builders for exchange tests: a partner whose private key the test holds, and signed envelopes."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.test import Client

from guomen.lib import clock
from guomen.org.models import Unit

from .. import services, signing
from ..models import Partner


def partner(authority: str = "mm-muse", ports: tuple[str, ...] = ("port-ruili",)) -> tuple[Partner, Any]:
    private = signing.new_private_key()
    p = services.partner_register(
        actor=None,
        authority=authority,
        name_zh="缅甸木姐区",
        name_en="Muse District, Myanmar",
        name_local="မူဆယ်ခရိုင်",
        country="MM",
        base_url="https://exchange.muse.example",
        public_key=signing.public_b64(private),
        languages=["my"],
        liaison_units=list(Unit.objects.filter(code="yn-command")),
        port_units=list(Unit.objects.filter(code__in=ports)),
    )
    return p, private


def message(type_: str, body: dict[str, Any], *, seq: int = 1, sender: str = "mm-muse", recipient: str | None = None, **extra: Any) -> dict:
    kind = {"case_notice": "case", "case_followup": "case", "manifest": "manifest"}.get(type_, type_.split("_")[0])
    now = clock.now().isoformat()
    return {
        "type": type_,
        "version": 1,
        "id": str(uuid.uuid4()),
        "sender": sender,
        "recipient": recipient if recipient is not None else settings.EXCHANGE_AUTHORITY,
        "created_at": now,
        "sent_at": now,
        "subject": f"{kind}:{body.get('ref')}",
        "seq": seq,
        "body": body,
        **extra,
    }


def post(envelope: dict[str, Any] | bytes) -> tuple[int, dict]:
    data = envelope if isinstance(envelope, bytes) else json.dumps(envelope, ensure_ascii=False).encode()
    r = Client().post("/exchange/inbox/", data=data, content_type="application/json")
    return r.status_code, r.json()


TEXT = {"zh-Hans": "入境后核酸阳性", "en": "Tested positive after entry", "my": "ဝင်ရောက်ပြီးနောက် ရောဂါပိုးတွေ့ရှိ"}


def case_body(ref: str | None = None) -> dict[str, Any]:
    return {
        "ref": ref or str(uuid.uuid4()),
        "category": "confirmed",
        "person": {"name_latin": "AUNG KYAW", "birth_year": 1988, "nationality": "MMR", "document_number": "MB1234567"},
        "crossed_at": "2020-04-01T10:00:00+08:00",
        "port": "Muse-Ruili",
        "text": dict(TEXT),
    }
