from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from guomen.core import registry
from guomen.org.scoping import Scope


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_entries": []}
    scope = Scope.of(user)
    entries = [
        {"label": e.label, "url": (url := reverse(e.url_name)), "active": request.path == url}
        for e in registry.visible(registry.NAV, scope)
    ]
    return {"nav_entries": entries, "scope": scope}
