"""A whole day at Mohan port (磨憨口岸, Mengla county, Xishuangbanna prefecture) in Chromium.

A manifest from the Lao side declares four travellers; they arrive and are screened at the port
desk; one has fever and goes to the county's designated hospital; the others are offered to the
quarantine hotel through the transfer team. The team takes two of them to the hotel; the third
handover is never accepted, its alert rises to the county command and then to the prefecture.
The county command follows each step on its dashboard, dispatches a task from the alert, and the
transfer team closes the task and picks the person up, which closes the alert.

The clock is moved to 08:00 of the next day (time_machine also moves the live server's thread) so
that "today" has room for the day; the worker's sweep and escalation run with ``now=`` given.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from guomen.alerts.models import Alert, AlertLevel
from guomen.alerts.services import level_code
from guomen.command.models import DispatchTask
from guomen.loop import services as s
from guomen.loop.models import Journey, State
from guomen.loop.tests.factories import u
from guomen.org.demo import DEMO_PASSWORD
from guomen.org.models import Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRAVELLERS = [  # name (Lao), name (Latin), sex, passport, expected at (local time, today)
    ("ສົມພອນ ແກ້ວມະນີ", "Somphone Keomany", "男", "PL1000001", "09:00"),
    ("ບຸນມີ ສີສະຫວາດ", "Bounmy Sisavath", "女", "PL1000002", "09:10"),
    ("ຄຳພັນ ວົງສາ", "Khamphan Vongsa", "男", "PL1000003", "09:20"),
    ("ນາງ ວັນນາ", "Vanna Phommachanh", "女", "PL1000004", "09:30"),
]
COUNTY, PREFECTURE = "532823", "532800"


def manifest_csv(day) -> bytes:
    lines = ["姓名,英文名,性别,国籍,证件类型,证件号码,预计入境时间,出发地,风险等级"]
    for native, latin, sex, number, at in TRAVELLERS:
        lines.append(f"{native},{latin},{sex},LAO,passport,{number},{day.isoformat()} {at},Boten 磨丁,中")
    return ("\n".join(lines) + "\n").encode("utf-8")


def open_as(chromium, base, username):
    """Another person at another desk: their own browser context, signed in."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.goto(base + "/login/")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", DEMO_PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url(base + "/")
    return context, pg


def figures(pg, base, j, expected: dict[str, int]):
    pg.goto(base + f"/command/?j={j}")
    for fid, n in expected.items():
        expect(pg.locator(f"#{fid}")).to_have_attribute("data-n", str(n))


def level_badge(pg, level: int, n: int):
    expect(pg.locator(f"#fig-alerts-level-{level}")).to_contain_text(f": {n}")


