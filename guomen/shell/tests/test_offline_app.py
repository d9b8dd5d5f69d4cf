"""The installable web app: manifest, icons, the service worker at the root, the field page."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from guomen.shell import offline

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_app_its_start_page_and_icons_of_our_own(client, world):
    r = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/manifest+json")
    m = r.json()
    assert m["start_url"] == "/field/" and m["display"] == "standalone" and m["scope"] == "/"
    sizes = {i["sizes"] for i in m["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in m["icons"]:
        assert icon["src"].startswith("/static/")  # nothing from outside
        name = icon["src"].removeprefix("/static/")
        with Image.open(finders.find(name)) as img:
            assert f"{img.width}x{img.height}" == icon["sizes"]
    zh = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert zh["short_name"] == "国门"


def test_the_service_worker_is_served_from_the_root_with_its_scope_and_never_cached(client, world):
    r = client.get("/sw.js")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/javascript")
    assert r["Service-Worker-Allowed"] == "/"
    assert "no-cache" in r["Cache-Control"] or "max-age=0" in r["Cache-Control"]
    body = r.content.decode()
    assert offline.version() in body
    for name in offline.PRECACHE:
        assert finders.find(name), name
    assert "http://" not in body and "https://" not in body  # only our own files
    assert "Content-Security-Policy" in client.get("/login/")  # the pages keep their policy


def test_a_new_release_changes_the_workers_bytes(client, world, monkeypatch):
    first = client.get("/sw.js").content
    monkeypatch.setattr(offline, "RELEASE", "next")
    assert client.get("/sw.js").content != first


def test_the_field_page_needs_a_sign_in_and_carries_the_sync_bar(client, client_as):
    assert client.get("/field/").status_code == 302
    r = client_as("ruili_grid").get("/field/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="syncbar"' in html and "等待发送" in html
    assert 'rel="manifest"' in html and "shell/offline.js" in html and "shell/field.js" in html
    assert "<script>" not in html  # no inline script: the strict policy holds


def test_the_returnee_form_labels_a_persons_name_as_xingming(client_as):
    html = client_as("ruili_grid").get("/field/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "姓名" in html and ">名称<" not in html
