"""The after-action report as a bilingual PDF (WeasyPrint, like guomen.loop.pdf): the timeline,
measured times against targets, ratings and improvement items."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from guomen.lib.localtime import zone

from . import queries
from .models import Activation, Rating

RATING_BILINGUAL = {
    Rating.P: "P 顺利完成 Performed without challenges",
    Rating.S: "S 完成但有一些困难 Performed with some challenges",
    Rating.M: "M 完成但困难较大 Performed with major challenges",
    Rating.U: "U 未能完成 Unable to be performed",
}


def context(act: Activation) -> dict[str, Any]:
    rows = queries.board(act)
    return {
        "act": act,
        "plan": act.plan,
        "rows": [{"r": r, "rating": RATING_BILINGUAL.get(r.step.rating, "—"), "target_local": r.target_local} for r in rows],
        "summary": queries.board_summary(rows),
        "events": list(act.drill_events.all()),
        "improvements": list(act.improvements.select_related("owner_unit", "task")),
        "started_local": timezone.localtime(act.started_at, zone()),
        "ended_local": timezone.localtime(act.ended_at, zone()) if act.ended_at else None,
    }


def aar(act: Activation) -> bytes:
    from weasyprint import HTML

    html = render_to_string("emergency/aar.html", context(act))
    return HTML(string=html).write_pdf()
