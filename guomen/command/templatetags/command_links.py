"""The command's addresses, reversed once per URL conf and script prefix: the dashboard, its lists
and the sections every command page links to in its crumbs are the same for every request."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

LISTS = ("alerts", "arrivals", "handovers", "journeys", "positives", "quarantine", "segments", "tasks")
PAGES = ("dashboard", "reports", "sitrep_pdf", "task_new", "trends", "map", "policies", "capacity")


@register.simple_tag(name="command_urls")
def command_urls() -> Mapping[str, str]:
    """``{name: address}``: each page in ``PAGES`` by its name, each list in ``LISTS`` as ``list_<key>``."""
    return _reversed(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=8)
def _reversed(prefix: str, urlconf: Any) -> Mapping[str, str]:
    urls = {f"list_{name}": reverse("command:list", args=[name], urlconf=urlconf) for name in LISTS}
    urls.update({name: reverse(f"command:{name}", urlconf=urlconf) for name in PAGES})
    return MappingProxyType(urls)
