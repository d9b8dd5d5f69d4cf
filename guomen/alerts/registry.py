"""What other apps tell the alerts app: their kinds of alert, what an alert's ``ref`` points at,
and the default escalation delays. Registered in each app's ``AppConfig.ready()``, as the shell's
navigation is (``core.registry``), so that ``alerts`` imports nothing above it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import AlertLevel

DEFAULT_ESCALATION_HOURS = [2.0, 6.0, 24.0]


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    closes_itself: bool = False  # closed by the awaited event, never by hand
    max_level: int = AlertLevel.PROVINCE  # escalation stops here
    summarised_above: int | None = None  # views above this level see a summary kind instead of each alert


@dataclass(frozen=True)
class RefType:
    name: str
    url: Callable[[str], str]  # ref_code -> the page of what the alert is about
    state_label: Callable[[str], Any] = str  # the label of a stored ``state``
    names: Callable[[list[int]], dict[int, str]] | None = None  # refs -> whom they are about (one query)


KINDS: dict[str, Kind] = {}
REFS: dict[str, RefType] = {}
_hours: list[Callable[[], list[float]]] = []

kind_other = Kind("other", _("Other"))
KINDS[kind_other.code] = kind_other


def kind(
    code: str,
    label: str | Promise,
    *,
    closes_itself: bool = False,
    max_level: int = AlertLevel.PROVINCE,
    summarised_above: int | None = None,
) -> None:
    KINDS.setdefault(code, Kind(code, label, closes_itself, max_level, summarised_above))


def ref_type(
    name: str,
    *,
    url: Callable[[str], str],
    state_label: Callable[[str], Any] = str,
    names: Callable[[list[int]], dict[int, str]] | None = None,
) -> None:
    REFS.setdefault(name, RefType(name, url, state_label, names))


def escalation_hours_from(provider: Callable[[], list[float]]) -> None:
    """Where the default delays come from (the loop's current policy)."""
    if not _hours:
        _hours.append(provider)


def default_escalation_hours() -> list[float]:
    return list(_hours[0]()) if _hours else list(DEFAULT_ESCALATION_HOURS)


def kind_label(code: str) -> str | Promise:
    k = KINDS.get(code)
    return k.label if k else code


def closes_itself(code: str) -> bool:
    k = KINDS.get(code)
    return bool(k and k.closes_itself)


def max_level(code: str) -> int:
    k = KINDS.get(code)
    return k.max_level if k else AlertLevel.PROVINCE


def summarised_at(level: int) -> list[str]:
    """The kinds a view at ``level`` sees only as their summary."""
    return [k.code for k in KINDS.values() if k.summarised_above is not None and level > k.summarised_above]


def choices() -> list[tuple[str, str]]:
    return sorted(((k.code, str(k.label)) for k in KINDS.values()), key=lambda c: c[1])
