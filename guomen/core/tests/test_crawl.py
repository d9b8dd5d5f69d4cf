"""Every link a role is shown can be followed: starting at each demo login's home page, follow
every same-site link (<a href>, hx-get) breadth-first and fail on any 4xx or 5xx, naming the role,
the page that showed the link and the link."""

from __future__ import annotations

import html
import re
import time
from collections import Counter, deque
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

pytestmark = pytest.mark.django_db

ROLES = [
    "admin", "province", "dehong", "xishuangbanna", "ruili", "mengla", "ruili_port", "mohan_port",
    "ruili_transfer", "mengla_transfer", "ruili_hotel", "mengla_hotel", "ruili_hospital", "ruili_grid",
    "mengla_grid", "ruili_patrol", "liaison", "info", "info2", "auditor",
]  # fmt: skip
SLOW: Counter = Counter()
MAX_PAGES = 400  # per role
PER_SHAPE = 2  # pages per (view, query keys): the 3rd page of a list adds time, not coverage
PER_VIEW = 3  # pages per view, whatever the query; a PDF or CSV export once per view and role
SKIP = ("/logout/", "/i18n/", "/admin/", "/static/", "/media/", "/api/")
ATTR = re.compile(r"""<[^>]*?\s(href|hx-get)\s*=\s*["']([^"']*)["']""", re.I)


def _links(body: str) -> list[tuple[str, bool]]:
    out = []
    for attr, raw in ATTR.findall(body):
        url = html.unescape(raw).split("#", 1)[0].strip()
        if url:
            out.append((url, attr.lower() == "hx-get"))
    return out


def _absolute(url: str, base: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        if parts.netloc not in ("testserver",) or parts.scheme not in ("http", "https"):
            return None
        url = parts.path + (f"?{parts.query}" if parts.query else "")
    elif url.startswith("?"):
        url = urlsplit(base).path + url
    elif not url.startswith("/"):
        return None  # mailto:, tel:, javascript:, relative paths (none are used)
    return url


def _shape(url: str) -> tuple[str, tuple[str, ...]] | None:
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return (parts.path, ())
    keys = tuple(sorted({kv.split("=", 1)[0] for kv in parts.query.split("&") if kv}))
    return (match.view_name, keys)


def crawl(client, role: str) -> tuple[list[str], int]:
    failures: list[str] = []
    seen: set[str] = set()
    shapes: Counter = Counter()
    views: Counter = Counter()
    downloads: set[str] = set()
    queue: deque[tuple[str, str, bool]] = deque([("/", "(home)", False)])
    pages = 0
    while queue and pages < MAX_PAGES:
        url, referrer, htmx = queue.popleft()
        key = f"{url} {htmx}"
        if key in seen or url.startswith(SKIP):
            continue
        seen.add(key)
        shape = _shape(url)
        shapes[shape] += 1
        views[shape[0]] += 1
        if shapes[shape] > PER_SHAPE or views[shape[0]] > PER_VIEW or shape[0] in downloads:
            continue
        pages += 1
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        t0 = time.monotonic()
        r = client.get(url, **headers)
        SLOW[shape] += time.monotonic() - t0
        if r.status_code in (301, 302, 303, 307, 308):
            queue.append((r["Location"], f"{referrer} -> {url}", False))
            continue
        if r.status_code >= 400:
            failures.append(f"{role}: {r.status_code} {url} (shown on {referrer})")
            continue
        if "html" not in r.get("Content-Type", "") or getattr(r, "streaming", False):
            downloads.add(shape[0])
            continue
        for link, is_htmx in _links(r.content.decode("utf-8", "replace")):
            target = _absolute(link, url)
            if target is not None:
                queue.append((target, url, is_htmx))
    return failures, pages


@pytest.fixture
def journeys(world):
    """A few journeys in every state, made by the demo's own flows, so lists and pages have rows."""
    from guomen.loop.demo import generate_demo_journeys

    generate_demo_journeys(per_port=1)


def test_every_link_shown_to_each_demo_role_can_be_followed(client, user, journeys):
    failures: list[str] = []
    counts = {}
    started = time.monotonic()
    for role in ROLES:
        client.logout()
        client.force_login(user(role))
        found, counts[role] = crawl(client, role)
        failures += found
    elapsed = time.monotonic() - started
    print(SLOW.most_common(12))
    print(f"crawled {sum(counts.values())} pages in {elapsed:.1f}s: {counts}")
    assert not failures, "\n".join(failures)
