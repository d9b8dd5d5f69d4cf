"""The menu's links, written once per language and menu, are those of the page's language, reach and address."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


def _menu(html: str) -> str:
    return re.search(r'<nav class="tabs"[^>]*>(.*?)</nav>', html, re.S).group(1)


def test_the_menu_is_written_in_the_pages_language_and_marks_the_page_shown(client_as):
    c = client_as("province")
    zh = _menu(c.get("/command/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode())
    en = _menu(c.get("/command/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert zh != en
    assert _menu(c.get("/command/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()) == zh
    with translation.override("en"):
        assert translation.gettext("Command") in en
    current = re.findall(r'<a href="([^"]+)" aria-current="page">', zh)
    assert current == ["/command/"]
    home = _menu(c.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode())
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', home) == ["/"] or 'aria-current="page"' not in home
    assert home.replace(' aria-current="page"', "") == zh.replace(' aria-current="page"', "")
    # Another reach, another menu.
    assert _menu(client_as("ruili_port").get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()) != home
