from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from guomen.core import registry
from guomen.org.scoping import Scope


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_entries": []}
    scope = Scope.of(user)
    entries = [
        {
            "label": e.label,
            "url": (url := _url(e.url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)),
            "active": request.path == url,
            "name": e.url_name,
        }
        for e in registry.visible(registry.NAV, scope)
    ]
    # The entries' links, written once: every page shows them twice (the menu and the tabs).
    links = _links(get_language(), tuple((e["name"], e["url"], e["active"]) for e in entries))
    return {"nav_entries": entries, "nav_links": links, "scope": scope}


@functools.lru_cache(maxsize=512)
def _links(language: str | None, shown: tuple[tuple[str, str, bool], ...]) -> SafeString:
    """The menu's links in ``language`` for the entries ``shown`` (name, address, whether it is the
    page's own): the same text on every page that shows them, so written once per language and
    menu rather than translating and escaping each label on every page."""
    labels = {e.url_name: e.label for e in registry.NAV}
    return format_html_join("", '<a href="{}"{}>{}</a>', ((url, _CURRENT if active else "", labels[name]) for name, url, active in shown))


_CURRENT = mark_safe(' aria-current="page"')


@functools.lru_cache(maxsize=256)
def _url(name: str, prefix: str, urlconf: Any) -> str:
    """A menu entry's address: the same on every page under one URL conf and prefix."""
    return reverse(name, urlconf=urlconf)
