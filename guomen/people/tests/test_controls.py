"""The documents control (管住证件): the watch-list and what ``document_findings`` reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from guomen.people.models import DocumentWatch
from guomen.people.services import document_findings, watch_add, watch_deactivate
from guomen.places.models import Jurisdiction

pytestmark = pytest.mark.django_db

TODAY = dt.date(2020, 9, 15)


def kinds(findings):
    return [f.kind for f in findings]


def test_a_watch_listed_document_is_found(register, user):
    entry = watch_add(actor=user("ruili_port"), kind="passport", issuing_country="CHN", number="e1234-5678", reason="stolen", note="报失")
    doc = register(number="E12345678").documents.get()
    findings = document_findings(doc, today=TODAY)
    assert kinds(findings) == ["watchlist_hit"]
    assert findings[0].details == {"watch": str(entry.public_id), "reason": "stolen", "match": "document"}


def test_the_watch_list_keeps_no_number_in_clear(user):
    entry = watch_add(actor=user("mengla"), kind="passport", issuing_country="MMR", number="MA7654321", reason="forged")
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {DocumentWatch._meta.db_table} WHERE id = %s", [entry.pk])  # noqa: S608
        row = " ".join(map(str, cur.fetchone()))
    assert "7654321" not in row and entry.masked == "••••4321"


def test_adding_the_same_number_twice_keeps_one_active_entry_and_deactivation_stops_the_hit(register, user):
    officer = user("mohan_port")
    first = watch_add(actor=officer, kind="passport", issuing_country="CHN", number="E12345678", reason="lost")
    assert watch_add(actor=officer, kind="passport", issuing_country="CHN", number="E12345678", reason="lost") == first
    doc = register(number="E12345678").documents.get()
    watch_deactivate(actor=officer, entry=first)
    assert document_findings(doc, today=TODAY) == []
    again = watch_add(actor=officer, kind="passport", issuing_country="CHN", number="E12345678", reason="revoked")
    assert again.pk != first.pk and kinds(document_findings(doc, today=TODAY)) == ["watchlist_hit"]


@pytest.mark.parametrize("username", ["ruili_hotel", "ruili_grid", "ruili_transfer", "auditor"])
def test_only_command_and_port_officers_keep_the_watch_list(user, username):
    with pytest.raises(PermissionDenied):
        watch_add(actor=user(username), kind="passport", issuing_country="CHN", number="E12345678", reason="lost")


def test_the_same_number_held_by_two_persons_is_flagged_for_both(register):
    a = register(name="王芳", number="MA1234567", kind="passport", country="MMR").documents.get()
    b = register(name="岩罕", number="MA1234567", kind="border_pass", country="MMR").documents.get()
    assert a.person_id != b.person_id
    assert kinds(document_findings(a, today=TODAY)) == ["duplicate_document"]
    fb = document_findings(b, today=TODAY)
    assert kinds(fb) == ["duplicate_document"] and fb[0].details["other_persons"] == [str(a.person.public_id)]


def test_an_expired_document_is_flagged(register):
    doc = register(valid_until=dt.date(2020, 9, 14)).documents.get()
    assert kinds(document_findings(doc, today=TODAY)) == ["expired"]
    assert document_findings(doc, today=dt.date(2020, 9, 14)) == []


def test_a_border_pass_outside_its_county_is_flagged_and_inside_it_is_not(register):
    mengla = Jurisdiction.objects.get(code="532823")
    ruili = Jurisdiction.objects.get(code="533102")
    village = Jurisdiction.objects.filter(path__startswith=mengla.path, level="village").first()
    doc = register(kind="border_pass", number="BP0012345", country="LAO", border_county="532823").documents.get()
    assert doc.border_county == mengla
    found = document_findings(doc, used_in=ruili, today=TODAY)
    assert kinds(found) == ["border_pass_outside"] and found[0].details == {"border_county": "532823", "used_in": "533102"}
    assert document_findings(doc, used_in=mengla, today=TODAY) == []
    assert document_findings(doc, used_in=village, today=TODAY) == []


def test_a_clean_document_has_no_findings(register):
    assert document_findings(register().documents.get(), used_in=Jurisdiction.objects.get(code="532823"), today=TODAY) == []
