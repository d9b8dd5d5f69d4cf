"""Two guomen instances, each with its own database and live server on loopback, exchanging real
signed HTTP messages of every type: A is this test's live server (Yunnan, cn-yunnan); B is a
second Django process (gunicorn) on another port with its own SQLite file and its own instance key
(Muse, mm-muse), provisioned and driven through its management commands."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from guomen.org.models import Unit

from .. import services, signing
from ..models import Direction, Message, Partner, Status, Thread

AHEAD = (timezone.localdate() + timedelta(days=3)).isoformat()  # the day of an expected arrival a few days from now

ROOT = Path(settings.BASE_DIR)
TEXT = {"zh-Hans": "已追踪到密切接触者", "en": "Close contacts traced", "my": "အနီးကပ်ထိတွေ့သူများကို ခြေရာခံပြီး"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    def __init__(self, var: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "guomen.settings",
            "GUOMEN_ENV": "development",
            "GUOMEN_VAR_DIR": str(var),
            "DATABASE_URL": f"sqlite:///{var / 'b.sqlite3'}",
            "GUOMEN_EXCHANGE_AUTHORITY": "mm-muse",
        }
        self.server: subprocess.Popen | None = None

    def manage(self, *args: str) -> str:
        r = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        return r.stdout

    def start(self) -> None:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.server = subprocess.Popen(
            [gunicorn, "guomen.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "1", "--threads", "4", "--log-level", "warning"],
            cwd=ROOT,
            env=self.env,
        )
        # gunicorn listens before its worker has loaded Django: wait for an answer, not a socket,
        # so the first message is not sent to a worker that is still starting on a loaded machine.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=30) as r:  # noqa: S310 (loopback)
                    if r.status in (200, 503):
                        return
            except urllib.error.HTTPError as e:
                if e.code == 503:
                    return
                time.sleep(0.5)
            except OSError:
                time.sleep(0.5)
        raise AssertionError("instance B did not start")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)

    def compose(self, *items: tuple[str, dict]) -> dict:
        batch = json.dumps([{"type": t, "body": b} for t, b in items], ensure_ascii=False)
        return json.loads(self.manage("exchange_compose", "cn-yunnan", "--batch", batch, "--send"))

    def status(self) -> dict:
        return json.loads(self.manage("exchange_status"))


@pytest.fixture
def instances(flushable_events, world, live_server, tmp_path):
    b = Instance(tmp_path)
    b.manage("migrate", "-v0")
    b_key = json.loads(b.manage("exchange_key"))
    assert b_key["authority"] == "mm-muse"
    a_key = services.current_key().public_key
    partner = services.partner_register(
        actor=None,
        authority="mm-muse",
        name_zh="缅甸木姐区",
        name_en="Muse District, Myanmar",
        name_local="မူဆယ်ခရိုင်",
        country="MM",
        base_url=b.url,
        public_key=b_key["public_key"],
        languages=["my"],
        liaison_units=list(Unit.objects.filter(code="yn-command")),
        port_units=list(Unit.objects.filter(code="port-ruili")),
    )
    b.manage(
        "exchange_partner", "cn-yunnan", "--url", live_server.url, "--key", a_key,
        "--name-zh", "云南省", "--name-en", "Yunnan Province", "--country", "CN", "--languages", "zh-Hans,en",
    )  # fmt: skip
    b.start()
    try:
        yield partner, b
    finally:
        b.stop()


def _a_send(*items: tuple[str, dict], journey: str = "") -> None:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    partner = Partner.objects.get(authority="mm-muse")
    for t, body in items:
        if t == "handover_offer" and journey:  # the province command hands over a person it reaches
            services.message_send(actor=users.get(username="province"), partner=partner, type=t, body=body, journey=journey)
        else:
            services.message_send(actor=users.get(username="liaison"), partner=partner, type=t, body=body)
    call_command("exchange_send", stdout=open(os.devnull, "w"))  # noqa: SIM115


def test_two_instances_exchange_every_type_over_signed_http(instances):
    from guomen.loop.models import Journey

    partner, b = instances
    case, handover, aid, team, manifest = (str(uuid.uuid4()) for _ in range(5))
    person = {"name_latin": "AUNG KYAW", "birth_year": 1988, "nationality": "MMR", "document_number": "MB1234567"}

    # A → B: a case notice, a handover offer of a person at the Ruili port, a team deployment
    from guomen.loop import services as loop
    from guomen.loop.tests.factories import person as new_person
    from guomen.loop.tests.factories import u, who

    j = loop.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=new_person(), origin_country="MMR")
    _a_send(
        ("case_notice", {"ref": case, "category": "confirmed", "person": person, "crossed_at": "2020-04-01T10:00:00+08:00", "port": "Ruili", "text": TEXT}),
        ("handover_offer", {"ref": handover, "person": person, "port": "Ruili", "at": "2020-04-03T10:00:00+08:00", "from_unit": "瑞丽口岸", "text": TEXT}),
        ("team_deployment", {"ref": team, "name": "云南援缅医疗队 Yunnan medical team", "members": [{"name": "李医生", "skills": ["ICU", "感染科"]}], "from_date": "2020-04-05", "to_date": "2020-05-05", "where": "Muse General Hospital", "text": TEXT}),
        journey=j.code,
    )  # fmt: skip
    assert set(Message.objects.filter(direction=Direction.OUT).values_list("status", flat=True)) == {Status.ACCEPTED}

    # B → A: a manifest, an aid request, the follow-up, the handover accepted, the team arrived
    rows = [
        {"name_native": "အောင်ကျော်", "name_latin": "AUNG KYAW", "nationality": "MMR", "document_kind": "passport", "document_number": "MB7654321", "expected_at": f"{AHEAD}T10:00:00+08:00"},
        {"name_native": "မမ", "nationality": "MMR", "document_kind": "passport", "document_number": "MB0000001", "expected_at": f"{AHEAD}T10:00:00+08:00", "destination": "999999"},
    ]  # fmt: skip
    items = [{"item": "防护服 protective suits", "quantity": 500, "unit": "set"}]
    before = Journey.objects.count()
    out = b.compose(
        ("manifest", {"ref": manifest, "port": "port-ruili", "rows": rows}),
        ("aid_request", {"ref": aid, "items": items, "text": TEXT}),
        ("case_followup", {"ref": case, "action": "traced", "text": TEXT}),
        ("handover_answer", {"ref": handover, "accepted": True, "unit": "Muse immigration", "text": TEXT}),
        ("team_arrival", {"ref": team, "at": "2020-04-05T15:00:00+06:30", "text": TEXT}),
    )
    assert out["sent"] == {"sent": 5, "refused": 0, "failed": 0}, out
    assert Journey.objects.count() == before + 1
    j.refresh_from_db()  # Muse accepted the person: the journey closed with an event naming them
    assert j.state == "closed" and j.events.order_by("-seq").first().data["abroad"]["authority"] == "mm-muse"
    status = b.status()
    manifest_out = next(m for m in status["messages"] if m["type"] == "manifest")
    assert [o["outcome"] for o in manifest_out["outcome"]["result"]["outcomes"]] == ["declared", "rejected"]
    assert {t["kind"]: t["status"] for t in status["threads"]} == {
        "case": "traced", "handover": "accepted", "team": "arrived", "aid": "requested", "manifest": "sent"
    }  # fmt: skip

    # A → B: offer, commitment, shipment; B → A: receipt (20 short) and the team's return
    _a_send(*((t, {"ref": aid, "items": items, "text": TEXT}) for t in ("aid_offer", "aid_commitment", "aid_shipment")))
    out = b.compose(
        ("aid_receipt", {"ref": aid, "items": [{**items[0], "quantity": 480}], "text": TEXT}),
        ("team_return", {"ref": team, "at": "2020-05-05T12:00:00+06:30", "text": TEXT}),
    )
    assert out["sent"]["sent"] == 2, out
    threads = {t.kind: t for t in Thread.objects.filter(partner=partner)}
    assert {k: t.status for k, t in threads.items()} == {
        "case": "traced", "handover": "accepted", "team": "returned", "aid": "received", "manifest": "received"
    }  # fmt: skip
    assert threads["aid"].data["discrepancies"] == [{"item": "防护服 protective suits", "unit": "set", "shipped": 500, "received": 480}]
    assert threads["case"].data["followups"][0]["text"]["my"] == TEXT["my"]
    incoming = Message.objects.filter(direction=Direction.IN, partner=partner)
    assert incoming.count() == 7 and set(incoming.values_list("status", flat=True)) == {Status.ACCEPTED}

    # B's inbox refuses a forged message over HTTP, with a reason, and changes nothing
    forged = signing.sign(signing.new_private_key(), {**Message.objects.filter(direction=Direction.OUT).first().message, "sent_at": "x"})
    req = urllib.request.Request(b.url + "/exchange/inbox/", data=json.dumps(forged).encode(), method="POST")  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)  # noqa: S310
    assert e.value.code == 401 and json.loads(e.value.read())["message"]["body"]["code"] == "bad_signature"
    assert len(b.status()["messages"]) == len(status["messages"]) + 5
