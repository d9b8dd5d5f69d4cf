"""The loop's pages: each for its role, scoped, and every refusal shown with nothing changed."""

from __future__ import annotations

import re
import zlib
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from guomen.core.models import AccessLog
from guomen.loop import services as s
from guomen.loop.models import CustodyEvent, Disposition, Journey, State
from guomen.loop.tests.factories import person, u, who
from guomen.loop.tests.test_single_check import assert_consistent
from guomen.people.models import Person

pytestmark = pytest.mark.django_db


def arrive(port="port-ruili", officer="ruili_port"):
    return s.journey_arrive(actor=who(officer), unit=u(port), person=person(port), origin_country="MMR")


def offered_to_transfer():
    j = arrive()
    s.journey_dispose(
        actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u("c533102-hotel1"), via_unit=u("c533102-transfer")
    )
    j.refresh_from_db()
    return j


def in_facility(room="101"):
    j = offered_to_transfer()
    s.handover_accept(actor=who("ruili_transfer"), journey=j, unit=u("c533102-transfer"), card_code=j.code)
    s.handover_offer(actor=who("ruili_transfer"), journey=j, to_unit=u("c533102-hotel1"))
    s.handover_accept(actor=who("ruili_hotel"), journey=j, unit=u("c533102-hotel1"), room=room, card_code=j.code)
    j.refresh_from_db()
    return j


def pdf_fonts(pdf: bytes) -> set[bytes]:
    """The font names embedded in a PDF (its object streams are compressed)."""
    names = set()
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(m.group(1))
        except zlib.error:
            continue
        names |= set(re.findall(rb"/(?:BaseFont|FontName)\s*/([A-Za-z0-9+\-]+)", data))
    return names


def act(client, j, action, **data):
    """Post a step as the page does, answering "yes" where the page asks before an irreversible one."""
    return client.post(reverse("loop:act", args=[j.code, action]), {"confirm": "yes", **data})


REGISTER = {
    "name_native": "岩温",
    "name_latin": "AI WEN",
    "sex": "M",
    "birth_date": "1990-05-01",
    "nationality": "MMR",
    "phone": "+95 9 123 4567",
    "category": "traveller",
    "doc_kind": "passport",
    "doc_country": "MMR",
    "doc_number": "MA1234567",
    "doc_valid_until": "2030-01-01",
    "origin_country": "MMR",
    "origin_place": "Muse",
    "risk": "medium",
}


# --- each page for its role ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "allowed", "others"),
    [
        ("loop:port", "ruili_port", ("ruili_transfer", "ruili_grid", "auditor")),
        ("loop:register", "ruili_port", ("ruili_hotel", "ruili")),
        ("loop:transfer", "ruili_transfer", ("ruili_port", "ruili_hotel")),
        ("loop:facility", "ruili_hotel", ("ruili_transfer", "ruili_hospital")),
        ("loop:hospital", "ruili_hospital", ("ruili_hotel", "ruili_grid")),
        ("loop:village", "ruili_grid", ("ruili_hospital", "ruili_port")),
        ("loop:scan", "ruili_transfer", ("ruili", "auditor", "info")),
    ],
)
def test_each_desk_renders_for_its_role_and_is_forbidden_for_other_roles(client_as, name, allowed, others):
    assert client_as(allowed).get(reverse(name)).status_code == 200
    for other in others:
        r = client_as(other).get(reverse(name))
        assert r.status_code == 403, other
        assert "loop/403.html" in [t.name for t in r.templates]


def test_pages_need_a_signed_in_user(client, world):
    r = client.get(reverse("loop:port"))
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_a_journey_is_not_found_outside_reach_and_shown_within_it(client_as):
    j = arrive()
    for outsider in ("mohan_port", "mengla", "ruili_hotel", "xishuangbanna"):
        assert client_as(outsider).get(reverse("loop:journey", args=[j.code])).status_code == 404, outsider
        assert client_as(outsider).get(reverse("loop:card", args=[j.code])).status_code == 404, outsider
    for insider in ("ruili_port", "ruili", "dehong", "province", "auditor"):
        r = client_as(insider).get(reverse("loop:journey", args=[j.code]))
        assert r.status_code == 200, insider
        assert j.code in r.content.decode()


