"""zh-Hans labels say what they mean where the same English word means two things (pgettext
contexts), and the manifest report names its fields for people, not by their keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db
AHEAD = (timezone.localdate() + timedelta(days=3)).isoformat()  # the day of an expected arrival a few days from now

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_patrol_log_category_is_a_log_category_not_a_person_category(client_as):
    body = client_as("ruili_patrol").get("/duty/", **ZH).content.decode()
    assert "<label>类别<select" in body
    assert "人员类别" not in body


def test_a_person_s_name_is_labelled_xingming(client_as):
    search = client_as("ruili_port").get("/people/?q=a", **ZH).content.decode()
    assert "<th>姓名</th>" in search
    returnee = client_as("ruili_grid").get("/places/returnees/new/", **ZH).content.decode()
    assert "姓名" in returnee
    assert ">名称<" not in returnee


def test_situation_report_labels_its_date_as_a_date(monkeypatch, user):
    import weasyprint

    from guomen.command import queries
    from guomen.command.views import sitrep_pdf_bytes
    from guomen.org.scoping import Scope
    from guomen.places.models import Jurisdiction

    seen: list[str] = []

    class FakeHTML:
        def __init__(self, string: str):
            seen.append(string)

        def write_pdf(self) -> bytes:
            return b"%PDF"

    monkeypatch.setattr(weasyprint, "HTML", FakeHTML)
    node = Jurisdiction.objects.get(code="533102")
    sitrep_pdf_bytes(Scope.of(user("ruili")), node, queries.parse_day(None), "zh-hans")
    assert "日期: " in seen[0] or "日期：" in seen[0]
    assert "天数" not in seen[0]


def test_reports_page_day_field_is_a_date(client_as):
    body = client_as("ruili").get("/command/reports/", **ZH).content.decode()
    assert ">日期</label>" in body


def test_manifest_report_names_fields_for_people(client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = f"name_native,nationality,document_kind,document_number,expected_at\n张三,MMR,passport,,{AHEAD} 10:30\n李四,MMR,passport,AB\x01C,{AHEAD} 10:30\n"
    r = client_as("ruili_port").post(
        "/loop/port/manifest/", {"file": SimpleUploadedFile("m.csv", csv.encode(), content_type="text/csv")}, **ZH
    )
    body = r.content.decode()
    report = body.split('id="manifest-report"', 1)[-1] if 'id="manifest-report"' in body else body.split("<main", 1)[-1]
    assert "证件号码" in report
    for key in ("document_number", "(number)"):
        assert key not in report


def test_every_manifest_column_has_a_label():
    from guomen.loop.manifest import COLUMNS
    from guomen.loop.manifest_labels import LABELS

    assert set(COLUMNS.values()) <= set(LABELS)
