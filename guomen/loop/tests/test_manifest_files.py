"""The manifest template (CSV and XLSX, Chinese or English headers) is what the import reads, and
the refused rows come back as a file to correct and import again."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from guomen.loop.manifest import manifest_import
from guomen.loop.manifest_files import FIELDS
from guomen.loop.models import Journey, State
from guomen.loop.tests.factories import ahead, u, who

pytestmark = pytest.mark.django_db
AHEAD = ahead()  # the day of an expected arrival a few days from now

ROW = {
    "name_native": "ສົມພອນ",
    "nationality": "LAO",
    "document_kind": "passport",
    "document_number": "PM424242",
    "expected_at": f"{AHEAD} 10:30",
}


def fill(headers: list[str], rows: list[dict[str, str]]) -> list[list[str]]:
    return [headers, *[[r.get(k, "") for k in FIELDS] for r in rows]]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_filled_template_imports_in_either_language_and_format(client_as, fmt, lang):
    c = client_as("mohan_port")
    r = c.get(reverse("loop:manifest_template", args=[fmt]) + f"?lang={lang}")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    if fmt == "csv":
        headers = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        out = io.StringIO()
        csv.writer(out).writerows(fill(headers, [ROW]))
        content = out.getvalue().encode()
    else:
        wb = load_workbook(io.BytesIO(r.content))
        headers = [c.value for c in wb.worksheets[0][1]]
        assert wb.worksheets[0].max_row == 1  # the example sits on the second sheet, which is not imported
        filled = Workbook()
        for row in fill(headers, [ROW]):
            filled.active.append(row)
        buf = io.BytesIO()
        filled.save(buf)
        content = buf.getvalue()
    assert ("姓名" in headers) == (lang == "zh-hans") and ("name_native" in headers) == (lang == "en")
    report = manifest_import(actor=who("mohan_port"), port_unit=u("port-mohan"), file_name=f"m.{fmt}", content=content)
    assert len(report.taken) == 1 and not report.rejected


def test_the_refused_rows_download_with_their_reason_and_import_once_corrected(client_as):
    c = client_as("mohan_port")
    assert c.get(reverse("loop:manifest_refused")).status_code == 404  # nothing imported yet
    bad = {**ROW, "document_number": "PM515151", "expected_at": "next week"}
    out = io.StringIO()
    csv.writer(out).writerows(fill(list(FIELDS), [ROW, bad]))
    r = c.post(reverse("loop:manifest"), {"file": SimpleUploadedFile("lao.csv", out.getvalue().encode())})
    assert 'id="manifest-refused-download"' in r.content.decode()
    r = c.get(reverse("loop:manifest_refused"))
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and "PM515151" in rows[1] and "next week" in rows[1] and rows[1][-2] == "3"
    assert rows[1][-1]  # the reason
    # corrected in the same file, imported again: the row is taken; the extra columns are ignored
    rows[1][rows[0].index("预计入境时间" if "预计入境时间" in rows[0] else "expected_at")] = f"{AHEAD} 12:00"
    fixed = io.StringIO()
    csv.writer(fixed).writerows(rows)
    c.post(reverse("loop:manifest"), {"file": SimpleUploadedFile("lao-fixed.csv", fixed.getvalue().encode())})
    assert Journey.objects.filter(state=State.DECLARED, custodian__code="port-mohan", person__name_native="ສົມພອນ").count() == 2


def test_the_downloads_are_for_port_officers(client_as):
    assert client_as("mengla_hotel").get(reverse("loop:manifest_template", args=["csv"])).status_code == 403
    assert client_as("mohan_port").get(reverse("loop:manifest_template", args=["pdf"])).status_code == 404
