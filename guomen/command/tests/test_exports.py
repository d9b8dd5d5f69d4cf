"""Every list exports as CSV and XLSX, scoped and masked as on screen; the situation report is a PDF in both languages."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from guomen.command.lists import mask_name

pytestmark = pytest.mark.django_db


def test_mask_name_keeps_only_initials():
    assert mask_name("王芳芳") == "王**"
    assert mask_name("Aung Kyaw") == "A*** K***"
    assert mask_name("") == ""


def test_csv_export_is_scoped_and_masked(day_of_loop, client_as):
    r = client_as("ruili").get("/command/list/journeys/?format=csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 1 + 8
    for j in day_of_loop["ruili"]:
        assert j.code in text
        assert j.person.name_native not in text
    assert "王**" in text
    for j in day_of_loop["mengla"]:
        assert j.code not in text


def test_xlsx_export_is_scoped_and_masked(day_of_loop, client_as):
    r = client_as("ruili").get("/command/list/arrivals/?format=xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    body = rows[2:]
    assert len(body) == 8
    flat = " ".join(str(c) for row in rows for c in row if c is not None)
    assert all(j.person.name_native not in flat for j in day_of_loop["ruili"])
    assert all(j.code not in flat for j in day_of_loop["mengla"])


def test_export_strips_control_characters(world, client_as):
    from datetime import timedelta

    from django.utils import timezone

    from guomen.command import services
    from guomen.command.models import DispatchTask
    from guomen.loop.tests.factories import u, who

    # The cleaner refuses such text now; a row stored before it did (or written by a migration) is still exported cleanly.
    t = services.task_create(actor=who("ruili"), unit=u("c533102-hotel1"), title="查房间", due_at=timezone.now() + timedelta(hours=2))
    DispatchTask.objects.filter(pk=t.pk).update(title="查\x07房\x1b间")
    r = client_as("ruili").get("/command/list/tasks/?format=xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert "查房间" in [c for row in ws.iter_rows(values_only=True) for c in row]


def test_every_list_exports_in_both_formats(day_of_loop, client_as):
    c = client_as("dehong")
    for key in ["journeys", "arrivals", "quarantine", "handovers", "alerts", "positives", "segments", "tasks", "reports"]:
        assert c.get(f"/command/list/{key}/").status_code == 200, key
        assert c.get(f"/command/list/{key}/?format=csv").status_code == 200, key
        assert c.get(f"/command/list/{key}/?format=xlsx").content[:2] == b"PK", key
    assert c.get("/command/list/nothing/").status_code == 404


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_situation_report_is_a_pdf_with_the_chinese_font_embedded(day_of_loop, client_as, lang):
    r = client_as("ruili").get(f"/command/sitrep.pdf?lang={lang}")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    blob = _inflated(r.content)
    assert b"Noto-Sans-CJK-SC" in blob  # the CJK font is embedded…
    if lang == "zh-hans":
        assert b"745e" in blob.lower()  # …with 瑞 (U+745E, of 瑞丽市) mapped in its ToUnicode table


def _inflated(pdf: bytes) -> bytes:
    """The PDF's streams, decompressed (fonts and their character maps sit in compressed streams)."""
    import contextlib
    import re
    import zlib

    out = [pdf]
    for m in re.finditer(rb"stream\r?\n", pdf):
        with contextlib.suppress(zlib.error):
            out.append(zlib.decompressobj().decompress(pdf[m.end() : m.end() + 500000]))
    return b"".join(out)
