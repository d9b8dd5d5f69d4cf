"""``{% href 'name' arg ... as url %}``: the URL, or "" when the signed-in user may not open it."""

from __future__ import annotations

from typing import Any

from django import template

from guomen.core.links import href as _href
from guomen.core.links import may_open

register = template.Library()


@register.simple_tag(takes_context=True)
def href(context: template.Context, name: str, *args: Any, **kwargs: Any) -> str:
    request = context.get("request")
    return _href(getattr(request, "user", None), name, *args, **kwargs)


@register.filter
def usable_by(path: str, user: Any) -> bool:
    """``{% if some_url|usable_by:request.user %}`` for URLs built elsewhere."""
    return bool(path) and may_open(user, str(path))
