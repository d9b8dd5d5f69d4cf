"""A person's rights over their data: anonymisation when the purpose has ended, the export of
everything held about them (subject access), and a correction that is recorded and audited.

The journeys and custody events belong to ``loop``; it adds them to the export through the
``people.person_export`` hook and decides when a person's data has outlived its purpose
(``loop.services.retention``). Custody events are never changed: they hold no names or numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from guomen.core import registry
from guomen.lib import clock
from guomen.lib.errors import Conflict, DomainError
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope

from . import crypto
from .models import IdentityDocument, Person, Sex

PERSON_EXPORT = "people.person_export"  # fn(person) -> {section name: JSON-able data}
ANONYMISED_NAME = "已匿名"
# What a correction may change, and how each value is checked (by the registration's own rules).
CORRECTABLE = ("name_native", "name_latin", "sex", "birth_date", "nationality", "phone")


def CORRECTED_MESSAGE() -> str:
    return _("Corrected. The change and its reason are recorded.")


@transaction.atomic
def person_anonymise(person: Person, *, at: dt.datetime | None = None) -> bool:
    """Remove the names, document numbers and phone, keep the year of birth, sex, nationality and
    category (so figures stay true), and blank the change history's copies of the old values.
    False when the person was already anonymised."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.anonymised_at is not None:
        return False
    at = at or clock.now()
    doc_ids = list(person.documents.values_list("pk", flat=True))
    with disable_auditlog():  # the history must not keep what is being removed
        person.name_native = ANONYMISED_NAME
        person.name_latin = ""
        person.phone = ""
        if person.birth_date is not None:
            person.birth_date = dt.date(person.birth_date.year, 1, 1)
        person.anonymised_at = at
        person.save()
        for doc in IdentityDocument.objects.filter(pk__in=doc_ids):
            doc.number_sealed = crypto.seal("")
            doc.lookup = f"anonymised:{doc.public_id.hex}"
            doc.number_lookup = ""
            doc.last4 = ""
            doc.save(update_fields=["number_sealed", "lookup", "number_lookup", "last4"])
    for model, pks in ((Person, [person.pk]), (IdentityDocument, doc_ids)):
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), object_pk__in=[str(pk) for pk in pks]).update(
            object_repr=ANONYMISED_NAME, changes={}, changes_text="", serialized_data=None
        )
    return True


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def person_export(*, actor: Any, person: Person, reason: str, request: Any = None) -> dict[str, Any]:
    """Everything held about one person, for a subject access request: the person, their documents
    with the numbers in full, and what other apps hold (journeys, custody events). Audited."""
    from guomen.core.models import AccessLog
    from guomen.core.services import access_record

    from .queries import person_get
    from .services import clean_text

    scope = Scope.of(actor)
    person = person_get(scope, person.public_id)  # 404 outside reach
    if not scope.may_see_identity():
        raise PermissionDenied(_("Your role may not export a person's data."))
    reason = clean_text(reason, "reason", max_length=200, required=True)
    with transaction.atomic():
        data: dict[str, Any] = {
            "person": {
                "id": str(person.public_id),
                **{f: _iso(getattr(person, f)) for f in CORRECTABLE},
                "category": person.category,
                "registered_by": person.registered_by.code,
                "registered_at": _iso(person.created_at),
                "anonymised_at": _iso(person.anonymised_at),
            },
            "documents": [
                {
                    "id": str(d.public_id),
                    "kind": d.kind,
                    "issuing_country": d.issuing_country,
                    "number": crypto.unseal(d.number_sealed) if d.number_sealed else "",
                    "valid_from": _iso(d.valid_from),
                    "valid_until": _iso(d.valid_until),
                    "registered_at": _iso(d.created_at),
                }
                for d in person.documents.order_by("created_at")
            ],
        }
        for section in registry.hooks(PERSON_EXPORT):  # loop: journeys and their custody events
            data.update(section(person))
        data["exported_at"] = _iso(clock.now())
        access_record(
            user=actor, action=AccessLog.Action.SUBJECT_EXPORT, obj=person, subject=str(person.public_id), reason=reason, request=request
        )
    from .audit import check_view

    check_view(actor)
    return data


def person_correct(*, actor: Any, person: Person, changes: dict[str, Any], reason: str, request: Any = None) -> Person:
    """Correct a person's data at their request: command roles within reach, with a reason, each
    value checked as at registration. The change history keeps old and new values; the access
    audit records who corrected what and why."""
    from guomen.core.models import AccessLog
    from guomen.core.services import access_record

    from .queries import person_get
    from .services import birth_date_check, clean_choice, clean_country, clean_date, clean_text

    scope = Scope.of(actor)
    person = person_get(scope, person.public_id)
    if not scope.has_role(*COMMAND_ROLES):
        raise PermissionDenied(_("Only county, prefecture or province command may correct a person's data."))
    reason = clean_text(reason, "reason", max_length=200, required=True)
    unknown = set(changes) - set(CORRECTABLE)
    if unknown or not changes:
        raise DomainError("correction_fields", _("Choose what to correct: name, Latin name, sex, date of birth, nationality or phone."))
    if person.anonymised_at is not None:
        raise Conflict("anonymised", _("This person's data was anonymised and cannot be corrected."))
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "name_native":
            clean[name] = clean_text(value, name, max_length=120, required=True)
        elif name in ("name_latin", "phone"):
            clean[name] = clean_text(value, name, max_length=120 if name == "name_latin" else 40)
        elif name == "sex":
            clean[name] = clean_choice(value, Sex, "sex")
        elif name == "nationality":
            clean[name] = clean_country(value, "nationality")
        elif name == "birth_date":
            born = clean_date(value, "birth_date")
            if born is not None:
                birth_date_check(born)
            clean[name] = born
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        changed = [n for n, v in clean.items() if getattr(locked, n) != v]
        for n in changed:
            setattr(locked, n, clean[n])
        if changed:
            locked.save(update_fields=changed)  # auditlog records old and new values
        access_record(
            user=actor,
            action=AccessLog.Action.CORRECTION,
            obj=locked,
            subject=str(locked.public_id),
            reason=f"{', '.join(changed) or '-'}: {reason}",
            request=request,
        )
    return locked