def test_the_timeline_shows_every_event_with_local_time_unit_and_who(client_as):
    j = offered_to_transfer()
    r = client_as("ruili").get(reverse("loop:journey", args=[j.code]))
    html = r.content.decode()
    events = list(CustodyEvent.objects.filter(journey=j))
    assert html.count("<li><strong>") == len(events) == 3  # arrived, disposed, handover offered
    local = timezone.localtime(events[0].occurred_at).strftime("%Y-%m-%d %H:%M")
    assert local in html and "瑞丽口岸 赵军" in html and u("port-ruili").name in html
    assert u("c533102-transfer").name in html  # offered to
    assert re.search(r'class="badge (ok|warn|bad)"[^>]*>[^<]*(left|剩余|超时|overdue)', html)


def test_a_read_only_role_sees_the_journey_but_its_posts_are_forbidden(client_as):
    j = arrive()
    c = client_as("auditor")
    page = c.get(reverse("loop:journey", args=[j.code])).content.decode()
    assert 'id="screen"' not in page
    r = act(c, j, "screen", temperature="36.5")
    assert r.status_code == 403
    assert CustodyEvent.objects.filter(journey=j).count() == 1


def test_another_ports_officer_gets_not_found_on_a_post(client_as):
    j = arrive()
    assert act(client_as("mohan_port"), j, "screen", temperature="36.5").status_code == 404


# --- the port desk, form by form ----------------------------------------------------------------
def test_port_desk_flow_register_check_screen_sample_and_dispose_to_quarantine(client_as):
    c = client_as("ruili_port")
    r = c.post(reverse("loop:register"), REGISTER)
    assert r.status_code == 302, r.content.decode()[:2000]
    j = Journey.objects.get(person__name_native="岩温")
    assert r["Location"] == reverse("loop:journey", args=[j.code])
    assert j.state == State.AT_GATE and j.custodian.code == "port-ruili" and j.person.documents.count() == 1
    page = c.get(r["Location"]).content.decode()
    for step in ('id="document"', 'id="screen"', 'id="sample"', 'id="dispose"'):
        assert step in page
    doc = j.person.documents.get()
    assert act(c, j, "document", document=str(doc.public_id)).status_code == 302
    assert act(c, j, "screen", temperature="36.4").status_code == 302
    assert act(c, j, "sample", sample_id="RL-0001").status_code == 302
    r = act(c, j, "dispose", disposition="quarantine", to_unit="c533102-hotel1", via_unit="c533102-transfer", note="")
    assert r.status_code == 302
    j.refresh_from_db()
    assert j.state == State.HANDOVER_OFFERED and j.pending_unit.code == "c533102-transfer"
    desk = c.get(reverse("loop:port")).content.decode()
    assert j.code in desk.split('id="handed"')[1]
    kinds = list(CustodyEvent.objects.filter(journey=j).values_list("kind", flat=True))
    assert kinds == ["arrived", "document_checked", "screened", "sampled", "disposed", "handover_offered"]


def test_a_declared_arrival_is_expected_today_and_marked_arrived_from_the_desk(client_as):
    c = client_as("ruili_port")
    # At local noon, "in an hour" is still today (late in the evening it would be tomorrow).
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(noon, tick=True):
        j = s.journey_declare(
            actor=who("ruili_port"), port_unit=u("port-ruili"), person=person(), expected_at=timezone.now() + timedelta(hours=1)
        )
        desk = c.get(reverse("loop:port")).content.decode()
        assert j.code in desk.split('id="expected"')[1].split('id="gate"')[0]
        assert act(c, j, "arrive").status_code == 302
        j.refresh_from_db()
        assert j.state == State.AT_GATE
        assert c.get(reverse("loop:port"), HTTP_HX_REQUEST="true", data={"part": "lists"}).status_code == 200


