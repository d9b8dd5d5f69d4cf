"""Field work without a network, in Chromium with the network cut (Playwright's offline mode).

The page is opened once online (the service worker keeps it and the role's data goes into
IndexedDB), then the network is cut: the page still opens, records queue with their own key and
time, and arrive exactly once when the network is back."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest
from playwright.sync_api import expect

from guomen.loop.models import CustodyEvent, EventKind, Journey
from guomen.loop.tests.test_offline_rules import at_home
from guomen.people.models import Person
from guomen.shell import offline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def until(page, js: str, arg=None, timeout: float = 15.0):
    """Poll ``js`` (a function) in the page until it answers true. (``wait_for_function`` evaluates
    a string in the page, which the strict Content-Security-Policy refuses, as it should.)"""
    end = time.monotonic() + timeout
    while not page.evaluate(js, arg):
        assert time.monotonic() < end, f"never true: {js}"
        page.wait_for_timeout(100)


def controlled_field_page(page, sign_in, username):
    """Signed in, the field page open and controlled by the service worker, which has kept it."""
    sign_in(username)
    page.goto(page.base_url + "/field/")
    until(page, "async () => { await navigator.serviceWorker.ready; return true; }", timeout=30)
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()
    until(page, "() => navigator.serviceWorker.controller !== null")
    page.reload()  # now through the worker, which keeps the page
    until(
        page,
        "async () => { for (const k of await caches.keys()) { if (await (await caches.open(k)).match('/field/')) return true; } return false; }",
    )
    return page


def queued(page):
    return page.evaluate("() => window.guomenOffline.items()")


def check(page, code, temperature):
    row = page.locator(f'#people-list li[data-code="{code}"]')
    row.locator("input[name=temperature]").fill(temperature)
    row.locator(".check-form button[type=submit]").click()


def test_a_grid_worker_offline_does_three_checks_and_records_a_returnee_and_each_arrives_once_with_its_time(page, sign_in):
    people = [at_home(), at_home(), at_home()]
    controlled_field_page(page, sign_in, "ruili_grid")
    for j in people:
        expect(page.locator(f'#people-list li[data-code="{j.code}"]')).to_be_visible()

    page.context.set_offline(True)
    page.reload()  # the page opens without a network, drawn from what the phone kept
    expect(page.locator("#pack-note")).to_contain_text("本机为您的岗位保存的数据")
    for j, t in zip(people, ("36.5", "36.8", "36.4"), strict=True):
        check(page, j.code, t)
    page.locator("#returnee-form input[name=name]").fill("岩温")
    page.locator("#returnee-form input[name=phone]").fill("13800000000")
    page.locator("#returnee-form button[type=submit]").click()
    bar = page.locator("#syncbar")
    expect(bar).to_contain_text("无网络")
    expect(bar).to_contain_text("等待发送：4")
    items = queued(page)
    assert [i["kind"] for i in items] == ["health_check"] * 3 + ["returnee"]
    assert len({i["key"] for i in items}) == 4
    assert not CustodyEvent.objects.filter(journey__in=people, kind=EventKind.HEALTH_CHECK).exists()  # nothing left the phone
    page.wait_for_timeout(1500)  # the records are older than their arrival

    page.context.set_offline(False)
    expect(bar).to_contain_text("已发送：4")
    expect(bar).not_to_contain_text("等待发送")
    assert queued(page) == []
    for j, item in zip(people, items[:3], strict=True):
        e = CustodyEvent.objects.get(journey=j, kind=EventKind.HEALTH_CHECK)
        assert e.occurred_at == datetime.fromisoformat(item["occurred_at"]) and e.recorded_at > e.occurred_at
    person = Person.objects.get(name_native="岩温")
    journey = Journey.objects.get(person=person)
    assert journey.opened_at == datetime.fromisoformat(items[3]["occurred_at"])

    # The same queue replayed (a phone restored from a backup, a double tap): nothing changes.
    events = CustodyEvent.objects.count()
    page.evaluate(
        "async (items) => { for (const i of items) await window.guomenOffline.put(i); await window.guomenOffline.sync(); }", items
    )
    expect(bar).to_contain_text("已发送：8")
    assert queued(page) == []
    assert CustodyEvent.objects.count() == events and Person.objects.filter(name_native="岩温").count() == 1


def test_a_refused_record_stays_with_its_reason_until_dismissed(page, sign_in):
    j = at_home()
    controlled_field_page(page, sign_in, "ruili_grid")
    expect(page.locator(f'#people-list li[data-code="{j.code}"]')).to_be_visible()
    page.context.set_offline(True)
    check(page, j.code, "36.6")
    expect(page.locator("#syncbar")).to_contain_text("等待发送：1")
    page.evaluate(
        "async (code) => { await window.guomenOffline.put({key: 'old-1', kind: 'health_check', user: document.getElementById('syncbar').dataset.user,"
        " occurred_at: new Date(Date.now() - 5 * 86400000).toISOString(), made: 0, n: 0, status: 'waiting', label: '检测：旧记录',"
        " payload: {journey: code, temperature: 36.5, symptoms: []}}); }",
        j.code,
    )
    page.context.set_offline(False)
    bar = page.locator("#syncbar")
    expect(bar).to_contain_text("已发送：1")
    refused = bar.locator('.sync-refused li[data-code="time_too_old"]')
    expect(refused).to_contain_text("72 小时")
    page.reload()
    expect(refused).to_be_visible()  # it stays until the user acts
    refused.locator(".sync-dismiss").click()
    expect(bar.locator(".sync-refused li")).to_have_count(0)
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).count() == 1


def test_a_redraw_of_the_people_list_keeps_what_the_user_is_typing(page, sign_in):
    j = at_home()
    controlled_field_page(page, sign_in, "ruili_grid")
    row = page.locator(f'#people-list li[data-code="{j.code}"]')
    row.locator("input[name=temperature]").fill("37.2")
    row.locator("input[name=cough]").check()
    with page.expect_response(re.compile(r".*/api/sync/pack$")):  # the pack refreshed, as after a sync
        page.evaluate("document.dispatchEvent(new Event('guomen:synced'))")
    page.wait_for_timeout(300)  # the redraw follows the response
    expect(row.locator("input[name=temperature]")).to_have_value("37.2")
    expect(row.locator("input[name=cough]")).to_be_checked()
    expect(page.locator("#people-list li")).to_have_count(page.evaluate("window.guomenOffline.kept('pack').then((p) => p.custody.length)"))


def test_a_service_worker_update_keeps_the_queue(page, sign_in, monkeypatch):
    j = at_home()
    controlled_field_page(page, sign_in, "ruili_grid")
    first = page.evaluate("caches.keys()")
    page.route(re.compile(r".*/api/sync$"), lambda route: route.abort())  # the server out of reach
    check(page, j.code, "36.7")
    expect(page.locator("#syncbar")).to_contain_text("等待发送：1")

    monkeypatch.setattr(offline, "RELEASE", "next release")
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    until(page, "(first) => caches.keys().then((ks) => ks.length === 1 && !first.includes(ks[0]))", first)
    page.reload()
    expect(page.locator("#syncbar")).to_contain_text("等待发送：1")
    assert len(queued(page)) == 1

    page.unroute(re.compile(r".*/api/sync$"))
    page.locator("#syncbar .sync-now").click()
    expect(page.locator("#syncbar")).to_contain_text("已发送：1")
    assert CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).count() == 1


def test_sign_out_clears_what_the_role_kept(page, sign_in):
    at_home()
    controlled_field_page(page, sign_in, "ruili_grid")
    until(page, "() => window.guomenOffline.kept('pack').then((p) => p !== null)")  # downloaded for the role
    page.locator("details.menu.user summary").click()
    page.locator("details.menu.user button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/login/.*"))
    left = page.evaluate(
        "() => new Promise((ok) => { const r = indexedDB.open('guomen-field'); r.onsuccess = () => {"
        " const tx = r.result.transaction('kept'); const q = tx.objectStore('kept').count(); q.onsuccess = () => ok(q.result); }; })"
    )
    assert left == 0


def test_patrol_check_ins_made_offline_then_synced_give_the_same_coverage_as_online(page, sign_in):
    from datetime import timedelta

    from django.utils import timezone

    from guomen.duty import services as duty
    from guomen.duty.tests.helpers import straight_segment, track_along, unit
    from guomen.duty.tests.helpers import who as duty_who

    def walk(seg):
        start = timezone.now() - timedelta(minutes=30)
        p = duty.patrol_plan(
            actor=duty_who("ruili"),
            team=unit(),
            leader=duty_who("ruili_patrol"),
            segments=[seg],
            window_start=start,
            window_end=start + timedelta(hours=6),
        )
        duty.patrol_start(actor=duty_who("ruili_patrol"), patrol=p)
        return p

    seg_a, seg_b = straight_segment(km=3), straight_segment(km=3)
    online, offline_walk = walk(seg_a), walk(seg_b)
    page.context.grant_permissions(["geolocation"], origin=page.base_url)
    controlled_field_page(page, sign_in, "ruili_patrol")
    select = page.locator("#checkin-form select[name=patrol]")

    def check_in_along(patrol, seg, done):
        select.select_option(str(patrol.public_id))
        for n, (_at, lat, lon) in enumerate(track_along(seg, 0.6, timezone.now(), step_m=300), start=1):
            page.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 8})
            page.locator("#checkin-form button[type=submit]").click()
            end = time.monotonic() + 15
            while done() < n:  # each check-in taken (sent, or kept) before the next step
                assert time.monotonic() < end, page.locator("#syncbar").inner_text()
                page.wait_for_timeout(100)

    sent = lambda: int(page.locator("#syncbar").get_attribute("data-sent-count") or 0)  # noqa: E731
    check_in_along(online, seg_a, sent)  # online: each is sent as it is made
    page.context.set_offline(True)
    check_in_along(offline_walk, seg_b, lambda: len(queued(page)))
    assert offline_walk.points.count() == 0
    n = len(queued(page))
    assert n >= 5
    page.context.set_offline(False)
    until(page, "(n) => document.getElementById('syncbar').dataset.sentCount === String(n)", 2 * n)
    a, b = online.coverage.get(segment=seg_a), offline_walk.coverage.get(segment=seg_b)
    assert offline_walk.points.count() == online.points.count() == n
    assert b.share == pytest.approx(a.share, abs=1e-6) and b.share == pytest.approx(0.6, abs=0.1)
