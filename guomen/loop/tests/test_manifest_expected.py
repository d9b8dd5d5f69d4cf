"""An expected arrival years in the past (a stale list, a mistyped year) or far ahead is refused with
its reason, in the user's language, on every way a declaration comes in: the manifest page, the
batch import, one row at a time, the one-declaration API and a partner's signed manifest."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from guomen.lib.errors import DomainError
from guomen.loop import services as s
from guomen.loop.manifest import check_row, import_row, manifest_import
from guomen.loop.models import Journey
from guomen.loop.tests.factories import ahead, person, u, who

pytestmark = pytest.mark.django_db

HEADER = "name_native,nationality,document_kind,document_number,expected_at"


def day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def csv_of(*rows: tuple[str, str]) -> bytes:
    """Rows of (document number, expected arrival)."""
    return ("\n".join([HEADER, *(f"岩温,MMR,passport,{n},{at}" for n, at in rows)]) + "\n").encode()


def run(content: bytes):
    return manifest_import(actor=who("mohan_port"), port_unit=u("port-mohan"), file_name="m.csv", content=content)


def test_a_row_expected_years_ago_or_years_ahead_is_refused_and_the_good_rows_are_taken(world):
    report = run(
        csv_of(
            ("MX1234567", f"{ahead()} 10:30"),
            ("MX2234567", "2019-04-02 10:30"),
            ("MX3234567", f"{day(800)} 10:30"),
            ("MX4234567", f"{day(-2)} 08:00"),
        )
    )
    assert [t["row"] for t in report.taken] == [2, 5]
    assert [(r["row"], r["code"], r["field"]) for r in report.rejected] == [
        (3, "expected_at_past", "expected_at"),
        (4, "expected_at_ahead", "expected_at"),
    ]
    assert "2019-04-02 10:30" in report.rejected[0]["reason"] and "30" in report.rejected[0]["reason"]
    assert Journey.objects.filter(custodian__code="port-mohan").count() == 2


def test_the_reason_is_in_the_users_language(world):
    rec = {
        "name_native": "岩温",
        "nationality": "MMR",
        "document_kind": "passport",
        "document_number": "MX9234567",
        "expected_at": "2019-04-02",
    }
    with translation.override("zh-hans"), pytest.raises(DomainError) as zh:
        check_row(rec, lambda _c: None)
    with translation.override("en"), pytest.raises(DomainError) as en:
        check_row({**rec, "expected_at": day(500)}, lambda _c: None)
    assert "过早" in zh.value.message and "30 天前" in zh.value.message
    assert "too far ahead" in en.value.message and "365 days" in en.value.message


def test_the_bounds_come_from_the_settings(world):
    long_ago = (("MY1234567", f"{day(-300)} 10:00"),)
    assert run(csv_of(*long_ago)).rejected[0]["code"] == "expected_at_past"
    with override_settings(GUOMEN_EXPECTED_PAST_DAYS=400, GUOMEN_EXPECTED_AHEAD_DAYS=30):
        assert run(csv_of(*long_ago)).n_taken == 1
        assert run(csv_of(("MY2234567", f"{day(60)} 10:00"))).rejected[0]["code"] == "expected_at_ahead"


def test_one_row_at_a_time_refuses_it_before_registering_anyone(world):
    from guomen.people.models import Person

    people = Person.objects.count()
    rec = {
        "name_native": "岩温",
        "nationality": "MMR",
        "document_kind": "passport",
        "document_number": "MZ1234567",
        "expected_at": "2018-01-01 09:00",
    }
    with pytest.raises(DomainError) as e:
        import_row(who("mohan_port"), u("port-mohan"), rec, "m.csv #2", 2)
    assert e.value.code == "expected_at_past" and Person.objects.count() == people


def test_the_declaration_service_refuses_it(world):
    old = timezone.now() - timedelta(days=3 * 365)
    with pytest.raises(DomainError) as e:
        s.journey_declare(actor=who("ruili_port"), port_unit=u("port-ruili"), person=person(), expected_at=old)
    assert e.value.code == "expected_at_past" and e.value.status == 422
    assert not Journey.objects.filter(custodian__code="port-ruili", state="declared").exists()


@pytest.mark.parametrize(("lang", "words"), [("en", "too far in the past"), ("zh-hans", "过早")])
def test_the_declaration_api_answers_422_with_the_reason(api_as, lang, words):
    body = {"port_unit": "port-ruili", "person": str(person().public_id), "expected_at": "2021-04-02T10:00:00+08:00"}
    r = api_as("ruili_port").post(
        "/api/loop/declarations", data=json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "expected_at_past"
    assert words in r.json()["error"]["message"]
    assert not Journey.objects.filter(custodian__code="port-ruili", state="declared").exists()


@pytest.mark.parametrize(("lang", "words"), [("en", "too far in the past"), ("zh-hans", "过早")])
def test_the_manifest_page_lists_the_row_with_its_reason(client_as, lang, words):
    c = client_as("mohan_port")
    content = csv_of(("MP1234567", f"{ahead()} 10:30"), ("MP2234567", "2020-04-02 10:30"))
    r = c.post(reverse("loop:manifest"), {"file": SimpleUploadedFile("m.csv", content)}, HTTP_ACCEPT_LANGUAGE=lang)
    page = r.content.decode()
    assert r.status_code == 200 and words in page and "2020-04-02 10:30" in page
    assert Journey.objects.filter(custodian__code="port-mohan").count() == 1


def test_a_partners_manifest_row_expected_long_ago_is_refused(world):
    from guomen.exchange import signing
    from guomen.exchange.tests.helpers import message, partner, post

    _p, private = partner()
    rows = [
        {
            "name_native": "အောင်ကျော်",
            "nationality": "MMR",
            "document_kind": "passport",
            "document_number": "MB1234567",
            "expected_at": f"{ahead()}T10:00:00+08:00",
        },
        {
            "name_native": "မမ",
            "nationality": "MMR",
            "document_kind": "passport",
            "document_number": "MB2234567",
            "expected_at": "2020-04-02T10:00:00+08:00",
        },
    ]
    status, ack = post(signing.sign(private, message("manifest", {"ref": str(uuid.uuid4()), "port": "port-ruili", "rows": rows})))
    outcomes = ack["message"]["body"]["result"]["outcomes"]
    assert status == 200 and [o["outcome"] for o in outcomes] == ["declared", "rejected"]
    assert outcomes[1]["code"] == "expected_at_past"
