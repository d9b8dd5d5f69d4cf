"""The port desk's manifest page: a CSV/XLSX upload declares the valid rows, lists the refused ones
with their row and reason, and uploading the same file again changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from guomen.loop.models import CustodyEvent, Journey, State
from guomen.loop.tests.factories import ahead

pytestmark = pytest.mark.django_db
AHEAD = ahead()  # the day of an expected arrival a few days from now

HEADER = ["姓名", "英文名", "性别", "国籍", "证件类型", "证件号码", "预计入境时间", "出发地", "风险等级"]
ROWS = [
    ("ສົມພອນ", "Somphone", "男", "LAO", "passport", "PM123456", f"{AHEAD} 10:30", "Boten", "中"),
    ("ບຸນມີ", "Bounmy", "女", "LAO", "passport", "PM765432", f"{AHEAD} 11:00", "Boten", "低"),
    ("", "Nobody", "男", "LAO", "passport", "PM111111", f"{AHEAD} 11:00", "Boten", "低"),
    ("Khamphan", "Khamphan", "男", "LAO", "passport", "PM333333", "next week", "Boten", "低"),
]


def csv_bytes(rows=ROWS) -> bytes:
    return ("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n").encode("utf-8")


def xlsx_bytes(rows=ROWS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, name, content):
    return client.post(reverse("loop:manifest"), {"file": SimpleUploadedFile(name, content)})


def mohan_declared():
    return set(Journey.objects.filter(state=State.DECLARED, custodian__code="port-mohan").values_list("code", flat=True))


def test_the_port_desk_links_to_the_manifest_page_which_shows_the_upload_form(client_as):
    c = client_as("mohan_port")
    desk = c.get(reverse("loop:port")).content.decode()
    assert reverse("loop:manifest") in desk
    r = c.get(reverse("loop:manifest"))
    assert r.status_code == 200
    body = r.content.decode()
    assert 'enctype="multipart/form-data"' in body and 'type="file"' in body and "磨憨" in body


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_upload_declares_valid_rows_lists_refused_ones_and_reupload_changes_nothing(client_as, kind):
    c = client_as("mohan_port")
    content = csv_bytes() if kind == "csv" else xlsx_bytes()
    r = upload(c, f"lao.{kind}", content)
    assert r.status_code == 200
    body = r.content.decode()
    declared = mohan_declared()
    assert len(declared) == 2
    for code in declared:
        assert code in body  # each taken row shows its loop code, linked to the journey
        assert reverse("loop:journey", args=[code]) in body
    assert 'id="manifest-taken-n">2<' in body and 'id="manifest-rejected-n">2<' in body
    rejected = body.split('id="manifest-rejected"')[1]
    assert "<td>4</td>" in rejected and "<td>5</td>" in rejected  # row numbers (row 1 is the header)
    assert "姓名" in rejected or "name_native" in rejected  # the empty required column is named

    events = CustodyEvent.objects.count()
    again = upload(c, f"lao.{kind}", content).content.decode()
    assert 'id="manifest-taken-n">0<' in again and 'id="manifest-unchanged-n">2<' in again
    assert 'id="manifest-rejected-n">2<' in again
    assert CustodyEvent.objects.count() == events
    assert mohan_declared() == declared


def test_a_file_of_another_kind_or_without_the_needed_columns_is_refused_whole(client_as):
    c = client_as("mohan_port")
    r = upload(c, "lao.txt", csv_bytes())
    assert r.status_code == 422 and 'id="manifest-error"' in r.content.decode()
    r = upload(c, "bad.csv", b"name,phone\nA,1\n")
    assert r.status_code == 422 and "expected_at" in r.content.decode()
    r = c.post(reverse("loop:manifest"), {})
    assert r.status_code == 422
    assert not Journey.objects.filter(custodian__code="port-mohan").exists()


def test_the_manifest_page_is_for_port_officers_only(client_as):
    r = client_as("mengla_hotel").get(reverse("loop:manifest"))
    assert r.status_code == 403
    r = client_as("mengla_hotel").post(reverse("loop:manifest"), {"file": SimpleUploadedFile("lao.csv", csv_bytes())})
    assert r.status_code == 403
    assert not Journey.objects.filter(custodian__code="port-mohan").exists()


def test_the_page_speaks_the_users_language(client_as):
    c = client_as("mohan_port")
    zh = c.get(reverse("loop:manifest"), HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "导入" in zh
