"""The liaison desk and the command dashboard's exchange health: Burmese, Lao and Vietnamese texts shown as sent."""

from __future__ import annotations

import uuid

import pytest

from .. import services
from ..models import Direction, Message, Status
from .helpers import partner

pytestmark = pytest.mark.django_db
TEXT = {"zh-Hans": "援助物资", "en": "Aid supplies", "my": "အကူအညီပစ္စည်း", "lo": "ອຸປະກອນຊ່ວຍເຫຼືອ", "vi": "Vật tư viện trợ"}


def test_the_desk_shows_partners_fingerprints_messages_and_texts(client_as, user):
    p, _private = partner()
    services.current_key()
    services.message_send(
        actor=user("liaison"),
        partner=p,
        type="aid_offer",
        body={"ref": str(uuid.uuid4()), "items": [{"item": "N95", "quantity": 10, "unit": "box"}], "text": TEXT},
    )
    r = client_as("liaison").get("/exchange/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "မူဆယ်ခရိုင်" in html and 'lang="my"' in html
    for lang in ("my", "lo", "vi"):
        assert TEXT[lang] in html
    from .. import signing

    assert signing.fingerprint(p.public_key) in html
    assert signing.fingerprint(services.current_key().public_key) in html
    assert "联络台" in html
    assert "缅甸语" in html and "<td>my</td>" not in html  # the partner's language by name, not its code


def test_a_refused_message_is_shown_to_act_on(client_as, user):
    p, _private = partner()
    m = services.message_send(
        actor=user("liaison"),
        partner=p,
        type="aid_offer",
        body={"ref": str(uuid.uuid4()), "items": [{"item": "N95", "quantity": 10, "unit": "box"}], "text": TEXT},
    )
    reason = {"en": "The signature does not verify", "zh-Hans": "签名无法用我方保存的贵方公钥验证。"}
    Message.objects.filter(pk=m.pk).update(status=Status.REFUSED, outcome={"outcome": "refused", "code": "bad_signature", "reason": reason})
    c = client_as("liaison")
    assert "签名无法用我方保存的贵方公钥验证" in c.get("/exchange/").content.decode()
    c.post(f"/exchange/messages/{m.msg_id}/retry/")
    assert Message.objects.get(pk=m.pk).status == Status.QUEUED


def test_others_cannot_see_the_desk(client_as):
    assert client_as("ruili_port").get("/exchange/").status_code == 403


def test_the_command_dashboard_shows_the_oldest_unacknowledged_message(client_as, user):
    p, _private = partner()
    services.message_send(
        actor=user("liaison"),
        partner=p,
        type="aid_offer",
        body={"ref": str(uuid.uuid4()), "items": [{"item": "N95", "quantity": 10, "unit": "box"}], "text": TEXT},
    )
    html = client_as("province").get("/command/").content.decode()
    assert 'id="exchange-health"' in html and "Muse District, Myanmar" in html
    assert Message.objects.filter(direction=Direction.OUT, status=Status.QUEUED).count() == 1


def test_the_api_queues_a_message_and_refuses_a_malformed_body(api_as):
    p, _private = partner()
    c = api_as("liaison")
    body = {"ref": str(uuid.uuid4()), "items": [{"item": "N95", "quantity": 10, "unit": "box"}], "text": TEXT}
    r = c.post(f"/api/exchange/partners/{p.authority}/messages", {"type": "aid_offer", "body": body}, content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "queued"
    r = c.post(
        f"/api/exchange/partners/{p.authority}/messages", {"type": "aid_offer", "body": {"ref": "x"}}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "malformed_body"
    assert Message.objects.count() == 1
    listed = c.get("/api/exchange/partners").json()
    assert listed[0]["authority"] == "mm-muse" and listed[0]["queued"] == 1
    assert api_as("ruili_port").get("/api/exchange/messages").status_code == 403


def test_the_demo_registers_the_three_neighbours_once(world):
    from ..demo import generate_demo_exchange
    from ..models import Partner

    generate_demo_exchange()
    generate_demo_exchange()
    assert sorted(Partner.objects.values_list("authority", flat=True)) == ["la-luangnamtha", "mm-muse", "vn-laocai"]
    assert Partner.objects.get(authority="la-luangnamtha").name_local == "ແຂວງຫຼວງນ້ຳທາ"


def test_a_thread_s_state_reads_as_a_word_in_the_reader_s_language(client_as, user):
    from typing import get_args

    from ..handlers import AFTER, AID_STEPS
    from ..models import THREAD_STATES, Thread
    from ..schemas import CaseFollowup

    p, _private = partner()
    services.current_key()
    ref = str(uuid.uuid4())
    body = {
        "ref": ref,
        "category": "contact",
        "person": {"name_latin": "AUNG KYAW", "birth_year": 1988, "nationality": "MMR"},
        "crossed_at": "2020-04-01T10:00:00+08:00",
        "port": "Ruili",
        "text": TEXT,
    }
    services.message_send(actor=user("liaison"), partner=p, type="case_notice", body=body)
    assert Thread.objects.get(ref=ref).status == "notified"
    html = client_as("liaison").get("/exchange/").content.decode()
    assert 'data-state="notified">已通报<' in html and ">notified<" not in html
    states = set(AID_STEPS.values()) | set(get_args(CaseFollowup.model_fields["action"].annotation))
    states |= {s for after in AFTER.values() for s in after if s} | {"sent", "received", "declined", "arrived", "returned"}
    assert states <= set(THREAD_STATES), states - set(THREAD_STATES)  # every state a handler sets has its word


def test_a_partner_that_cannot_be_reached_is_said_so_in_words(client_as):
    from django.utils import timezone

    from ..models import Partner

    p, _private = partner()
    error = "URLError: <urlopen error [Errno 111] Connection refused>"
    Partner.objects.filter(pk=p.pk).update(failures=3, last_error=error, retry_at=timezone.now())
    html = client_as("liaison").get("/exchange/").content.decode()
    assert "无法连接" in html and "Connection refused" in html  # the words first, the detail for the operator after
    Partner.objects.filter(pk=p.pk).update(last_error="HTTP 502: no verifiable acknowledgement")
    assert "没有可核实的确认" in client_as("liaison").get("/exchange/").content.decode()
