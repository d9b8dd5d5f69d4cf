"""The installable web app: its manifest, its service worker (served from the site's root, so its
scope covers every page) and the field page that works without a network.

The service worker caches only the app's own static files (at install) and the field pages (each
time one is opened online); it never touches anything from outside, nor the API: writes made
offline wait in the page's IndexedDB queue (``shell/offline.js``) and go to ``POST /api/sync``."""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

# The app's own files a device keeps to open the field page without a network.
PRECACHE = (
    "shell/app.css",
    "shell/app.js",
    "shell/offline.js",
    "shell/field.js",
    "shell/favicon.svg",
    "shell/icons/icon-192.png",
    "vendor/htmx/htmx.min.js",
    # the loop card's scanner, so accepting a handover by its QR code works with no network
    "vendor/jsqr/jsQR.js",
    "loop/scan.js",
)
# A release name that changes the worker's bytes (and so installs a new worker) even when no
# cached file changed; the worker's version is also a hash of every cached file.
RELEASE = "1"


def field_pages() -> list[str]:
    return [reverse("field")]


def version() -> str:
    h = hashlib.sha256(RELEASE.encode())
    for name in PRECACHE:
        path = finders.find(name)
        if path:
            with open(path, "rb") as f:
                h.update(f.read())
        h.update(static(name).encode())
    return h.hexdigest()[:16]


def manifest(request: HttpRequest) -> JsonResponse:
    body = {
        "name": _("guomen — closed-loop control of inbound persons on a land border"),
        "short_name": _("guomen"),
        "description": _("Field work for patrols, grid workers, transfer teams and quarantine staff, also without a network."),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("field"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [
            {"src": static("shell/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("shell/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("shell/icons/maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    return JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """``/sw.js``: the worker's script with the list of files to keep, never cached by HTTP so an
    update is seen at once; ``Service-Worker-Allowed: /`` lets it control every page."""
    context = {
        "version": json.dumps(version()),
        "precache": json.dumps([static(n) for n in PRECACHE]),
        "pages": json.dumps(field_pages()),
        "static_prefix": json.dumps(static("")),
        "manifest": json.dumps(reverse("manifest")),
    }
    body = render_to_string("shell/sw.js", context)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@login_required
def field(request: HttpRequest) -> HttpResponse:
    """The field page: what the user's role keeps offline, and the forms whose records queue."""
    return render(request, "shell/field.html", {})
