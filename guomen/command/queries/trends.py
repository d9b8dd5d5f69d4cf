"""Trends over the last days, from the daily snapshots of the loop counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, Sum

from guomen.lib import clock
from guomen.lib.localtime import local_day
from guomen.org.models import Unit
from guomen.places.models import Jurisdiction

from ..models import LoopSnapshot
from .figures import ports_in, state_counts
from .nodes import day_bounds, local_today


# --- trends -------------------------------------------------------------------------------------------
def trends(node: Jurisdiction, *, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """Daily series over the last ``days`` local days: arrivals by port, people in the loop, alerts opened and closed."""
    from guomen.alerts.queries import in_subtree
    from guomen.loop.models import OPEN_STATES

    now = now or clock.now()
    days = max(1, min(int(days), 366))
    last = local_today(now)
    first = last - timedelta(days=days - 1)
    labels = [(first + timedelta(days=i)).isoformat() for i in range(days)]
    index = {d: i for i, d in enumerate(labels)}
    start, _end = day_bounds(first)
    _s, end = day_bounds(last)

    from guomen.loop.models import DailyCount

    ports = {p.pk: p for p in ports_in(node)}
    unit_port = dict(Unit.objects.filter(passage_id__in=list(ports)).values_list("pk", "passage_id"))
    series: dict[int, list[int]] = {pk: [0] * days for pk in ports}
    for unit_id, day, n in DailyCount.objects.filter(
        what=DailyCount.ARRIVED, day__gte=first, day__lte=last, unit_id__in=list(unit_port)
    ).values_list("unit_id", "day", "n"):
        series[unit_port[unit_id]][index[day.isoformat()]] += n

    opened = [0] * days
    closed = [0] * days
    alert_rows = in_subtree(node.path, state="all").filter(
        Q(opened_at__gte=start, opened_at__lt=end) | Q(closed_at__gte=start, closed_at__lt=end)
    )
    for o, c in alert_rows.values_list("opened_at", "closed_at"):
        if start <= o < end:
            opened[index[local_day(o).isoformat()]] += 1
        if c is not None and start <= c < end:
            closed[index[local_day(c).isoformat()]] += 1

    in_loop: list[int | None] = [None] * days
    for day, n in (
        LoopSnapshot.objects.filter(jurisdiction__path__startswith=node.path, day__gte=first, day__lte=last, state__in=OPEN_STATES)
        .values_list("day")
        .order_by()
        .annotate(total=Sum("n"))
        .values_list("day", "total")
    ):
        in_loop[index[day.isoformat()]] = n
    in_loop[-1] = sum(state_counts(node)[s] for s in OPEN_STATES)  # today: live
    return {
        "jurisdiction": node.code,
        "days": labels,
        "arrivals_by_port": [{"port": p.code, "name": p.name, "data": series[pk]} for pk, p in ports.items()],
        "in_loop": in_loop,
        "alerts_opened": opened,
        "alerts_closed": closed,
    }