def test_registration_errors_are_shown_and_nothing_is_created(client_as):
    c = client_as("ruili_port")
    before = (Person.objects.count(), Journey.objects.count())
    bad_id = {**REGISTER, "doc_kind": "resident_id", "doc_country": "CHN", "doc_number": "11010519491231002X"[:-1] + "5"}
    r = c.post(reverse("loop:register"), bad_id)
    assert r.status_code == 422
    assert "GB 11643" in r.content.decode() or "校验" in r.content.decode()
    r = c.post(reverse("loop:register"), {**REGISTER, "nationality": "XXZ"})
    assert r.status_code == 422 and "XXZ" in r.content.decode()
    r = c.post(reverse("loop:register"), {**REGISTER, "name_native": "a\x00b"})
    assert r.status_code == 422
    r = c.post(reverse("loop:register"), {**REGISTER, "doc_number": ""})
    assert r.status_code == 422
    assert (Person.objects.count(), Journey.objects.count()) == before


def test_a_refused_step_shows_the_services_message_and_changes_nothing(client_as):
    j = arrive()
    c = client_as("ruili_port")
    act(c, j, "screen", temperature="38.4")
    n = CustodyEvent.objects.filter(journey=j).count()
    r = act(c, j, "dispose", disposition="quarantine", to_unit="c533102-hotel1", via_unit="")
    assert r.status_code == 422
    html = r.content.decode()
    assert "医院" in html or "hospital" in html
    assert 'class="card step failed primary" id="dispose"' in html
    r = act(c, j, "screen", temperature="hot")
    assert r.status_code == 422 and ("°C" in r.content.decode())
    r = act(c, j, "dispose", disposition="quarantine", to_unit="c533102-hospital")
    assert r.status_code == 422
    assert CustodyEvent.objects.filter(journey=j).count() == n
    j.refresh_from_db()
    assert j.state == State.AT_GATE


# --- receivers ---------------------------------------------------------------------------------
def test_the_transfer_team_accepts_by_typed_code_and_offers_at_the_destination(client_as):
    j = offered_to_transfer()
    c = client_as("ruili_transfer")
    assert j.code in c.get(reverse("loop:transfer")).content.decode().split('id="offered"')[1]
    r = c.post(reverse("loop:scan"), {"code": "gm" + j.code[2:].lower()})
    assert r.status_code == 302
    j.refresh_from_db()
    assert j.state == State.IN_TRANSIT and j.custodian.code == "c533102-transfer"
    desk = c.get(reverse("loop:transfer")).content.decode()
    assert j.code in desk.split('id="transit"')[1] and 'value="c533102-hotel1" selected' in desk
    assert act(c, j, "offer", to_unit="c533102-hotel1", next=reverse("loop:transfer")).status_code == 302
    j.refresh_from_db()
    assert j.state == State.HANDOVER_OFFERED and j.pending_unit.code == "c533102-hotel1"


def test_accepting_an_unknown_or_foreign_code_is_refused(client_as):
    j = offered_to_transfer()
    r = client_as("mengla_transfer").post(reverse("loop:scan"), {"code": j.code})
    assert r.status_code == 422 and r.context["form"].errors["code"]
    j.refresh_from_db()
    assert j.state == State.HANDOVER_OFFERED