def test_a_whole_day_at_mohan_port_from_the_lao_manifest_to_a_closed_dispatch_task(page, sign_in, chromium):
    base = page.base_url
    tz = timezone.get_current_timezone()
    day = timezone.localdate() + timedelta(days=1)
    contexts = []
    with time_machine.travel(datetime.combine(day, time(8, 0), tzinfo=tz), tick=True):
        # --- 08:00 the port imports the Lao side's manifest on the upload page ---
        sign_in("mohan_port")
        page.goto(base + "/loop/port/")
        page.locator("#manifest-link").click()
        page.locator("#id_file").set_input_files(files=[{"name": "lao-manifest.csv", "mimeType": "text/csv", "buffer": manifest_csv(day)}])
        page.locator("#manifest-form button[type=submit]").click()
        expect(page.locator("#manifest-taken-n")).to_have_text("4")
        expect(page.locator("#manifest-rejected-n")).to_have_text("0")
        codes = {
            j.person.name_latin.split()[0]: j.code
            for j in Journey.objects.filter(custodian__code="port-mohan", state=State.DECLARED).select_related("person")
        }
        assert len(codes) == 4
        for code in codes.values():
            expect(page.locator("#manifest-taken")).to_contain_text(code)

        mengla_ctx, mengla = open_as(chromium, base, "mengla")
        contexts.append(mengla_ctx)
        figures(mengla, base, COUNTY, {"fig-state-declared": 4, "fig-state-at_gate": 0, "fig-alerts-total": 0})

        # --- the travellers arrive: the port desk lists them as expected today; each is screened ---
        fever, hotel_bound = codes["Somphone"], [codes["Bounmy"], codes["Khamphan"], codes["Vanna"]]
        page.goto(base + "/loop/port/")
        for code in codes.values():
            expect(page.locator("#expected")).to_contain_text(code)
        for code in codes.values():
            page.goto(base + "/loop/port/")
            page.locator("#expected .item", has_text=code).locator("button[type=submit]").click()
            page.locator("#confirm button[type=submit]").click()  # arrival is asked once more
            page.wait_for_url(base + f"/loop/j/{code}/")
            page.locator("#document button[type=submit]").click()
            expect(page.locator("#findings")).to_be_visible()
            page.fill("#screen input[name=temperature]", "38.6" if code == fever else "36.5")
            page.locator("#screen button[type=submit]").click()
            expect(page.locator("#timeline li")).to_have_count(4)  # declared, arrived, document, screened
        figures(mengla, base, COUNTY, {"fig-state-declared": 0, "fig-state-at_gate": 4, "fig-arrivals-total": 4})

        # --- fever: to the county's designated hospital; the others: to the hotel via the transfer team ---
        page.goto(base + f"/loop/j/{fever}/")
        page.select_option("#dispose select[name=disposition]", "hospital")
        page.select_option("#dispose select[name=to_unit]", "c532823-hospital")
        page.locator("#dispose button[type=submit]").click()
        expect(page.locator("#status")).to_contain_text(u("c532823-hospital").name_zh)
        for code in hotel_bound:
            page.goto(base + f"/loop/j/{code}/")
            page.select_option("#dispose select[name=disposition]", "quarantine")
            page.select_option("#dispose select[name=to_unit]", "c532823-hotel1")
            page.fill("#dispose input[name=via_unit]", "c532823-transfer")
            page.locator("#dispose button[type=submit]").click()
            expect(page.locator("#status")).to_contain_text(u("c532823-transfer").name_zh)
        page.goto(base + "/loop/port/")
        expect(page.locator("#handed .item")).to_have_count(4)
        figures(mengla, base, COUNTY, {"fig-state-at_gate": 0, "fig-state-handover_offered": 4, "fig-handovers-n": 4})

        # --- the hospital (no demo user there: a staff member is made for the day) takes the feverish one ---
        doctor = get_user_model().objects.create_user("mengla_doctor", password=DEMO_PASSWORD, first_name="勐腊定点医院 医生")
        Membership.objects.create(user=doctor, unit=u("c532823-hospital"), role=Role.HOSPITAL_STAFF)
        s.handover_accept(
            actor=doctor,
            journey=Journey.objects.get(code=fever),
            unit=u("c532823-hospital"),
            card_code=Journey.objects.get(code=fever).code,
        )

        # --- the transfer team takes two of the three (the third is left waiting) to the hotel ---
        team_ctx, team = open_as(chromium, base, "mengla_transfer")
        contexts.append(team_ctx)
        taken, forgotten = hotel_bound[:2], hotel_bound[2]
        for code in taken:
            team.goto(base + "/loop/transfer/")
            team.locator("#offered .item", has_text=code).locator("input[name=card_code]").fill(code)  # the card in hand
            team.locator("#offered .item", has_text=code).locator("button[type=submit]").click()
            expect(team.locator("#transit")).to_contain_text(code)
        for code in taken:
            team.goto(base + "/loop/transfer/")
            item = team.locator("#transit .item", has_text=code)
            expect(item.locator("select[name=to_unit]")).to_have_value("c532823-hotel1")
            item.locator("button[type=submit]").click()
            expect(team.locator("#handed")).to_contain_text(code)
        hotel_ctx, hotel = open_as(chromium, base, "mengla_hotel")
        contexts.append(hotel_ctx)
        for room, code in zip(("201", "202"), taken, strict=True):
            hotel.goto(base + "/loop/facility/")
            item = hotel.locator("#offered .item", has_text=code)
            item.locator("input[name=room]").fill(room)
            item.locator("input[name=card_code]").fill(code)
            item.locator("button[type=submit]").click()
            expect(hotel.locator("#rooms-c532823-hotel1")).to_contain_text(room)
        figures(
            mengla,
            base,
            COUNTY,
            {"fig-state-in_facility": 2, "fig-state-in_hospital": 1, "fig-state-handover_offered": 1, "fig-quarantine-n": 2},
        )

        # --- the forgotten handover passes its due time: the worker's sweep opens an alert at the port ---
        j = Journey.objects.get(code=forgotten)
        assert j.state == State.HANDOVER_OFFERED and j.pending_unit == u("c532823-transfer")
        late = j.due_at + timedelta(minutes=1)
        assert s.sweep(now=late) >= 1
        alert = Alert.objects.get(ref=j.pk, closed_at__isnull=True)
        assert alert.level == AlertLevel.UNIT and alert.unit == u("port-mohan")
        figures(mengla, base, COUNTY, {"fig-alerts-total": Alert.objects.filter(closed_at__isnull=True).count()})
        level_badge(mengla, AlertLevel.UNIT, 1)

        # --- unanswered for 2 h: it rises to the county command ---
        s.escalate(now=alert.opened_at + timedelta(hours=2, minutes=1))
        alert.refresh_from_db()
        assert alert.level == AlertLevel.COUNTY and level_code(alert.unit, alert.level) == COUNTY
        mengla.goto(base + f"/command/?j={COUNTY}")
        level_badge(mengla, AlertLevel.COUNTY, 1)
        level_badge(mengla, AlertLevel.UNIT, 0)

        # --- the county command dispatches a task from the alert to the transfer team ---
        mengla.locator("#fig-alerts-level-1 a").click()
        row = mengla.locator("#list-table tbody tr", has_text=forgotten)
        expect(row).to_have_count(1)
        row.locator("a[href*='/command/tasks/new/']").click()
        expect(mengla.locator("#task-alert")).to_contain_text(forgotten)
        mengla.select_option("#task-unit", "c532823-transfer")
        mengla.fill("#task-details", "接收磨憨口岸待转运人员，送勐腊隔离酒店。")
        mengla.locator("#task-create").click()
        mengla.wait_for_url(re.compile(r".*/command/tasks/[0-9a-f-]{36}/$"))
        task_url = mengla.url
        expect(mengla.locator("#task-unit")).to_contain_text(u("c532823-transfer").name_zh)
        task = DispatchTask.objects.get()
        assert task.alert_id == alert.pk and task.unit == u("c532823-transfer") and task.is_open
        figures(mengla, base, COUNTY, {"fig-dispatch-open": 1})

        # --- still unanswered at 6 h: the alert rises to the prefecture, which sees it ---
        s.escalate(now=alert.opened_at + timedelta(hours=6, minutes=1))
        alert.refresh_from_db()
        assert alert.level == AlertLevel.PREFECTURE and level_code(alert.unit, alert.level) == PREFECTURE
        banna_ctx, banna = open_as(chromium, base, "xishuangbanna")
        contexts.append(banna_ctx)
        banna.goto(base + f"/command/?j={PREFECTURE}")
        level_badge(banna, AlertLevel.PREFECTURE, 1)
        expect(banna.locator(f"#child-{COUNTY}")).to_be_visible()
        banna.goto(base + "/loop/alerts/")  # the old address leads to the inbox
        expect(banna.locator("body")).to_contain_text(forgotten)
        mengla.goto(base + f"/command/?j={COUNTY}")
        level_badge(mengla, AlertLevel.PREFECTURE, 1)  # the county it passed through keeps seeing it

        # --- the transfer team closes the task and picks the person up: the alert closes ---
        team.goto(task_url)
        team.fill("#progress-text", "已到口岸接人，送勐腊隔离酒店。")
        team.locator("#progress-done").click()
        expect(team.locator("#task-state")).to_have_class(re.compile(r"\bok\b"))
        team.goto(base + "/loop/transfer/")
        team.locator("#offered .item", has_text=forgotten).locator("input[name=card_code]").fill(forgotten)
        team.locator("#offered .item", has_text=forgotten).locator("button[type=submit]").click()
        expect(team.locator("#transit")).to_contain_text(forgotten)
        task.refresh_from_db()
        alert.refresh_from_db()
        assert not task.is_open and task.finished_at is not None
        assert alert.closed_at is not None
        figures(mengla, base, COUNTY, {"fig-dispatch-open": 0, "fig-state-in_transit": 1, "fig-state-handover_offered": 0})
        banna.goto(base + f"/command/?j={PREFECTURE}")
        level_badge(banna, AlertLevel.PREFECTURE, 0)

    for c in contexts:
        c.close()
    assert page.console_errors == []
