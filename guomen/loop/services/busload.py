"""A busload at the port desk: scanned arrivals, a grid of screenings, one decision for the group.

Every step goes through the loop's own services (arrival, screening, disposition), one person at
a time, each in its own transaction: one refused person spoils no other, and the rules of the
loop (the fever rule above all) hold for every person of the group. A person with fever, symptoms
or a positive result is split out of the group's decision and goes to hospital by their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guomen.lib.errors import DomainError
from guomen.org.models import Unit
from guomen.org.scoping import Scope

from .. import projection as proj
from ..models import EventKind, Journey, State
from .authority import _act_for, _port_unit
from .beginnings import journey_arrive
from .gate import GATE_STATES, journey_dispose, journey_screen

CODE = re.compile(r"^GM[A-Z0-9]{8}$")
MRZ_LINE = 44


def _document_number(token: str) -> str:
    """A typed document number, or the second line of a passport's machine-readable zone."""
    if len(token) == 2 * MRZ_LINE:
        token = token[MRZ_LINE:]
    if len(token) == MRZ_LINE:
        if token.startswith("P"):
            raise DomainError("mrz_first_line", _("That was the passport's first line: scan the second line."), status=422)
        return token[:9].replace("<", "")
    return token


def bus_find(scope: Scope, unit: Unit, token: str) -> Journey:
    """The open journey at this port that a scanned loop card or document number belongs to."""
    from guomen.people.crypto import number_hash

    compact = "".join(str(token or "").split()).upper()
    if not compact or len(compact) > 2 * MRZ_LINE:
        raise DomainError("scan_empty", _("Scan a loop card or a passport, or type its number."), status=422, details={"field": "scan"})
    qs = scope.filter(Journey.objects.filter(custodian=unit, closed_at__isnull=True)).select_related("person", "custodian")
    if CODE.match(compact):
        j = qs.filter(code=compact).first()
    else:
        j = qs.filter(person__documents__number_lookup=number_hash(_document_number(compact))).first()
    if j is None:
        raise DomainError(
            "scan_unknown",
            _("No open journey at this port for %(token)s. Register the person if they were not declared.") % {"token": compact[:20]},
            status=422,
            details={"field": "scan"},
        )
    return j


def bus_arrive(*, actor: Any, unit: Unit, token: str) -> tuple[Journey, bool]:
    """A scan at the desk: the person's arrival (once: a second scan of the same card changes nothing).
    Returns the journey and whether this scan recorded the arrival."""
    scope = _act_for(actor, unit)
    _port_unit(unit)
    j = bus_find(scope, unit, token)
    if j.state != State.DECLARED:
        return j, False
    journey_arrive(actor=actor, unit=unit, journey=j)
    j.refresh_from_db()
    return j, True


def screened(journeys: Iterable[Journey]) -> dict[int, dict[str, Any]]:
    """The latest screening of each journey (temperature, symptoms, fever)."""
    from ..models import CustodyEvent

    out: dict[int, dict[str, Any]] = {}
    ids = [j.pk for j in journeys]
    for e in CustodyEvent.objects.filter(journey_id__in=ids, kind=EventKind.SCREENED).order_by("journey_id", "seq"):
        out[e.journey_id] = e.data
    return out


@dataclass
class BusReport:
    done: list[Journey] = field(default_factory=list)
    split: list[Journey] = field(default_factory=list)  # fever, symptoms or positive: to hospital, on their own
    waiting: list[Journey] = field(default_factory=list)  # not yet arrived or screened
    refused: list[tuple[Journey, str]] = field(default_factory=list)


def bus_screen(*, actor: Any, readings: Sequence[tuple[Journey, Any, Sequence[str]]]) -> BusReport:
    """The grid's temperatures, each one screening through ``journey_screen``."""
    report = BusReport()
    for j, temperature, symptoms in readings:
        try:
            with transaction.atomic():
                journey_screen(actor=actor, journey=j, temperature=temperature, symptoms=symptoms)
        except DomainError as e:
            report.refused.append((j, e.message))
            continue
        j.refresh_from_db()
        (report.split if proj.flags(j.facts) else report.done).append(j)
    return report


def bus_dispose(
    *, actor: Any, journeys: Sequence[Journey], disposition: str, to_unit: Unit | None, via_unit: Unit | None = None
) -> BusReport:
    """One decision for the group, taken person by person through ``journey_dispose``. Those with a
    standing flag are split out (the fever rule: they go to hospital); those not yet screened wait."""
    report = BusReport()
    seen = screened(journeys)
    for j in journeys:
        j.refresh_from_db()
        if j.state not in GATE_STATES:
            continue
        if proj.flags(j.facts):
            report.split.append(j)
            continue
        if j.pk not in seen:
            report.waiting.append(j)
            continue
        try:
            with transaction.atomic():
                journey_dispose(actor=actor, journey=j, disposition=disposition, to_unit=to_unit, via_unit=via_unit)
        except DomainError as e:
            report.refused.append((j, e.message))
            continue
        report.done.append(j)
    return report