def test_the_facility_checks_in_with_a_room_and_shows_occupancy(client_as):
    j = offered_to_transfer()
    s.handover_accept(actor=who("ruili_transfer"), journey=j, unit=u("c533102-transfer"), card_code=j.code)
    s.handover_offer(actor=who("ruili_transfer"), journey=j, to_unit=u("c533102-hotel1"))
    c = client_as("ruili_hotel")
    r = act(c, j, "accept", room="")
    assert r.status_code == 422 and ("room" in r.content.decode().lower() or "房间" in r.content.decode())
    assert act(c, j, "accept", room="301", card_code=j.code, next=reverse("loop:facility")).status_code == 302
    j.refresh_from_db()
    assert j.state == State.IN_FACILITY and j.room == "301"
    page = c.get(reverse("loop:facility")).content.decode()
    cap = u("c533102-hotel1").capacity
    assert f"1/{cap}" in page and "301" in page.split('id="rooms-c533102-hotel1"')[1]
    assert act(c, j, "check", temperature="36.7", next=reverse("loop:facility")).status_code == 302
    assert act(c, j, "check", temperature="36.6", sample_id="D1", result="negative").status_code == 302
    j.refresh_from_db()
    assert j.facts["tests"][0]["result"] == "negative" and j.facts.get("last_check_at")


def test_release_too_early_is_refused_with_the_policys_reason(client_as):
    j = in_facility()
    r = act(client_as("ruili_hotel"), j, "release")
    assert r.status_code == 422
    j.refresh_from_db()
    assert not j.facts.get("released_at")


def test_the_hospital_reports_and_discharges_a_recovered_patient(client_as):
    j = arrive()
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=38.5)
    s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.HOSPITAL, to_unit=u("c533102-hospital"))
    c = client_as("ruili_hospital")
    assert j.code in c.get(reverse("loop:hospital")).content.decode()
    assert act(c, j, "accept", card_code=j.code).status_code == 302
    r = act(c, j, "close")
    assert r.status_code == 422
    assert act(c, j, "report", condition="recovered", note="afebrile 3 days").status_code == 302
    assert f'action="/loop/j/{j.code}/close/"' in c.get(reverse("loop:hospital")).content.decode()
    assert act(c, j, "close").status_code == 302
    j.refresh_from_db()
    assert j.state == State.CLOSED


def test_the_village_accepts_checks_and_cannot_close_before_the_days_are_served(client_as):
    j = in_facility()
    s.journey_release(actor=who("ruili"), journey=j, override_reason="专家组评估")
    village = "v" + who("ruili_grid").memberships.get().unit.jurisdiction.code
    s.handover_offer(actor=who("ruili_hotel"), journey=j, to_unit=u(village))
    c = client_as("ruili_grid")
    assert act(c, j, "accept", card_code=j.code, next=reverse("loop:village")).status_code == 302
    page = c.get(reverse("loop:village")).content.decode()
    assert j.code in page.split('id="due"')[1]
    assert act(c, j, "check", temperature="36.5").status_code == 302
    r = act(c, j, "close")
    assert r.status_code == 422
    j.refresh_from_db()
    assert j.state == State.HOME_MONITORING


# --- the loop card and the certificate --------------------------------------------------------------
def test_the_loop_card_holds_a_qr_code_of_the_loop_code_and_a_masked_document(client_as):
    from guomen.people.services import person_register

    p = person_register(
        actor=who("ruili_port"),
        unit=u("port-ruili"),
        name_native="玉香",
        nationality="MMR",
        documents=[{"kind": "passport", "issuing_country": "MMR", "number": "MB7654321"}],
    )
    j = s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=p)
    html = client_as("ruili_port").get(reverse("loop:card", args=[j.code])).content.decode()
    assert "<svg" in html and f"<title>{j.code}</title>" in html and "玉香" in html
    assert "••••4321" in html and "MB7654321" not in html
    assert 'style="' not in html and "<script>" not in html


