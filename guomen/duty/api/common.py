"""The duty API's router and its lookups within the caller's reach."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from guomen.lib.errors import DomainError
from guomen.org.models import Unit
from guomen.org.scoping import Scope
from guomen.places.models import BorderSegment

from ..models import (
    DutyPost,
)

router = Router(tags=["duty"])


# --- lookups within reach ------------------------------------------------------------------------
def _scope(request: HttpRequest) -> Scope:
    return Scope.of(request.auth)


def _unit(scope: Scope, code: str) -> Unit:
    return scope.get(Unit.objects.select_related("jurisdiction"), code=code)


def _post(scope: Scope, code: str) -> DutyPost:
    return scope.get(DutyPost.objects.select_related("unit__jurisdiction", "jurisdiction"), code=code)


def _segments(scope: Scope, codes: list[str]) -> list[BorderSegment]:
    found = list(scope.filter(BorderSegment.objects.filter(code__in=codes)))
    if len(found) != len(set(codes)):
        missing = sorted(set(codes) - {s.code for s in found})
        raise DomainError("unknown_segment", _("Unknown border segment: %(code)s") % {"code": ", ".join(missing)}, status=422)
    return found


def _users(scope: Scope, usernames: list[str]) -> list[Any]:
    """Users who belong to a unit within the caller's reach (others are unknown)."""
    units = scope.filter(Unit.objects.all())
    found = {u.username: u for u in get_user_model().objects.filter(username__in=usernames, memberships__unit__in=units).distinct()}
    missing = [n for n in usernames if n not in found]
    if missing:
        raise DomainError("unknown_user", _("Unknown person: %(name)s") % {"name": ", ".join(missing)}, status=422)
    return [found[n] for n in usernames]
