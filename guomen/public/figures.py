"""The figures a bulletin is drafted from: arrivals, people in quarantine and positive results,
by prefecture, for a day — read from the loop's counters through ``command.queries``."""

from __future__ import annotations

from datetime import date
from typing import Any

from guomen.command import queries as cq
from guomen.core.levels import Level
from guomen.loop.models import State
from guomen.places.models import Jurisdiction

QUARANTINE_STATES = (State.IN_FACILITY, State.IN_HOSPITAL)


def figures_for(root: Jurisdiction, day: date) -> dict[str, Any]:
    """{"day", "rows": [{code, name_zh, name_en, arrivals, in_quarantine, positives}], "totals": {...}}."""
    prefectures = list(root.children.filter(level=Level.PREFECTURE).order_by("code")) if root.level == Level.PROVINCE else [root]
    counts = cq.child_state_counts(root, prefectures) if root.level == Level.PROVINCE else {root.code: cq.state_counts(root)}
    rows = []
    for p in prefectures:
        ids = cq.subtree_ids(p)
        states = counts.get(p.code, {})
        rows.append(
            {
                "code": p.code,
                "name_zh": p.name_zh,
                "name_en": p.name_en,
                "arrivals": sum(cq.arrivals_by_unit(ids, day).values()),
                "in_quarantine": sum(states.get(s, 0) for s in QUARANTINE_STATES),
                "positives": cq.positives(ids, day),
            }
        )
    totals = {k: sum(r[k] for r in rows) for k in ("arrivals", "in_quarantine", "positives")}
    return {"day": day.isoformat(), "rows": rows, "totals": totals}


def draft_texts(root: Jurisdiction, figures: dict[str, Any]) -> dict[str, str]:
    """The first wording of a figures bulletin, in both languages; the officer edits it."""
    t = figures["totals"]
    d = date.fromisoformat(figures["day"])
    zh_lines = [
        f"{d.year}年{d.month}月{d.day}日，{root.name_zh}入境人员{t['arrivals']}人，"
        f"集中隔离或住院{t['in_quarantine']}人，检测阳性{t['positives']}人。"
    ]
    en_lines = [
        f"On {d.isoformat()}, {root.name_en}: {t['arrivals']} arrivals, {t['in_quarantine']} people in "
        f"quarantine or hospital, {t['positives']} positive results."
    ]
    for r in figures["rows"]:
        zh_lines.append(f"{r['name_zh']}：入境{r['arrivals']}人，隔离{r['in_quarantine']}人，阳性{r['positives']}人。")
        en_lines.append(f"{r['name_en']}: {r['arrivals']} arrivals, {r['in_quarantine']} in quarantine, {r['positives']} positive.")
    return {
        "title_zh": f"{root.name_zh}{d.month}月{d.day}日疫情防控情况",
        "title_en": f"{root.name_en}: figures for {d.isoformat()}",
        "body_zh": "\n".join(zh_lines),
        "body_en": "\n".join(en_lines),
    }
