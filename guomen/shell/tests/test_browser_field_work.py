"""The field page's work for each role, in Chromium with the network cut: a handover accepted by
scanning the loop card's QR with the camera (a fake camera showing the card), what the phone keeps
sealed at rest, a patrol's interception and incident, a transfer team's handover at arrival."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from guomen.duty.models import Incident
from guomen.loop import services as s
from guomen.loop.models import CustodyEvent, Disposition, EventKind, Journey, State
from guomen.loop.tests.factories import u, who
from guomen.loop.tests.test_flows import arrive
from guomen.loop.tests.test_offline_rules import at_home
from guomen.loop.tests.test_offline_transfer import HOTEL, in_transit
from guomen.loop.views.card import qr_code
from guomen.org.demo import DEMO_PASSWORD

from .test_browser_offline import controlled_field_page, queued, until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def card_video(code: str, path) -> str:
    """One frame of video (YUV4MPEG2, 4:2:0) showing the loop card's QR as the card prints it."""
    png = io.BytesIO()
    qr_code(code).save(png, kind="png", scale=8, border=4)
    qr = Image.open(io.BytesIO(png.getvalue())).convert("L")
    frame = Image.new("L", (640, 480), 255)
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    with open(path, "wb") as f:
        f.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\nFRAME\n")
        f.write(frame.tobytes())
        f.write(bytes([128]) * (320 * 240 * 2))  # no colour
    return str(path)


@pytest.fixture
def camera(live_server, transactional_db, flushable_events, world, tmp_path, chromium_with):  # closed before the flush
    """A phone whose camera sees a loop card: ``camera(code)`` gives a page of its own browser."""

    def make(code: str):
        video = card_video(code, tmp_path / "card.y4m")
        flags = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"]
        context = chromium_with(flags).new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        context.grant_permissions(["camera"], origin=live_server.url)
        pg = context.new_page()
        pg.set_default_timeout(15000)
        pg.base_url = live_server.url
        return pg

    return make


def signed_in(page):
    def go(username: str):
        page.goto(page.base_url + "/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(page.base_url + "/")

    return go


def offered_to_hotel() -> Journey:
    j = in_transit()
    s.handover_offer(actor=who("ruili_transfer"), journey=j, to_unit=u(HOTEL))
    return j


def test_a_facility_accepts_a_handover_by_scanning_the_loop_card_with_the_camera_offline(camera):
    j = offered_to_hotel()
    page = camera(j.code)
    controlled_field_page(page, signed_in(page), "ruili_hotel")
    expect(page.locator("#offered-list")).to_contain_text(j.code)
    cached = "async (urls) => { for (const url of urls) { if (!(await caches.match(url))) return false; } return true; }"
    until(
        page,
        cached,
        [page.locator("script[src*='jsQR']").get_attribute("src"), page.locator("script[src*='scan.js']").get_attribute("src")],
    )

    page.context.set_offline(True)
    page.reload()  # the page, jsQR and the scanner all come from the phone
    page.locator("#accept-form input[name=room]").fill("12")
    page.locator("#scan-start").click()
    bar = page.locator("#syncbar")
    expect(bar).to_contain_text("等待发送：1")
    (item,) = queued(page)
    assert item["kind"] == "handover_accept" and item["payload"] == {"code": j.code, "room": "12"}
    expect(page.locator("#scanner")).to_be_hidden()  # the camera is off once the code is read
    j.refresh_from_db()
    assert j.state == State.HANDOVER_OFFERED

    page.context.set_offline(False)
    expect(bar).to_contain_text("已发送：1")
    j.refresh_from_db()
    assert j.state == State.IN_FACILITY and j.room == "12" and j.custodian.code == HOTEL
    accepted = CustodyEvent.objects.get(journey=j, kind=EventKind.HANDOVER_ACCEPTED, unit__code=HOTEL)
    assert accepted.occurred_at == datetime.fromisoformat(item["occurred_at"]) and accepted.data.get("card") is True


RAW = """async (store) => new Promise((ok) => { const r = indexedDB.open('guomen-field'); r.onsuccess = () => {
  const q = r.result.transaction(store).objectStore(store).getAll(); q.onsuccess = () => ok(q.result); }; })"""


def test_what_the_phone_keeps_is_sealed_at_rest_with_a_key_that_never_leaves_and_goes_at_sign_out(page, sign_in):
    j = at_home()
    controlled_field_page(page, sign_in, "ruili_grid")
    expect(page.locator(f'#people-list li[data-code="{j.code}"]')).to_be_visible()
    page.context.set_offline(True)
    row = page.locator(f'#people-list li[data-code="{j.code}"]')
    row.locator("input[name=temperature]").fill("36.6")
    row.locator(".check-form button[type=submit]").click()
    expect(page.locator("#syncbar")).to_contain_text("等待发送：1")

    plain = """async ({store, needle}) => { const rows = await (READ)(store);
      const dec = new TextDecoder('latin1');
      return rows.map((r) => ({ keys: Object.keys(r).sort(), ct: r.sealed && r.sealed.ct instanceof ArrayBuffer,
        clear: JSON.stringify(r).includes(needle) || (r.sealed && r.sealed.ct ? dec.decode(r.sealed.ct).includes(needle) : false) })); }""".replace(
        "READ", RAW
    )
    for store in ("kept", "queue"):
        rows = page.evaluate(plain, {"store": store, "needle": j.code})
        assert rows and all(r["ct"] and not r["clear"] for r in rows), (store, rows)
        assert all("data" not in r["keys"] and "payload" not in r["keys"] and "label" not in r["keys"] for r in rows)
    key = page.evaluate(
        """async () => { const [row] = await (READ)('keys'); let exported = true;
        try { await crypto.subtle.exportKey('raw', row.key); } catch (e) { exported = false; }
        return { type: row.key.type, extractable: row.key.extractable, algorithm: row.key.algorithm.name, exported: exported }; }""".replace(
            "READ", RAW
        )
    )
    assert key == {"type": "secret", "extractable": False, "algorithm": "AES-GCM", "exported": False}
    assert page.evaluate("() => window.guomenOffline.kept('pack').then((p) => p.custody.some((r) => r.name.length > 0))")

    page.context.set_offline(False)  # sign-out sends what waits, then the pack and the key go
    expect(page.locator("#syncbar")).to_contain_text("已发送：1")
    page.locator("details.menu.user summary").click()
    page.locator("details.menu.user button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/login/.*"))
    assert page.evaluate(RAW, "kept") == [] and page.evaluate(RAW, "keys") == []
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).count() == 1


