"""Trends over the last days: arrivals from the daily counters, alerts from their times, people in
the loop from the daily snapshots and, for the days before snapshots began, from the custody events."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Sum, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncDate

from guomen.lib import clock
from guomen.lib.localtime import local_day, zone
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

    # People in the loop at each day's end: the snapshot where one was taken, else replayed from the events.
    snapped = set(LoopSnapshot.objects.filter(day__gte=first, day__lt=last).values_list("day", flat=True).distinct())
    in_loop = [0] * days
    for day, n in (
        LoopSnapshot.objects.filter(jurisdiction__path__startswith=node.path, day__in=snapped, state__in=OPEN_STATES)
        .values_list("day")
        .order_by()
        .annotate(total=Sum("n"))
        .values_list("day", "total")
    ):
        in_loop[index[day.isoformat()]] = n
    missing = [i for i in range(days - 1) if first + timedelta(days=i) not in snapped]
    if missing:
        replayed = open_by_day(node, first + timedelta(days=missing[0]), first + timedelta(days=missing[-1]))
        for i in missing:
            in_loop[i] = replayed[i - missing[0]]
    in_loop[-1] = sum(state_counts(node)[s] for s in OPEN_STATES)  # today: live
    return {
        "jurisdiction": node.code,
        "days": labels,
        "arrivals_by_port": [{"port": p.code, "name": p.name, "data": series[pk]} for pk, p in ports.items()],
        "in_loop": in_loop,
        "alerts_opened": opened,
        "alerts_closed": closed,
    }


# The events that decide whether a journey is open and who holds it (``loop.projection``): the ones
# that give custody (the event's unit takes it), an undo (reopens, with the custodian it restores)
# and the closures. Every other event leaves both as they were.
_TAKES = ("declared", "arrived", "intercepted", "found_locally", "handover_accepted")
_UNDO = "undone"
_CLOSES = ("closed", "override_closed")


def open_by_day(node: Jurisdiction, first: date, last: date) -> list[int]:
    """Journeys open at the end of each local day from ``first`` to ``last`` whose custodian was
    under ``node`` then, replayed from the custody events in one grouped query.

    Each custody-giving event (or undo) opens a span that lasts until the journey's next such
    event or closure: the span counts on its first local day and every day up to (not including)
    the local day the next one happened. The query groups the spans by those two days; the running
    sum over the days gives the figure of each day."""
    from guomen.loop.models import CustodyEvent

    start, _e = day_bounds(first)
    _s, end = day_bounds(last)
    following = (
        CustodyEvent.objects.filter(journey=OuterRef("journey"), seq__gt=OuterRef("seq"), kind__in=(*_TAKES, _UNDO, *_CLOSES))
        .order_by("seq")
        .values("occurred_at")[:1]
    )
    spans = (
        CustodyEvent.objects.filter(kind__in=(*_TAKES, _UNDO), occurred_at__lt=end)
        .annotate(
            until=Subquery(following),
            holder=Case(
                When(kind=_UNDO, then=Cast(KT("data__restore__custodian_id"), IntegerField())),
                default=F("unit_id"),
                output_field=IntegerField(),
            ),
        )
        .filter(Q(until__isnull=True) | Q(until__gte=start))
        .filter(holder__in=Unit.objects.filter(jurisdiction__path__startswith=node.path).values("pk"))
        .values(began=TruncDate("occurred_at", tzinfo=zone()), ended=TruncDate("until", tzinfo=zone()))
        .order_by()
        .annotate(n=Count("id"))
    )
    days = (last - first).days + 1
    change = [0] * (days + 1)
    for row in spans:
        began, ended = row["began"], row["ended"]
        if ended is not None and ended <= began:
            continue  # opened and moved on within one day: never held at a day's end
        change[max(0, (began - first).days)] += row["n"]
        if ended is not None and ended <= last:
            change[(ended - first).days] -= row["n"]
    out, running = [], 0
    for i in range(days):
        running += change[i]
        out.append(running)
    return out
