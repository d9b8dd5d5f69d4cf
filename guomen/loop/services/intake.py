"""Intake: people found by a village become journeys in the village committee's custody.

A returnee found locally is registered as a person (``people``) and starts a journey found
locally (``journey_intercept(found_locally=True)``); a self-declaration that the grid worker
confirms does the same and is marked confirmed with the journey's code. The declaration itself,
its public form and the list of those pending belong to ``places``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.lib.text import clean_text
from guomen.people.models import Category
from guomen.people.services import person_register
from guomen.places.models import Country, DeclarationState, Jurisdiction, SelfDeclaration
from guomen.places.services import committee_for

from ..models import Journey
from .beginnings import journey_intercept


def _invalid(code: str, message: str, field_name: str) -> DomainError:
    return DomainError(code, message, status=422, details={"field": field_name})


@transaction.atomic
def returnee_report(
    *,
    actor: Any,
    village: Jurisdiction,
    name: str,
    phone: str = "",
    nationality: str = "CHN",
    came_from_country: str = "",
    came_from: str = "",
    place: str = "",
    risk: str = "high",
    occurred_at: dt.datetime | None = None,
    document_kind: str = "resident_id",
    document_number: str = "",
) -> Journey:
    """A returnee found locally by the village: registered as a person (with the document they
    carry, when given), then a journey in the village committee's custody
    (``journey_intercept(found_locally=True)``)."""
    committee = committee_for(actor, village)
    if came_from_country and came_from_country not in Country.values:
        raise _invalid("bad_choice", _("“%(value)s” is not a valid choice.") % {"value": came_from_country}, "came_from_country")
    came_from = clean_text(came_from, "came_from", max_length=120, label=_("where the person came from"))
    documents = (
        [{"kind": document_kind or "resident_id", "number": document_number, "issuing_country": nationality}]
        if document_number.strip()
        else []
    )
    person = person_register(
        actor=actor, unit=committee, name_native=name, phone=phone, nationality=nationality, category=Category.RETURNEE, documents=documents
    )
    return journey_intercept(
        actor=actor,
        unit=committee,
        person=person,
        place=clean_text(place, "place", max_length=200, label=_("the place")),  # where in the village, if said
        found_locally=True,
        risk=risk,
        occurred_at=occurred_at,
        origin_country=came_from_country,
        origin_place=came_from,
        destination=village,
        details={"came_from": came_from} if came_from else None,
    )


@transaction.atomic
def self_declaration_confirm(*, actor: Any, declaration: SelfDeclaration, risk: str = "medium") -> Journey:
    """The grid worker confirms a self-declaration into a journey found locally by the village."""
    declaration = SelfDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.state != DeclarationState.PENDING:
        raise DomainError("already_handled", _("This declaration has already been handled."), status=409)
    journey = returnee_report(
        actor=actor,
        village=declaration.village,
        name=declaration.name,
        phone=declaration.phone,
        nationality="CHN",
        came_from_country=declaration.came_from_country,
        came_from=declaration.came_from,
        risk=risk,
        occurred_at=clock.now(),
    )
    declaration.state = DeclarationState.CONFIRMED
    declaration.handled_by = actor
    declaration.handled_at = clock.now()
    declaration.journey_code = journey.code
    declaration.save(update_fields=["state", "handled_by", "handled_at", "journey_code"])
    return journey