def test_a_patrol_records_an_interception_and_an_incident_offline_and_each_arrives_once_with_its_time(page, sign_in):
    page.context.grant_permissions(["geolocation"], origin=page.base_url)
    page.context.set_geolocation({"latitude": 24.0123, "longitude": 97.8456, "accuracy": 10})
    controlled_field_page(page, sign_in, "ruili_patrol")
    expect(page.locator("#report")).to_be_visible()
    page.context.set_offline(True)
    page.reload()
    form = page.locator("#interception-form")
    form.locator("input[name=place]").fill("界碑 31 号便道")
    form.locator("input[name=person_name]").fill("Aung Min")
    page.locator("#add-person").click()
    second = form.locator(".intercepted-person").nth(1)
    second.locator("input[name=person_name]").fill("Hla Hla")
    second.locator("select[name=person_sex]").select_option("F")
    form.locator("textarea[name=description]").fill("二人夜间越境，当场拦截")
    form.locator("button[type=submit]").click()
    incident = page.locator("#incident-form")
    incident.locator("select[name=kind]").select_option("damaged_fence")
    incident.locator("textarea[name=description]").fill("围网被剪开约两米")
    incident.locator("input[name=here]").uncheck()  # the position is asked for, never forced
    incident.locator("button[type=submit]").click()
    bar = page.locator("#syncbar")
    expect(bar).to_contain_text("等待发送：2")
    expect(form.locator(".intercepted-person")).to_have_count(1)  # the form is ready for the next one
    items = queued(page)
    assert [i["kind"] for i in items] == ["interception", "incident"]
    assert [p["name_native"] for p in items[0]["payload"]["persons"]] == ["Aung Min", "Hla Hla"]
    before = Incident.objects.count()
    page.wait_for_timeout(1000)

    page.context.set_offline(False)
    expect(bar).to_contain_text("已发送：2")
    assert Incident.objects.count() == before + 2
    caught = Incident.objects.get(kind="illegal_crossing_intercepted", place="界碑 31 号便道")
    assert caught.found_at == datetime.fromisoformat(items[0]["occurred_at"]) and caught.found_at < timezone.now()
    assert float(caught.lat) == pytest.approx(24.0123, abs=1e-4) and float(caught.lon) == pytest.approx(97.8456, abs=1e-4)
    persons = list(caught.persons.select_related("person", "journey"))
    assert sorted(p.person.name_native for p in persons) == ["Aung Min", "Hla Hla"]
    assert all(p.journey.opened_at == caught.found_at and p.journey.custodian.code == "c533102-patrol" for p in persons)
    fence = Incident.objects.get(kind="damaged_fence", description="围网被剪开约两米")
    assert fence.found_at == datetime.fromisoformat(items[1]["occurred_at"]) and fence.lat is None


