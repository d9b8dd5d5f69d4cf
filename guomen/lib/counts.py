"""The roll-up of counters kept per jurisdiction: sum them into the subtrees they fall under.

A counter row is ``(jurisdiction path, key, n)`` — journeys per state today, any tally tomorrow.
Paths are "/530000/533100/533102/", so a row falls under a top when its path starts with the top's.
"""

from __future__ import annotations

from collections.abc import Iterable

Row = tuple[str, str, int]


def roll_up(rows: Iterable[Row], tops: Iterable[str], keys: Iterable[str] = ()) -> dict[str, dict[str, int]]:
    """``{top: {key: total}}``: each row added to the first top whose subtree holds it (tops are
    expected disjoint); every key in ``keys`` starts at 0; rows under no top are left out."""
    tops = list(tops)
    keys = list(keys)
    out: dict[str, dict[str, int]] = {top: dict.fromkeys(keys, 0) for top in tops}
    # A row is under a top when the row's path cut to the top's length is the top: one slice and
    # one look-up per distinct length of tops (usually one), not a comparison with every top.
    rank: dict[str, int] = {}
    for i, top in enumerate(tops):
        rank.setdefault(top, i)
    lengths = sorted({len(top) for top in tops})
    for path, key, n in rows:
        best = None
        for length in lengths:
            r = rank.get(path[:length])
            if r is not None and (best is None or r < best):
                best = r
        if best is not None:
            top = tops[best]
            out[top][key] = out[top].get(key, 0) + (n or 0)
    return out


def total(rows: Iterable[Row], tops: Iterable[str], keys: Iterable[str] = ()) -> dict[str, int]:
    """``{key: total}`` over every top's subtree together."""
    out: dict[str, int] = dict.fromkeys(keys, 0)
    for per_top in roll_up(rows, tops, keys).values():
        for key, n in per_top.items():
            out[key] = out.get(key, 0) + n
    return out
