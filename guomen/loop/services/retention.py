"""Retention: a person whose journeys are all closed is anonymised GUOMEN_RETENTION_DAYS after the
last closure (names, document numbers, phone and exact birth date go; ``people.privacy``).
Journeys, custody events and counters are not touched, so figures stay true and every journey
still replays to the same states. A person with an open journey is never anonymised."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, QuerySet

from guomen.lib import clock
from guomen.people.models import Person
from guomen.people.privacy import person_anonymise

from ..models import Journey, State


@dataclass(frozen=True)
class Due:
    person: str  # public id: the list never shows a name
    journeys: list[str]
    last_closed: dt.datetime


def retention_days() -> int:
    return int(settings.GUOMEN_RETENTION_DAYS)


def retention_due(now: dt.datetime | None = None) -> QuerySet[Person]:
    """People past retention: not anonymised, no open journey, last journey closed before the cut-off."""
    cutoff = (now or clock.now()) - dt.timedelta(days=retention_days())
    open_journey = Journey.objects.filter(person=OuterRef("pk")).exclude(state=State.CLOSED)
    return (
        Person.objects.filter(anonymised_at__isnull=True, journeys__isnull=False)
        .exclude(Exists(open_journey))
        .annotate(last_closed=Max("journeys__closed_at"))
        .filter(last_closed__lt=cutoff)
        .order_by("last_closed", "pk")
    )


def retention_apply(*, dry_run: bool = False, now: dt.datetime | None = None, limit: int = 1000) -> list[Due]:
    """Anonymise (or, dry run, only list) the people past retention, oldest closure first."""
    out = []
    at = now or clock.now()
    for person in retention_due(at)[:limit]:
        codes = list(person.journeys.order_by("opened_at").values_list("code", flat=True))
        out.append(Due(person=str(person.public_id), journeys=codes, last_closed=person.last_closed))
        if not dry_run:
            person_anonymise(person, at=at)
    return out


def person_export_journeys(person: Any) -> dict[str, Any]:
    """What the loop holds about a person, for their subject access export."""
    journeys = []
    for j in person.journeys.order_by("opened_at").prefetch_related("events__unit"):
        journeys.append(
            {
                "code": j.code,
                "origin": j.origin,
                "origin_country": j.origin_country,
                "origin_place": j.origin_place,
                "risk": j.risk,
                "state": j.state,
                "opened_at": j.opened_at.isoformat(),
                "closed_at": j.closed_at.isoformat() if j.closed_at else None,
                "room": j.room,
                "events": [
                    {"seq": e.seq, "kind": e.kind, "at": e.occurred_at.isoformat(), "unit": e.unit.code, "data": e.data}
                    for e in sorted(j.events.all(), key=lambda e: e.seq)
                ],
            }
        )
    return {"journeys": journeys}
