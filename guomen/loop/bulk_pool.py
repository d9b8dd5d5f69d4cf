"""A manifest batch's per-row Python work in worker processes: ``manifest.check_row`` (the same
checks, the same order, the same refusals in the same language), the person's search text (pinyin)
and the document's sealing (Fernet) and keyed hashes — most of a row's CPU time.

Off unless ``GUOMEN_MANIFEST_PROCESSES`` is 2 or more. The workers are forked from the importing
process once and kept; they never touch the database (a batch's destinations are looked up before,
and only their codes cross), so the parent's connection is never used by a child, and a forked
child ends with ``os._exit`` (multiprocessing's own), never closing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import translation

from guomen.lib.errors import DomainError

MIN_ROWS = 200  # below this, a batch is checked here: sending it costs more than it saves
_pool: Any = None


def processes() -> int:
    return int(getattr(settings, "GUOMEN_MANIFEST_PROCESSES", 0) or 0)


def _executor() -> Any:
    global _pool
    if _pool is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        _pool = ProcessPoolExecutor(processes(), mp_context=multiprocessing.get_context("fork"))
    return _pool


def close() -> None:
    """Stop the workers (they are started again on the next batch that needs them)."""
    global _pool
    if _pool is not None:
        _pool.shutdown()
        _pool = None


def _check_part(recs: list[dict[str, Any]], window: tuple[datetime, datetime], codes: frozenset[str], language: str) -> list[Any]:
    """In a worker: each row checked, or its refusal (code, message, details)."""
    from guomen.people import crypto
    from guomen.people.names import search_text

    from .manifest import check_row

    out: list[Any] = []
    with translation.override(language):
        for rec in recs:
            try:
                c = check_row(rec, lambda code: code if code in codes else None, window)
            except DomainError as e:
                out.append((e.code, e.message, e.details))
                continue
            c["person"]["name_search"] = search_text(c["person"]["name_native"], c["person"]["name_latin"])
            for d in c["docs"]:
                d["sealed"] = {
                    "number_sealed": crypto.seal(d["number"]),
                    "lookup": crypto.lookup_hash(d["kind"], d["issuing_country"], d["number"]),
                    "number_lookup": crypto.number_hash(d["number"]),
                }
            out.append(c)
    return out


def check_rows(
    recs: Sequence[dict[str, Any]], destinations: dict[str, Any], window: tuple[datetime, datetime]
) -> list[dict[str, Any] | DomainError] | None:
    """The checked values (or the refusal) of each row, computed by the workers; None when the
    workers are off or the batch is small (the caller checks it itself)."""
    n = processes()
    if n < 2 or len(recs) < MIN_ROWS:
        return None
    size = -(-len(recs) // n)
    language = translation.get_language() or settings.LANGUAGE_CODE
    codes = frozenset(destinations)
    parts = [_executor().submit(_check_part, list(recs[k : k + size]), window, codes, language) for k in range(0, len(recs), size)]
    out: list[dict[str, Any] | DomainError] = []
    for part in parts:
        for r in part.result():
            if isinstance(r, tuple):
                out.append(DomainError(r[0], r[1], details=r[2]))
            else:
                r["destination"] = destinations[r["destination"]] if r["destination"] is not None else None
                out.append(r)
    return out