def test_the_certificate_exists_after_release_and_every_download_is_audited(client_as):
    j = in_facility()
    c = client_as("ruili_hotel")
    assert c.get(reverse("loop:certificate", args=[j.code])).status_code == 404
    s.journey_release(actor=who("ruili"), journey=j, override_reason="专家组评估 expert assessment")
    before = AccessLog.objects.filter(action=AccessLog.Action.PRINT).count()
    r = c.get(reverse("loop:certificate", args=[j.code]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    body = b"".join(r.streaming_content) if r.streaming else r.content
    assert body.startswith(b"%PDF") and any(b"Noto-Sans-CJK-SC" in f for f in pdf_fonts(body))
    log = AccessLog.objects.filter(action=AccessLog.Action.PRINT).order_by("-at").first()
    assert AccessLog.objects.filter(action=AccessLog.Action.PRINT).count() == before + 1
    assert log.user == who("ruili_hotel") and log.subject == str(j.person.public_id)
    assert client_as("mengla_hotel").get(reverse("loop:certificate", args=[j.code])).status_code == 404


def test_a_released_person_holds_no_room_and_their_row_shows_none(client_as):
    """Released from quarantine, waiting for the onward handover: the room is no longer theirs —
    no room badge on the desk or the journey, the room free for the next person, replay agreeing."""
    j, staying = in_facility(room="777"), in_facility(room="778")
    s.journey_release(actor=who("ruili"), journey=j, override_reason="专家组评估 expert assessment")
    j.refresh_from_db()
    assert j.state == State.IN_FACILITY and j.room == "" and j.facts.get("released_at")
    c = client_as("ruili_hotel")
    page = c.get(reverse("loop:facility")).content.decode()
    released = page.split('id="released-c533102-hotel1"')[1].split("</section>")[0]
    assert j.code in released and "777" not in released
    assert "777" not in page and "778" in page.split('id="rooms-c533102-hotel1"')[1]
    journey = c.get(reverse("loop:journey", args=[j.code])).content.decode()
    custody = re.search(r"<dd>(" + re.escape(u("c533102-hotel1").name) + r"[^<]*)</dd>", journey).group(1)
    assert "777" not in custody  # the timeline keeps the room the person was given on arrival
    newcomer = offered_to_transfer()
    s.handover_accept(actor=who("ruili_transfer"), journey=newcomer, unit=u("c533102-transfer"), card_code=newcomer.code)
    s.handover_offer(actor=who("ruili_transfer"), journey=newcomer, to_unit=u("c533102-hotel1"))
    s.handover_accept(actor=who("ruili_hotel"), journey=newcomer, unit=u("c533102-hotel1"), room="777", card_code=newcomer.code)
    newcomer.refresh_from_db()
    assert newcomer.room == "777"
    for each in (j, staying, newcomer):
        assert_consistent(each)


# --- the home panel and the shell ----------------------------------------------------------------------
def test_the_home_panel_counts_what_waits_for_each_role(client_as):
    offered_to_transfer()
    home = client_as("ruili_transfer").get(reverse("home"))
    panel = next(p for p in home.context["panels"] if p["template"] == "loop/panels/waiting.html")
    assert panel["items"][0]["n"] == 1  # offered to me
    assert reverse("loop:transfer") in home.content.decode()
    cmd = client_as("ruili").get(reverse("home"))
    panel = next(p for p in cmd.context["panels"] if p["template"] == "loop/panels/waiting.html")
    assert panel["command"] and sum(n for _label, n in panel["command"]) >= 1
    assert all(p["template"] != "loop/panels/waiting.html" for p in client_as("info").get(reverse("home")).context["panels"])


def test_pages_keep_to_the_strict_csp(client_as):
    j = in_facility()
    for who_, url in [
        ("ruili_port", reverse("loop:register")),
        ("ruili_port", reverse("loop:port")),
        ("ruili_transfer", reverse("loop:scan")),
        ("ruili_hotel", reverse("loop:facility")),
        ("ruili_hotel", reverse("loop:journey", args=[j.code])),
        ("ruili", reverse("alerts:inbox")),
    ]:
        html = client_as(who_).get(url).content.decode()
        assert 'style="' not in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " on" + "click=" not in html
        for tag in re.findall(r"<[^>]+hx-get=[^>]+>", html):
            assert tag.startswith("<a ") and "href=" in tag, tag
