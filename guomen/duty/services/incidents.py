"""Incidents: reported, advanced step by step, and interceptions that enter the closed loop."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.core import fieldtime
from guomen.lib.errors import Conflict
from guomen.lib.text import clean_text
from guomen.org.models import Unit
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope
from guomen.places.models import BorderSegment, Passage

from ..models import (
    DutyPost,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentTransition,
    InterceptedPerson,
    Patrol,
)
from .common import _act_for, _aware, _coord, _invalid, _may_manage, _now


# --- incidents ---------------------------------------------------------------------------------------
def _incident_code(at: datetime) -> str:
    return f"INC-{timezone.localtime(at):%Y%m%d}-{secrets.token_hex(3).upper()}"


@transaction.atomic
def incident_report(
    *,
    actor: Any,
    unit: Unit,
    kind: str,
    description: str = "",
    found_at: datetime | None = None,
    place: str = "",
    post: DutyPost | None = None,
    patrol: Patrol | None = None,
    segment: BorderSegment | None = None,
    passage: Passage | None = None,
    lat: Any = None,
    lon: Any = None,
    persons_count: int = 0,
) -> Incident:
    """An incident found on duty (status ``found``)."""
    _act_for(actor, unit) if not Scope.of(actor).has_role(*COMMAND_ROLES) else _may_manage(actor, unit)
    if kind not in IncidentKind.values:
        raise _invalid("bad_kind", _("Unknown kind of incident."), "kind")
    la = lo = None
    if lat not in (None, "") or lon not in (None, ""):
        la, lo = _coord(lat, lon)
    at = fieldtime.occurred_at(_aware(found_at, "found_at") if found_at else None, "found_at", now=_now())
    inc = Incident.objects.create(
        code=_incident_code(at),
        kind=kind,
        unit=unit,
        jurisdiction=(segment.county if segment else None) or (passage.county if passage else None) or unit.jurisdiction,
        found_at=at,
        found_by=actor,
        post=post,
        patrol=patrol,
        segment=segment,
        passage=passage,
        place=clean_text(place, "place", max_length=160, label=_("the place")),
        lat=la,
        lon=lo,
        description=clean_text(description, "description", max_length=4000, multiline=True, label=_("the description")),
        persons_count=max(int(persons_count or 0), 0),
    )
    IncidentTransition.objects.create(incident=inc, from_status="", to_status=IncidentStatus.FOUND, actor=actor, at=at)
    return inc


@transaction.atomic
def incident_advance(*, actor: Any, incident: Incident, to_status: str, note: str = "") -> Incident:
    """Move an incident one step along 发现→上报→处置→核查→结案, recording who and when."""
    _may_manage(actor, incident.unit)
    inc = Incident.objects.select_for_update().get(pk=incident.pk)
    if to_status not in IncidentStatus.values:
        raise _invalid("bad_status", _("Unknown status."), "to_status")
    if inc.status == to_status:
        return inc  # a retry
    if inc.next_status != to_status:
        raise Conflict(
            "wrong_status",
            _("An incident that is “%(status)s” can only move to the next step.") % {"status": inc.get_status_display()},
            details={"status": inc.status, "allowed": [inc.next_status] if inc.next_status else []},
        )
    note = clean_text(note, "note", max_length=500, label=_("the note"))
    if to_status in (IncidentStatus.VERIFIED, IncidentStatus.CLOSED) and not note:
        raise _invalid("note_required", _("Say what was checked or concluded."), "note")
    IncidentTransition.objects.create(incident=inc, from_status=inc.status, to_status=to_status, actor=actor, at=_now(), note=note)
    inc.status = to_status
    inc.save(update_fields=["status", "updated_at"])
    return inc


@transaction.atomic
def incident_intercept(
    *,
    actor: Any,
    unit: Unit,
    persons: Sequence[Mapping[str, Any]],
    description: str = "",
    found_at: datetime | None = None,
    place: str = "",
    post: DutyPost | None = None,
    patrol: Patrol | None = None,
    segment: BorderSegment | None = None,
    passage: Passage | None = None,
    lat: Any = None,
    lon: Any = None,
) -> Incident:
    """An illegal crossing intercepted: the incident, and each person into the closed loop in the
    intercepting unit's custody (people.person_register, then loop.journey_intercept). All or nothing."""
    from guomen.loop.services import journey_intercept
    from guomen.people.services import person_register

    if not persons:
        raise _invalid("no_persons", _("Name at least one intercepted person."), "persons")
    inc = incident_report(
        actor=actor,
        unit=unit,
        kind=IncidentKind.INTERCEPTION,
        description=description,
        found_at=found_at,
        place=place,
        post=post,
        patrol=patrol,
        segment=segment,
        passage=passage,
        lat=lat,
        lon=lon,
        persons_count=len(persons),
    )
    allowed = {"name_native", "name_latin", "sex", "birth_date", "nationality", "phone", "category", "documents"}
    where = inc.place or (passage.name if passage else "") or (segment.code if segment else "") or (post.name if post else "")
    for i, raw in enumerate(persons):
        extra = set(raw) - allowed
        if extra:
            raise _invalid("unknown_field", _("Unknown field: %(field)s") % {"field": sorted(extra)[0]}, f"persons[{i}]")
        person = person_register(actor=actor, unit=unit, **dict(raw))
        journey = journey_intercept(
            actor=actor,
            unit=unit,
            person=person,
            place=where,
            passage=passage,
            occurred_at=inc.found_at,
            details={"incident": inc.code},
            origin_country=str(raw.get("nationality") or "") if str(raw.get("nationality") or "") != "CHN" else "",
        )
        InterceptedPerson.objects.get_or_create(incident=inc, person=person, defaults={"journey": journey})
    return inc
