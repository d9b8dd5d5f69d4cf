"""Test helpers that build people and journeys through the real services."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from guomen.org.models import Unit
from guomen.people.models import Person

_n = itertools.count(1)


def person(unit_code: str = "port-ruili", name: str = "测试旅客") -> Person:
    """A person row for loop tests (the people app's registration flow is tested there)."""
    return Person.objects.create(name_native=f"{name}{next(_n)}", nationality="MMR", registered_by=Unit.objects.get(code=unit_code))


def u(code: str) -> Unit:
    return Unit.objects.get(code=code)


def who(username: str):
    return get_user_model().objects.get(username=username)


def soon(hours: float = 2):
    return timezone.now() + timedelta(hours=hours)


def ahead(days: int = 3) -> str:
    """A local date a few days from now, as a manifest row gives its expected arrival's day."""
    return (timezone.localdate() + timedelta(days=days)).isoformat()
