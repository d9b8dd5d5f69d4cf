"""A link is shown only to someone who may follow it.

A view declares who may open it with ``@opens_for(rule)``; the rule takes the user and the URL's
arguments and answers yes or no. The view answers 404 when the rule says no (objects and pages
outside reach answer 404, never 403), and the ``{% href %}`` tag asks the same rule before a
template shows the link. One rule, two users of it: a page cannot show a link its view refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.translation import gettext as _

Rule = Callable[..., bool]  # rule(user, **url_kwargs) -> bool

RULE_ATTR = "guomen_opens_for"


def opens_for(rule: Rule, *, forbidden: bool = False) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Refuse the view unless ``rule`` allows: 404 (an object or page outside reach), or 403 with
    ``forbidden=True`` for a page that exists for everyone but belongs to another role."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated or not rule(request.user, **kwargs):
                if forbidden:
                    raise PermissionDenied(_("This page is for another role."))
                raise Http404(_("Not found."))
            return view(request, *args, **kwargs)

        setattr(wrapped, RULE_ATTR, rule)
        return wrapped

    return decorate


def may_open(user: Any, path: str) -> bool:
    """Whether ``user`` may follow a link to ``path`` (a path of this site, query string allowed)."""
    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    rule = _rule_of(match.func)
    if rule is None:
        return True
    return bool(getattr(user, "is_authenticated", False)) and rule(user, **match.kwargs)


def _rule_of(func: Any) -> Rule | None:
    # login_required and other wrappers keep the attribute through functools.wraps (__dict__ copy)
    while func is not None:
        rule = getattr(func, RULE_ATTR, None)
        if rule is not None:
            return rule
        func = getattr(func, "__wrapped__", None)
    return None


def href(user: Any, name: str, *args: Any, **kwargs: Any) -> str:
    """The URL of ``name`` when ``user`` may open it, else the empty string."""
    try:
        url = reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""
    return url if may_open(user, url) else ""
