"""The one clock every app reads its time from: ``now()`` and ``today()``.

Tests and the demo generator move time in one place (``at``); the default is Django's
``timezone.now`` (so time-machine freezing works as well).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_CLOCK: ContextVar[Callable[[], datetime] | None] = ContextVar("guomen_clock", default=None)


def now() -> datetime:
    """The current time, aware."""
    source = _CLOCK.get()
    return source() if source is not None else timezone.now()


def today() -> date:
    """The current local day (in the active time zone)."""
    return timezone.localdate(now())


@contextmanager
def at(source: Callable[[], datetime]) -> Iterator[None]:
    """Run the code inside at the time ``source()`` gives (called at each reading)."""
    token = _CLOCK.set(source)
    try:
        yield
    finally:
        _CLOCK.reset(token)
