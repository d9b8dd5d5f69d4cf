"""The Jinja2 environment of the few fragments rendered with Jinja2 (the dashboard's figures).

Django's own template engine renders everything else; Jinja2 compiles a template to Python once,
which makes a fragment of a few hundred values several times cheaper to render. Strings are
translated with Django's ``gettext`` as ``_("…")`` (what ``makemessages`` extracts from templates),
values with placeholders through the ``format`` filter: ``_("%(n)s past due")|format(n=…)``.
Autoescaping is always on."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from jinja2 import Environment


def environment(**options: Any) -> Environment:
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)  # always, whatever the settings say
    env.globals["_"] = gettext
    return env
