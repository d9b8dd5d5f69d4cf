"""The pages: live search, masked detail with an audited "show in full", watch-list, MRZ reader."""

from __future__ import annotations

import pytest

from guomen.core.models import AccessLog
from guomen.people.models import DocumentWatch

from .conftest import td3

pytestmark = pytest.mark.django_db


def test_search_page_and_its_htmx_fragment(register, client_as):
    person = register()
    c = client_as("mohan_port")
    page = c.get("/people/", {"q": "wf"})
    assert page.status_code == 200 and "<html" in page.content.decode() and person.name_native in page.content.decode()
    frag = c.get("/people/", {"q": "wf"}, HTTP_HX_REQUEST="true")
    assert "<html" not in frag.content.decode() and str(person.public_id) in frag.content.decode()


def test_detail_is_masked_and_show_in_full_is_audited_and_shown_once(register, client_as):
    doc = register(number="E12345678").documents.get()
    c = client_as("mohan_port")
    page = c.get(f"/people/{doc.person.public_id}/").content.decode()
    assert "••••5678" in page and "E12345678" not in page and "reveal" in page
    shown = c.post(f"/people/documents/{doc.public_id}/reveal/", {"reason": "核对"}, HTTP_HX_REQUEST="true")
    assert "E12345678" in shown.content.decode() and AccessLog.objects.count() == 1
    assert "E12345678" not in c.get(f"/people/{doc.person.public_id}/").content.decode()


def test_show_in_full_without_reason_shows_the_error_and_audits_nothing(register, client_as):
    doc = register(number="E12345678").documents.get()
    r = client_as("mohan_port").post(f"/people/documents/{doc.public_id}/reveal/", {"reason": ""})
    assert r.status_code == 422 and "E12345678" not in r.content.decode()
    assert not AccessLog.objects.exists()


def test_roles_without_the_right_get_no_button_and_403(world, client_as, user):
    from guomen.people.services import person_register

    staff = user("mengla_hotel")
    person = person_register(
        actor=staff,
        unit=staff.memberships.get().unit,
        name_native="玉罕",
        nationality="LAO",
        documents=[{"kind": "passport", "number": "LA1234567", "issuing_country": "LAO"}],
    )
    c = client_as("mengla_hotel")
    page = c.get(f"/people/{person.public_id}/").content.decode()
    assert "••••4567" in page and "/reveal/" not in page
    assert c.post(f"/people/documents/{person.documents.get().public_id}/reveal/", {"reason": "x"}).status_code == 403


def test_outside_scope_the_detail_is_404(register, client_as):
    person = register("mohan_port", "port-mohan")
    assert client_as("ruili_port").get(f"/people/{person.public_id}/").status_code == 404


def test_watch_list_page_adds_and_deactivates(world, client_as):
    c = client_as("ruili_port")
    r = c.post("/people/watch-list/", {"kind": "passport", "issuing_country": "MMR", "number": "MA5550001", "reason": "stolen", "note": ""})
    assert r.status_code == 302
    entry = DocumentWatch.objects.get()
    assert "••••0001" in c.get("/people/watch-list/").content.decode()
    c.post(f"/people/watch-list/{entry.public_id}/deactivate/")
    entry.refresh_from_db()
    assert entry.active is False
    bad = c.post("/people/watch-list/", {"kind": "passport", "issuing_country": "MMR", "number": "MA\x005550001", "reason": "stolen"})
    assert bad.status_code == 422
    assert client_as("ruili_hotel").get("/people/watch-list/").status_code == 403


def test_mrz_partial_returns_the_fields_as_inputs(world, client_as):
    c = client_as("ruili_port")
    frag = c.post("/people/mrz/", {"mrz": td3()}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="mrz-box"' in frag and "<html" not in frag
    assert 'name="number" value="MA1234567"' in frag and 'name="birth_date" type="date" value="1985-06-15"' in frag
    l1, l2 = td3().split("\n")
    bad = c.post("/people/mrz/", {"mrz": l1 + "\n" + l2[:27] + "0" + l2[28:]}, HTTP_HX_REQUEST="true").content.decode()
    assert "errorlist" in bad and 'name="number"' not in bad
    full = c.get("/people/mrz/")
    assert full.status_code == 200 and "<html" in full.content.decode()


def test_nav_shows_people_to_port_officers_and_command_not_to_facility_staff(world, client_as):
    assert "/people/" in client_as("ruili_port").get("/").content.decode()
    assert 'href="/people/"' not in client_as("ruili_hotel").get("/").content.decode()


def test_the_watch_list_names_countries_in_the_users_language(world, client_as):
    c = client_as("ruili_port")
    zh = c.get("/people/watch-list/").content.decode()
    assert '<option value="AFG">AFG · 阿富汗</option>' in zh and "MMR · 缅甸" in zh
    en = c.get("/people/watch-list/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="AFG">AFG · Afghanistan</option>' in en and "ABW · Aruba" in en
