"""Manifest input that is refused clearly and never half-taken: impossible dates, spreadsheets that
unpack to far more than they weigh, files over the row cap, Chinese-Excel CSV, repeated rows."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from guomen.lib.errors import DomainError
from guomen.loop import manifest
from guomen.loop.manifest import manifest_import
from guomen.loop.models import Journey
from guomen.loop.tests.factories import ahead, u, who

pytestmark = pytest.mark.django_db
AHEAD = ahead()  # the day of an expected arrival a few days from now

HEADER = ["姓名", "英文名", "性别", "国籍", "证件类型", "证件号码", "预计入境时间", "出发地", "风险等级"]
GOOD = ("ສົມພອນ", "Somphone", "男", "LAO", "passport", "PM123456", f"{AHEAD} 10:30", "Boten", "中")
GOOD2 = ("ບຸນມີ", "Bounmy", "女", "LAO", "passport", "PM765432", f"{AHEAD} 11:00", "Boten", "低")


def csv_bytes(rows, encoding="utf-8") -> bytes:
    return ("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n").encode(encoding)


def run(content: bytes, name: str = "m.csv"):
    return manifest_import(actor=who("mohan_port"), port_unit=u("port-mohan"), file_name=name, content=content)


def test_an_impossible_expected_date_is_a_refused_row_and_the_rows_around_it_are_taken(client_as):
    bad = (*GOOD2[:5], "PM999999", "2020-02-30 10:00", "Boten", "低")
    before = Journey.objects.count()
    r = client_as("mohan_port").post(reverse("loop:manifest"), {"file": SimpleUploadedFile("m.csv", csv_bytes([GOOD, bad, GOOD2]))})
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="manifest-taken-n">2<' in body and 'id="manifest-rejected-n">1<' in body
    assert Journey.objects.count() == before + 2


def test_an_impossible_expected_date_is_reported_with_its_row_and_code():
    report = run(csv_bytes([(*GOOD[:6], "2020-02-30 10:00", "Boten", "低")]))
    assert report.taken == [] and [(x["row"], x["code"]) for x in report.rejected] == [(2, "invalid_expected_at")]


def test_a_row_repeated_in_one_manifest_is_a_duplicate_not_unchanged():
    report = run(csv_bytes([GOOD, GOOD2, GOOD]))
    assert [x["row"] for x in report.taken] == [2, 3]
    assert report.unchanged == []
    assert [(x["row"], x["code"]) for x in report.rejected] == [(4, "duplicate_row")]
    assert "2" in report.rejected[0]["reason"]
    again = run(csv_bytes([GOOD, GOOD2, GOOD]))  # a second import of the file: unchanged, and still the duplicate
    assert [x["row"] for x in again.unchanged] == [2, 3] and [x["code"] for x in again.rejected] == ["duplicate_row"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_a_csv_in_utf8_with_or_without_bom_or_in_gb18030_is_read(encoding):
    row = ("王芳", "Wang Fang", "女", "CHN", "passport", "E12345678", f"{AHEAD} 10:30", "畹町", "低")
    report = run(csv_bytes([row], encoding))
    assert len(report.taken) == 1, report.rejected
    assert Journey.objects.get(code=report.taken[0]["journey"]).person.name_native == "王芳"


def test_a_csv_in_another_encoding_is_refused_with_the_encodings_named():
    with pytest.raises(DomainError) as e:
        run(b"\xff\xfe" + "姓名".encode("utf-16-le") + b"\x80\xff")
    assert e.value.code in {"unreadable_file", "missing_columns"}


def _bomb_xlsx(rows: int) -> bytes:
    """A small XLSX whose sheet XML unpacks to far more than the file weighs."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(list(GOOD))
    out = io.BytesIO()
    wb.save(out)
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    filler = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>x</t></is></c></row>' for i in range(3, rows + 3))
    res = io.BytesIO()
    with zipfile.ZipFile(res, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", filler.encode() + b"</sheetData>")
            dst.writestr(info.filename, data)
    return res.getvalue()


def test_an_xlsx_that_unpacks_beyond_the_bound_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(manifest, "MAX_UNPACKED_BYTES", 20 * 1024 * 1024)
    content = _bomb_xlsx(400_000)  # ~0.7 MB that unpacks to ~30 MB
    assert len(content) < 2 * 1024 * 1024
    before = Journey.objects.count()
    started = time.monotonic()
    with pytest.raises(DomainError) as e:
        run(content, "bomb.xlsx")
    assert e.value.code == "file_too_large" and time.monotonic() - started < 2
    assert Journey.objects.count() == before


def test_rows_are_read_as_a_stream_that_stops_at_the_cap(monkeypatch):
    monkeypatch.setattr(manifest, "MAX_ROWS", 3)
    seen = []

    def rows(content):
        yield HEADER
        for i in range(1_000_000):
            seen.append(i)
            yield (*GOOD[:5], f"PM{i:06d}", *GOOD[6:])

    monkeypatch.setattr(manifest, "_csv_rows", rows)
    before = Journey.objects.count()
    with pytest.raises(DomainError) as e:
        run(b"x")
    assert e.value.code == "too_many_rows" and len(seen) == 4
    assert Journey.objects.count() == before


def test_an_xlsx_over_the_row_cap_is_refused_whole(monkeypatch):
    monkeypatch.setattr(manifest, "MAX_ROWS", 3)
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for i in range(5):
        ws.append([*GOOD[:5], f"PM{i:06d}", *GOOD[6:]])
    out = io.BytesIO()
    wb.save(out)
    before = Journey.objects.count()
    with pytest.raises(DomainError) as e:
        run(out.getvalue(), "big.xlsx")
    assert e.value.code == "too_many_rows"
    assert Journey.objects.count() == before


def test_a_broken_xlsx_is_refused_as_unreadable():
    with pytest.raises(DomainError) as e:
        run(b"PK\x03\x04 not really a zip", "broken.xlsx")
    assert e.value.code == "unreadable_file"
