"""The web shell: sign-in, home per role, language, security headers, static files."""

import pytest
from auditlog.models import LogEntry
from django.test import Client

from guomen.core.models import AccessLog
from guomen.core.services import access_record
from guomen.org.models import Unit

pytestmark = pytest.mark.django_db


def test_pages_need_sign_in(world):
    r = Client().get("/")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_sign_in_with_the_demo_password_reaches_the_home_page(world):
    c = Client()
    r = c.post("/login/", {"username": "ruili", "password": "guomen-demo-2020"})
    assert r.status_code == 302
    assert c.get("/").status_code == 200


def test_a_wrong_password_is_refused_with_a_message(world):
    r = Client(HTTP_ACCEPT_LANGUAGE="en").post("/login/", {"username": "ruili", "password": "nope"})
    assert r.status_code == 200
    assert "not right" in r.content.decode()


@pytest.mark.parametrize(
    ("username", "marker"),
    [
        ("ruili", "panel-jurisdiction-533102"),
        ("province", "panel-jurisdiction-530000"),
        ("ruili_port", "panel-my-units"),
        ("auditor", "panel-audit"),
    ],
)
def test_each_role_gets_its_home_page(client_as, username, marker):
    assert marker in client_as(username).get("/").content.decode()


def test_navigation_follows_the_role(client_as):
    assert "/audit/access/" in client_as("auditor").get("/").content.decode()
    assert "/audit/access/" not in client_as("ruili_port").get("/").content.decode()
    assert "/admin/" in client_as("admin").get("/").content.decode()


def test_the_page_language_follows_the_browser_and_the_switch(client_as):
    c = client_as("ruili")
    assert 'lang="en"' in c.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="zh-hans"' in c.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = c.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'lang="en"' in html and "Welcome" in html


def test_strict_content_security_policy_and_no_cdn(client_as):
    r = client_as("ruili").get("/")
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = r.content.decode()
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html
    assert "style=" not in html


def test_front_end_libraries_come_from_our_static_files(client):
    from django.contrib.staticfiles import finders

    for path in ["vendor/htmx/htmx.min.js", "vendor/leaflet/leaflet.js", "vendor/echarts/echarts.min.js", "vendor/alpine/cdn.min.js"]:
        assert finders.find(path), path


def test_changes_to_reference_data_are_recorded_with_who_and_what(client_as, user):
    admin = client_as("admin")
    unit = Unit.objects.get(code="c533102-hotel1")
    r = admin.post(
        f"/admin/org/unit/{unit.pk}/change/",
        {
            "code": unit.code,
            "kind": unit.kind,
            "jurisdiction": unit.jurisdiction_id,
            "name_zh": unit.name_zh,
            "name_en": unit.name_en,
            "capacity": 99,
            "phone": "",
            "address": "",
            "active": "on",
            "is_demo": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    entry = LogEntry.objects.get_for_object(unit).latest("timestamp")
    assert entry.actor == user("admin")
    assert entry.changes_dict["capacity"][1] == "99"


def test_access_audit_is_visible_to_auditors_and_not_found_for_others(client_as, user):
    unit = Unit.objects.get(code="port-ruili")
    access_record(user=user("ruili_port"), action=AccessLog.Action.VIEW_IDENTITY, obj=unit, subject="person-x", reason="test")
    html = client_as("auditor").get("/audit/access/").content.decode()
    assert "person-x" in html
    assert client_as("ruili_port").get("/audit/access/").status_code == 404


def test_password_change_page_works(client_as):
    c = client_as("ruili")
    r = c.post(
        "/account/password/",
        {"old_password": "guomen-demo-2020", "new_password1": "Border-Night-2026!", "new_password2": "Border-Night-2026!"},
    )
    assert r.status_code == 302
    c.logout()
    r = c.post("/login/", {"username": "ruili", "password": "Border-Night-2026!"})
    assert r.status_code == 302 and r["Location"] == "/"


def test_token_page_shows_a_new_token_once(client_as):
    c = client_as("ruili_port")
    html = c.post("/account/tokens/", {"name": "desk"}).content.decode()
    assert 'id="new-token"' in html
    assert 'id="new-token"' not in c.get("/account/tokens/").content.decode()


def test_error_pages_are_the_sites_own_in_the_users_language(world, client_as):
    from django.test import RequestFactory
    from django.views.defaults import server_error

    c = client_as("ruili_grid")
    r = c.get("/people/watch-list/")
    page = r.content.decode()
    assert r.status_code == 403 and 'id="error-403"' in page and "无权访问" in page and 'class="brand"' in page
    r = c.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    page = r.content.decode()
    assert r.status_code == 404 and 'id="error-404"' in page and "Page not found" in page and 'class="brand"' in page
    r = server_error(RequestFactory().get("/"))  # rendered without a request context, as Django does
    assert r.status_code == 500 and 'id="error-500"' in r.content.decode() and 'class="brand"' in r.content.decode()
