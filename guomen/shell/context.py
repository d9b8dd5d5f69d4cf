from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

from guomen.core import registry
from guomen.org.scoping import Scope


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_entries": []}
    scope = Scope.of(user)
    entries = [
        {
            "label": str(e.label),  # translated once, shown in the menu and in the tabs
            "url": (url := _url(e.url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)),
            "active": request.path == url,
        }
        for e in registry.visible(registry.NAV, scope)
    ]
    return {"nav_entries": entries, "scope": scope}


@functools.lru_cache(maxsize=256)
def _url(name: str, prefix: str, urlconf: Any) -> str:
    """A menu entry's address: the same on every page under one URL conf and prefix."""
    return reverse(name, urlconf=urlconf)
