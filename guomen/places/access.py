"""Who may open a place's page: the rules that the views enforce and the links ask (core.links)."""

from __future__ import annotations

from typing import Any

from guomen.org.scoping import Scope

from .models import BorderSegment, Jurisdiction, Level, Passage


def reaches_jurisdiction(user: Any, code: str) -> bool:
    return Scope.of(user).filter(Jurisdiction.objects.filter(code=code)).exists()


def reaches_village(user: Any, code: str) -> bool:
    return Scope.of(user).filter(Jurisdiction.objects.filter(code=code, level=Level.VILLAGE)).exists()


def reaches_segment(user: Any, code: str) -> bool:
    return Scope.of(user).filter(BorderSegment.objects.filter(code=code)).exists()


def reaches_passage(user: Any, code: str) -> bool:
    return Scope.of(user).filter(Passage.objects.filter(code=code)).exists()