def test_a_transfer_team_hands_over_at_arrival_offline(page, sign_in):
    j = in_transit()
    controlled_field_page(page, sign_in, "ruili_transfer")
    row = page.locator(f'#people-list li[data-code="{j.code}"]')
    expect(row.locator(".handover-form")).to_contain_text(u(HOTEL).name)
    expect(row.locator(".check-form")).to_be_hidden()
    page.context.set_offline(True)
    page.reload()
    row.locator(".handover-form button").click()
    bar = page.locator("#syncbar")
    expect(bar).to_contain_text("等待发送：1")
    (item,) = queued(page)
    assert item["kind"] == "handover_offer" and item["payload"] == {"journey": j.code, "to_unit": HOTEL}
    page.context.set_offline(False)
    expect(bar).to_contain_text("已发送：1")
    j.refresh_from_db()
    assert j.state == State.HANDOVER_OFFERED and j.pending_unit.code == HOTEL and j.custodian.code == "c533102-transfer"
    offer = CustodyEvent.objects.filter(journey=j, kind=EventKind.HANDOVER_OFFERED).latest("seq")
    assert offer.occurred_at == datetime.fromisoformat(item["occurred_at"])
    expect(row.locator(".handover-form")).to_be_hidden()  # the refreshed pack no longer has the person on the road


def test_a_transfer_team_accepts_at_a_port_and_hands_over_at_arrival_both_offline_and_both_arrive_in_order(page, sign_in):
    j = arrive()
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)
    s.journey_dispose(
        actor=who("ruili_port"), journey=j, disposition=Disposition.QUARANTINE, to_unit=u(HOTEL), via_unit=u("c533102-transfer")
    )
    controlled_field_page(page, sign_in, "ruili_transfer")
    expect(page.locator("#offered-list")).to_contain_text(j.code)
    page.context.set_offline(True)
    page.reload()
    page.locator("#accept-form input[name=code]").fill(j.code.lower())  # typed from the card
    page.locator("#accept-form button[type=submit]").click()
    row = page.locator(f'#people-list li[data-code="{j.code}"]')
    expect(row).to_contain_text("已在本机接收，尚未发送")  # listed at once, before any network
    row.locator(".handover-form button").click()
    expect(row.locator(".handover-form")).to_be_hidden()
    bar = page.locator("#syncbar")
    expect(bar).to_contain_text("等待发送：2")
    page.reload()
    expect(row.locator(".handover-form")).to_be_hidden()  # no second handover of the same person
    assert [i["kind"] for i in queued(page)] == ["handover_accept", "handover_offer"]

    page.context.set_offline(False)
    expect(bar).to_contain_text("已发送：2")
    j.refresh_from_db()
    assert j.state == State.HANDOVER_OFFERED and j.custodian.code == "c533102-transfer" and j.pending_unit.code == HOTEL
    kinds = list(CustodyEvent.objects.filter(journey=j).order_by("seq").values_list("kind", "unit__code"))[-2:]
    assert kinds == [(EventKind.HANDOVER_ACCEPTED, "c533102-transfer"), (EventKind.HANDOVER_OFFERED, "c533102-transfer")]


def test_a_facility_accepts_offline_and_does_the_first_check_before_any_network(page, sign_in):
    j = offered_to_hotel()
    controlled_field_page(page, sign_in, "ruili_hotel")
    expect(page.locator("#offered-list")).to_contain_text(j.code)  # the pack is kept before the network goes
    expect(page.locator("#offered-list")).to_contain_text(u("c533102-transfer").name + " · 预计")  # who brings them, and when
    page.context.set_offline(True)
    page.reload()
    page.locator("#accept-form input[name=code]").fill(j.code)
    page.locator("#accept-form input[name=room]").fill("15")
    page.locator("#accept-form button[type=submit]").click()
    row = page.locator(f'#people-list li[data-code="{j.code}"]')
    row.locator("input[name=temperature]").fill("36.9")
    row.locator(".check-form button[type=submit]").click()
    bar = page.locator("#syncbar")
    expect(bar).to_contain_text("等待发送：2")
    page.context.set_offline(False)
    expect(bar).to_contain_text("已发送：2")
    j.refresh_from_db()
    assert j.state == State.IN_FACILITY and j.room == "15"
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK, unit__code=HOTEL).count() == 1
