"""Where higher apps subscribe to what arrives from partners (exchange never imports them).

``on_message("case_notice", fn)``: after the transaction that applied a partner's message
commits, ``fn(partner=..., thread=..., body=..., message_id=...)`` is called. An app above
exchange (e.g. emergency) registers in its ``AppConfig.ready()``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)
SUBSCRIBERS: dict[str, list[Callable[..., Any]]] = {}


def on_message(message_type: str, fn: Callable[..., Any]) -> None:
    fns = SUBSCRIBERS.setdefault(message_type, [])
    if fn not in fns:
        fns.append(fn)


def on_case_notice(fn: Callable[..., Any]) -> None:
    on_message("case_notice", fn)


def fire(message_type: str, **kwargs: Any) -> None:
    for fn in SUBSCRIBERS.get(message_type, ()):

        def call(fn: Callable[..., Any] = fn) -> None:
            try:
                fn(**kwargs)
            except Exception:  # a subscriber's failure never undoes an applied message
                log.exception("exchange hook %s failed for %s", fn, message_type)

        transaction.on_commit(call)
