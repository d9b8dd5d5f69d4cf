"""A 40-person bus through the port desk, played in Chromium by an officer with a scanner.

The scanner types a loop code or a passport number and Enter, as USB and phone scanners do; the
officer types the temperatures in the grid (Enter after each; after the last, it records them), decides for the
group and hands it to one transfer team. The test counts the officer's actions — a scan, a value
typed into a field, a key that submits, a click, a choice in a list — and the page round trips,
and adds up simulated officer time: the actions at a desk pace plus the pages' measured time.

    .venv/bin/python -m pytest -p no:cacheprovider -n 0 -s guomen/loop/tests/test_browser_busload.py
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guomen.loop.manifest import manifest_import
from guomen.loop.models import Journey, State
from guomen.loop.tests.factories import u, who

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

N = 40
FEVER = 17  # the one with 38.6 °C
GROUP = "滇N-8866 木姐-瑞丽 bus.csv"
# Seconds an officer spends per action at the desk (the pages' own time is measured, not guessed).
PACE = {"scan": 2.0, "type": 3.0, "click": 2.0, "key": 0.5, "choose": 3.0}


class Officer:
    def __init__(self, page):
        self.page, self.actions, self.keys, self.trips, self.page_seconds = page, {k: 0 for k in PACE}, 0, 0, 0.0

    def count(self, kind: str, keys: int = 0):
        self.actions[kind] += 1
        self.keys += keys

    def submits(self, do):
        start = time.perf_counter()
        with self.page.expect_navigation():
            do()
        self.page.wait_for_load_state("domcontentloaded")
        self.page_seconds += time.perf_counter() - start
        self.trips += 1

    @property
    def total(self) -> int:
        return sum(self.actions.values())

    @property
    def seconds(self) -> float:
        return sum(PACE[k] * n for k, n in self.actions.items()) + self.page_seconds


def manifest() -> tuple[list[str], list[str]]:
    at = timezone.localtime(timezone.now() + timedelta(minutes=20)).strftime("%Y-%m-%d %H:%M")
    rows = ["姓名,国籍,证件类型,证件号码,预计入境时间"] + [f"旅客{i:02d},MMR,passport,MP{510000 + i},{at}" for i in range(N)]
    report = manifest_import(actor=who("ruili_port"), port_unit=u("port-ruili"), file_name=GROUP, content="\n".join(rows).encode())
    assert len(report.taken) == N, report.rejected
    codes = [t["journey"] for t in report.taken]
    return codes, [f"MP{510000 + i}" for i in range(N)]


def test_a_40_person_bus_from_arrival_to_handover_in_at_most_three_actions_per_healthy_traveller(page, sign_in):
    codes, passports = manifest()
    sign_in("ruili_port")
    base = page.base_url
    page.goto(base + "/loop/port/")
    officer = Officer(page)
    officer.count("click")
    officer.submits(lambda: page.locator("#busload-link").click())

    # --- the declared group: chosen once ---
    officer.count("choose")
    page.select_option("#group-form select[name=group]", GROUP)
    officer.count("click")
    officer.submits(lambda: page.locator("#group-form button[type=submit]").click())
    expect(page.locator("#grid tbody tr")).to_have_count(N)

    # --- the scanner: a loop card or a passport, then Enter; the box keeps the focus ---
    for i, code in enumerate(codes):
        box = page.locator("#id_scan")
        expect(box).to_be_focused()
        token = passports[i] if i % 2 else code  # every other traveller shows a passport
        page.keyboard.type(token)
        officer.count("scan", keys=len(token) + 1)
        officer.submits(lambda: page.keyboard.press("Enter"))
    expect(page.locator("#bus-count")).to_contain_text(f"{N}")
    assert Journey.objects.filter(code__in=codes, state=State.AT_GATE).count() == N

    # --- the grid: one temperature per row and Enter (down a row; on the last, records them all) ---
    officer.count("click")
    page.locator("#grid input[inputmode=decimal]").first.click()
    for i in range(N):
        value = "386" if i == FEVER else "365"  # three digits read as 38.6 and 36.5
        page.keyboard.type(value)
        officer.count("type", keys=len(value) + 1)
        if i < N - 1:
            page.keyboard.press("Enter")
    officer.submits(lambda: page.keyboard.press("Enter"))
    expect(page.locator("#split")).to_contain_text(codes[FEVER])

    # --- one decision for the group, to the hotel through one transfer team ---
    officer.count("choose")  # the county's hotels head the destination list
    page.select_option("#dispose select[name=to_unit]", "c533102-hotel1")
    officer.count("type", keys=len("c533102-transfer"))
    page.fill("#dispose input[name=via_unit]", "c533102-transfer")
    officer.count("click")
    officer.submits(lambda: page.locator("#dispose button[type=submit]").click())
    expect(page.locator("#handed")).to_be_visible()

    # --- one sheet of loop cards for the team ---
    officer.count("click")
    officer.submits(lambda: page.locator("#cards-link").click())
    expect(page.locator("#card-sheet .loop-card")).to_have_count(N)

    handed = Journey.objects.filter(code__in=codes, state=State.HANDOVER_OFFERED, pending_unit=u("c533102-transfer")).count()
    fever = Journey.objects.get(code=codes[FEVER])
    assert handed == N - 1
    assert fever.state == State.AT_GATE and fever.facts.get("fever")  # split out: the fever rule sends them to hospital
    healthy = N - 1
    per_traveller = officer.total / healthy
    print(
        f"\nbusload of {N}: {officer.total} actions ({per_traveller:.2f} per healthy traveller), "
        f"{officer.keys} keystrokes, {officer.trips} page round trips taking {officer.page_seconds:.1f} s, "
        f"simulated officer time {officer.seconds / 60:.1f} min"
    )
    assert per_traveller <= 3
    assert officer.seconds < 10 * 60
    assert page.console_errors == []
