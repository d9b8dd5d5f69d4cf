"""Where apps plug into the shell: navigation entries and home-page panels, by role.

Each app registers its own in ``AppConfig.ready()``; the shell only renders what is here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    roles: frozenset[str]  # empty: every signed-in user
    order: int = 50


@dataclass(frozen=True)
class HomePanel:
    template: str
    context: Callable[[Any, Any], dict[str, Any] | None]  # (request, scope) -> context, None hides the panel
    roles: frozenset[str]
    order: int = 50


NAV: list[NavEntry] = []
PANELS: list[HomePanel] = []


def nav(label: str | Promise, url_name: str, roles: Iterable[str] = (), order: int = 50) -> None:
    if not any(e.url_name == url_name for e in NAV):
        NAV.append(NavEntry(label, url_name, frozenset(roles), order))
        NAV.sort(key=lambda e: e.order)


def panel(template: str, context: Callable[[Any, Any], dict[str, Any] | None], roles: Iterable[str] = (), order: int = 50) -> None:
    if not any(p.template == template for p in PANELS):
        PANELS.append(HomePanel(template, context, frozenset(roles), order))
        PANELS.sort(key=lambda p: p.order)


def visible(entries: Iterable[Any], scope: Any) -> list[Any]:
    return [e for e in entries if not e.roles or scope.has_role(*e.roles)]


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[[], Any]
    order: int


DEMO_STEPS: list[DemoStep] = []


def demo_step(name: str, run: Callable[[], Any], order: int = 50) -> None:
    """A step of ``manage.py demo_load``; steps run in order, each idempotent."""
    if not any(s.name == name for s in DEMO_STEPS):
        DEMO_STEPS.append(DemoStep(name, run, order))
        DEMO_STEPS.sort(key=lambda s: s.order)


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Any  # a django_tasks Task
    every_seconds: int


PERIODIC: list[Periodic] = []


def periodic(name: str, task: Any, every_seconds: int) -> None:
    """A task that ``manage.py clock`` enqueues every ``every_seconds`` for the worker to run."""
    if not any(p.name == name for p in PERIODIC):
        PERIODIC.append(Periodic(name, task, every_seconds))


# Named hooks: a lower or sibling app calls ``call(name, **payload)`` without importing the app that
# answers (e.g. "partner_case_notice" from any source, answered by emergency plans).
HOOKS: dict[str, list[Callable[..., Any]]] = {}


def hook(name: str, handler: Callable[..., Any]) -> None:
    handlers = HOOKS.setdefault(name, [])
    if handler not in handlers:
        handlers.append(handler)


def call(name: str, **payload: Any) -> list[Any]:
    """Every handler registered for ``name``, called in order; their results (none registered: [])."""
    return [handler(**payload) for handler in HOOKS.get(name, [])]


@dataclass(frozen=True)
class DashboardBlock:
    template: str
    context: Callable[[Any, Any], dict[str, Any] | None]  # (scope, node) -> context, None hides the block
    order: int = 50


DASHBOARD: list[DashboardBlock] = []


def dashboard_block(template: str, context: Callable[[Any, Any], dict[str, Any] | None], order: int = 50) -> None:
    """A figure a higher app shows on the command dashboard (command never imports that app). Its
    template gets ``c`` (what ``context`` returned), ``request`` and ``csrf_token``."""
    if not any(b.template == template for b in DASHBOARD):
        DASHBOARD.append(DashboardBlock(template, context, order))
        DASHBOARD.sort(key=lambda b: b.order)


def hooks(point: str) -> list[Callable[..., Any]]:
    """The functions registered at ``point`` (named by the app that asks, e.g. "people.person_reach"), in order."""
    return list(HOOKS.get(point, ()))


@dataclass(frozen=True)
class SyncKind:
    """A kind of write that a field device may queue offline and send later (``core.sync``)."""

    name: str
    payload: Any  # a pydantic model (ninja Schema) the item's payload must fit
    apply: Callable[..., dict[str, Any]]  # (actor, payload, occurred_at, key) -> what was done, as JSON
    summary: str = ""


SYNC_KINDS: dict[str, SyncKind] = {}


def sync_kind(name: str, payload: Any, apply: Callable[..., dict[str, Any]], summary: str = "") -> None:
    """Register a write that ``POST /api/sync`` replays; ``apply`` calls the owning app's service."""
    SYNC_KINDS.setdefault(name, SyncKind(name, payload, apply, summary))
