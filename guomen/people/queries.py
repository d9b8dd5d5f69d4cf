"""Reads of the people app, always within the reader's scope.

A person is reached through the unit that registered them, or through what higher apps register at
``people.person_reach`` (loop: the units and jurisdictions of their journeys).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from guomen.core import registry
from guomen.org.scoping import Scope

from . import crypto
from .models import DocumentWatch, IdentityDocument, Person
from .names import has_han, query_forms

PERSON_REACH = "people.person_reach"  # fn(scope) -> the ids of persons reached another way


def persons(scope: Scope) -> QuerySet[Person]:
    """Every person this scope reaches."""
    qs = Person.objects.all()
    if scope.everything:
        return qs
    reach = scope.q(Person)
    for through in registry.hooks(PERSON_REACH):  # loop: the people of the journeys within reach
        reach |= Q(pk__in=through(scope))
    return qs.filter(reach)


def _one(qs: QuerySet, **lookup: Any) -> Any:
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc


def person_get(scope: Scope, public_id: Any) -> Person:
    """One person within reach, or 404."""
    return _one(persons(scope).select_related("registered_by"), public_id=public_id)


def documents(scope: Scope) -> QuerySet[IdentityDocument]:
    return IdentityDocument.objects.filter(person__in=persons(scope))


def document_get(scope: Scope, public_id: Any) -> IdentityDocument:
    return _one(documents(scope).select_related("person", "border_county"), public_id=public_id)


def people_search(*, scope: Scope, q: str, limit: int = 50) -> QuerySet[Person]:
    """People within reach whose name matches ``q`` (Chinese characters, pinyin with or without
    spaces, initials, Latin name) or whose document number is exactly ``q`` (by its keyed hash)."""
    base = persons(scope)
    q = (q or "").replace("\x00", "").strip()[:120]
    if not q:
        return base.none()
    typed, folded = query_forms(q)
    cond = Q(name_native__icontains=q) | Q(name_search__contains=typed)
    if folded and not has_han(q):
        cond |= Q(name_search__contains=folded)
    number = crypto.normalise(q)
    if len(number) >= 4 and any(ch.isdigit() for ch in number):
        cond |= Q(pk__in=IdentityDocument.objects.filter(number_lookup=crypto.number_hash(number)).values("person_id"))
    return base.filter(cond).select_related("registered_by").prefetch_related("documents")[:limit]


def watch_list(*, active: bool | None = True) -> QuerySet[DocumentWatch]:
    """The province's document watch-list (shared by every port: a lost passport is stopped anywhere)."""
    qs = DocumentWatch.objects.select_related("added_by")
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def watch_get(public_id: Any) -> DocumentWatch:
    return _one(DocumentWatch.objects.all(), public_id=public_id)
