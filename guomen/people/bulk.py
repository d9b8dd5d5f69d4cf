"""Persons and documents many at a time, for imports of thousands of rows (a manifest).

The values are checked by ``services.person_values`` — the same checks as ``person_register`` —
and each new document is stored as ``services.document_row`` stores it (number sealed, keyed
hashes). Here only the reads and writes are done for a whole batch: one query finds the persons of
the documents already registered, one statement each inserts the new persons, their documents and
their audit entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from guomen.lib.bulkinsert import insert_rows
from guomen.org.scoping import Scope

from .models import IdentityDocument, Person
from .names import search_text
from .services import document_row

AUDITED_PERSON_FIELDS = ("name_native", "name_latin", "sex", "birth_date", "nationality", "phone", "category")


def persons_of_documents(lookups: Iterable[str]) -> dict[str, int]:
    """Keyed hash → person id, for those of ``lookups`` already registered."""
    keys = list(set(lookups))
    out: dict[str, int] = {}
    table = connection.ops.quote_name(IdentityDocument._meta.db_table)
    # Plain SQL: the ORM's ``__in`` prepares each of thousands of values one by one.
    with connection.cursor() as c:
        for i in range(0, len(keys), 5000):  # well under any database's bound on parameters
            part = keys[i : i + 5000]
            if connection.vendor == "postgresql":
                c.execute(f"SELECT lookup, person_id FROM {table} WHERE lookup = ANY(%s)", [part])  # noqa: S608 -- the model's table
            else:
                marks = ", ".join(["%s"] * len(part))
                c.execute(f"SELECT lookup, person_id FROM {table} WHERE lookup IN ({marks})", part)  # noqa: S608 -- the model's table
            out.update(c.fetchall())
    return out


def persons_insert(*, actor: Any, unit: Any, items: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]) -> list[int]:
    """New persons with their documents, from ``(values, docs)`` checked by ``person_values`` and
    whose documents are not yet registered. Their ids, in order. Call inside a transaction."""
    return persons_write(persons_rows(actor=actor, unit=unit, items=items))


@dataclass
class NewPersons:
    """The rows of new persons, their documents and audit entries, made ready before any is written
    (``persons_rows``); only the ids are missing (``persons_write``)."""

    actor_id: Any = None
    persons: list[dict[str, Any]] = field(default_factory=list)
    docs: list[list[dict[str, Any]]] = field(default_factory=list)  # each person's documents
    person_changes: list[dict[str, Any]] = field(default_factory=list)
    doc_changes: list[dict[str, Any]] = field(default_factory=list)


def persons_rows(*, actor: Any, unit: Any, items: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]) -> NewPersons:
    """What ``persons_insert`` writes, computed (search text, numbers sealed and hashed, audit changes)
    without writing anything: the permission is checked here, before any write."""
    out = NewPersons(actor_id=getattr(actor, "pk", None))
    if not items:
        return out
    Scope.of(actor).require_act_for(unit)
    for values, ds in items:
        person = {
            **values,
            "registered_by_id": unit.pk,
            # computed already where the checks ran in worker processes (``loop.bulk_pool``)
            "name_search": values.get("name_search") or search_text(values["name_native"], values["name_latin"]),
        }
        out.persons.append(person)
        out.person_changes.append(_person_changes(person))
        docs = [document_row(None, d) for d in ds]
        out.docs.append(docs)
        out.doc_changes.extend(_document_changes(d) for d in docs)
    return out


def persons_write(new: NewPersons) -> list[int]:
    """Write what ``persons_rows`` made ready; the persons' ids, in order. Call inside a transaction."""
    if not new.persons:
        return []
    ids = insert_rows(Person, new.persons)
    docs = []
    for pid, ds in zip(ids, new.docs, strict=True):
        for d in ds:
            d["person_id"] = pid
            docs.append(d)
    doc_ids = insert_rows(IdentityDocument, docs)
    _audit(new.actor_id, Person, ids, new.person_changes, [p["name_native"] for p in new.persons])
    _audit(new.actor_id, IdentityDocument, doc_ids, new.doc_changes, [f"••••{d['last4']}" for d in docs])
    return ids


def _person_changes(p: dict[str, Any]) -> dict[str, list[str]]:
    return {f: ["None", str(p[f])] for f in AUDITED_PERSON_FIELDS if p.get(f) not in (None, "")}


def _document_changes(d: dict[str, Any]) -> dict[str, list[str]]:
    return {f: ["None", str(d[f])] for f in ("kind", "issuing_country", "last4", "valid_until") if d.get(f) not in (None, "")}


def _audit(actor_id: Any, model: type, ids: list[int], changes: list[dict[str, Any]], reprs: list[str]) -> None:
    """One "create" entry of the audit log per new row, as a save would have written."""
    from auditlog.models import LogEntry

    ct = ContentType.objects.get_for_model(model)
    insert_rows(
        LogEntry,
        [
            {
                "content_type_id": ct.pk,
                "object_pk": str(i),
                "object_id": i,
                "object_repr": r,
                "action": LogEntry.Action.CREATE,
                "changes": c,
                "changes_text": "",
                "actor_id": actor_id,
                "additional_data": None,
                "serialized_data": None,
            }
            for i, c, r in zip(ids, changes, reprs, strict=True)
        ],
    )
