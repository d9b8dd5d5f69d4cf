"""Declaring a manifest's rows a batch at a time: what ``journey_declare`` does row by row, with one
query per batch for each lookup and one statement per table for the writes.

Every row is checked by ``manifest.check_row`` (the checks of the one-row path) before anything
is written; the outcomes are those of the one-row path in the same order: taken, unchanged (the
person already has a journey declared at this port) or refused with its code and reason. The
journey's projection is computed by ``loop.projection`` from its "declared" event, exactly as the
engine computes it, and the per-jurisdiction count rises by the number of journeys opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib.bulkinsert import insert_rows
from guomen.lib.errors import DomainError
from guomen.org.models import Unit
from guomen.places.models import Jurisdiction, Level

from . import bulk_pool
from . import projection as proj
from .models import CustodyEvent, EventKind, Journey, Origin, State
from .policy import Rules


@dataclass
class Row:
    """One row of a batch: its number, the record as read, and a refusal decided before (a duplicate)."""

    n: int
    rec: dict[str, Any]
    refused: DomainError | None = None


def outcome_refused(n: int, e: DomainError) -> tuple[str, dict[str, Any]]:
    field_name = (e.details or {}).get("field") if isinstance(e.details, dict) else None
    return "rejected", {"row": n, "code": e.code, "reason": e.message, **({"field": field_name} if field_name else {})}


@dataclass
class Prepared:
    """A batch checked and its rows made ready (``prepare_rows``): what ``write_rows`` writes in one
    transaction, and the outcome of every row once it is written."""

    outcomes: list[tuple[str, dict[str, Any]]]
    persons: Any = None  # people.bulk.NewPersons
    journeys: list[dict[str, Any]] = field(default_factory=list)  # "person_id" is ("new", k) for the k-th new person
    events: list[dict[str, Any]] = field(default_factory=list)
    jurisdiction_id: Any = None


def declare_rows(*, actor: Any, port_unit: Unit, label: str, rows: Sequence[Row]) -> list[tuple[str, dict[str, Any]]]:
    """The outcome of every row, in order: ("taken" | "unchanged" | "rejected", report entry).
    The batch's writes are one transaction; nothing is written for a refused row."""
    return write_rows(prepare_rows(actor=actor, port_unit=port_unit, label=label, rows=rows))


def prepare_rows(*, actor: Any, port_unit: Unit, label: str, rows: Sequence[Row]) -> Prepared:
    """Every row checked, and the rows of the batch's new persons, documents, audit entries, journeys
    and events computed; the database is only read. ``write_rows`` writes them."""
    from guomen.people.bulk import persons_of_documents, persons_rows

    from .manifest import check_row
    from .services.authority import _act_for, _port_unit
    from .services.beginnings import expected_window
    from .services.engine import _new_code, _now, policy_current

    codes = {str(r.rec.get("destination")) for r in rows if r.refused is None and r.rec.get("destination")}
    destinations = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)} if codes else {}
    outcomes: list[tuple[str, dict[str, Any]] | None] = [None] * len(rows)
    checked: list[tuple[int, dict[str, Any]]] = []
    window = expected_window(_now())
    todo = [i for i, r in enumerate(rows) if r.refused is None]
    for i, r in enumerate(rows):
        if r.refused is not None:
            outcomes[i] = outcome_refused(r.n, r.refused)
    pooled = bulk_pool.check_rows([rows[i].rec for i in todo], destinations, window)  # None: checked here
    for k, i in enumerate(todo):
        try:
            c = pooled[k] if pooled is not None else check_row(rows[i].rec, destinations.get, window)
            if isinstance(c, DomainError):
                raise c
            checked.append((i, c))
        except DomainError as e:
            outcomes[i] = outcome_refused(rows[i].n, e)
    if not checked:
        return Prepared([o for o in outcomes if o is not None])

    known = persons_of_documents(c["lookup"] for _i, c in checked)
    open_by_person: dict[Any, str] = {}  # person → code of the open journey declared here (taken or found)
    blocking: dict[Any, str] = {}  # person → code of an open journey elsewhere or further on
    if known:
        ids = list(set(known.values()))
        for k in range(0, len(ids), 5000):
            for pid, state, custodian_id, code in Journey.objects.filter(
                person_id__in=ids[k : k + 5000], closed_at__isnull=True
            ).values_list("person_id", "state", "custodian_id", "code"):
                if state == State.DECLARED and custodian_id == port_unit.pk:
                    open_by_person.setdefault(pid, code)
                else:
                    blocking.setdefault(pid, code)

    new_person: dict[str, int] = {}  # document hash → index into new_items, for documents first seen in this batch
    new_items: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    to_open: list[tuple[int, dict[str, Any], Any]] = []  # (row index, checked values, person key)
    port_error: DomainError | None = None
    port_checked = False
    for i, c in checked:
        n = rows[i].n
        person: Any = known.get(c["lookup"])
        if person is None:
            person = ("new", new_person.get(c["lookup"]))
        if person in blocking:
            outcomes[i] = outcome_refused(
                n, DomainError("journey_open", _("This person already has an open journey (%(code)s).") % {"code": blocking[person]})
            )
            continue
        if person in open_by_person:
            outcomes[i] = ("unchanged", {"row": n, "journey": open_by_person[person]})
            continue
        if not port_checked:
            port_checked = True
            _act_for(actor, port_unit)
            try:
                _port_unit(port_unit)
            except DomainError as e:
                port_error = e
        if port_error is not None:
            outcomes[i] = outcome_refused(n, port_error)
            continue
        dest = c["destination"]
        if dest is not None and dest.level not in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
            outcomes[i] = outcome_refused(
                n, DomainError("invalid_destination", _("The destination must be a county, township or village."))
            )
            continue
        if person == ("new", None):
            new_person[c["lookup"]] = len(new_items)
            person = ("new", len(new_items))
            new_items.append((c["person"], c["docs"]))
        code = _new_code()
        open_by_person[person] = code
        to_open.append((i, c, person))
        outcomes[i] = ("taken", {"row": n, "journey": code})

    out = Prepared([o for o in outcomes if o is not None])
    if not to_open:
        return out
    out.persons = persons_rows(actor=actor, unit=port_unit, items=new_items)
    out.jurisdiction_id = port_unit.jurisdiction_id
    policy = policy_current()
    rules = Rules.model_validate(policy.rules)
    # One time for the batch (one transaction), so the projection of a "declared" event depends
    # only on the expected arrival and the risk: computed once for each pair in the batch.
    now, updated = _now(), timezone.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    projected: dict[tuple[str, str], proj.Projection] = {}
    for i, c, person in to_open:
        data = {"expected_at": c["expected_at"].isoformat(), "source": f"{label} #{rows[i].n}"[:200]}
        p = projected.get((data["expected_at"], c["risk"]))
        if p is None:
            p = proj.apply(proj.Projection(), proj.Ev(1, EventKind.DECLARED, now, port_unit.pk, data), rules, c["risk"])
            projected[(data["expected_at"], c["risk"])] = p
        out.journeys.append(
            {
                "code": outcomes[i][1]["journey"],  # type: ignore[index]
                "person_id": person,
                "origin": Origin.DECLARATION,
                "port_id": port_unit.passage_id,
                "origin_country": c["origin_country"][:3].upper(),
                "origin_place": c["origin_place"][:120],
                "destination_id": c["destination"].pk if c["destination"] is not None else None,
                "risk": c["risk"],
                "policy_id": policy.pk,
                "opened_at": now,
                "state": p.state,
                "custodian_id": p.custodian_id,
                "jurisdiction_id": port_unit.jurisdiction_id,
                "state_since": p.state_since,
                "due_at": p.due_at,
                "awaiting": p.awaiting,
                "last_seq": p.last_seq,
                "pending_unit_id": p.pending_unit_id,
                "expected_at": p.expected_at,
                "room": p.room,
                "facts": p.facts,
                "closed_at": p.closed_at,
                "alert_open": False,
                "updated_at": updated,
            }
        )
        out.events.append(
            {
                "seq": p.last_seq,
                "kind": EventKind.DECLARED,
                "occurred_at": now,
                "actor_id": actor_id,
                "unit_id": port_unit.pk,
                "data": data,
                "journey_opened_at": now,
            }
        )
    return out


def write_rows(prepared: Prepared) -> list[tuple[str, dict[str, Any]]]:
    """Write a prepared batch in one transaction (all of it or, on an error, none); its outcomes.
    Only writes: it may run on another connection while the next batch is prepared."""
    from guomen.people.bulk import persons_write

    from .services.engine import _counts

    if prepared.journeys:
        with transaction.atomic():
            new_ids = persons_write(prepared.persons)
            for j in prepared.journeys:
                if isinstance(j["person_id"], tuple):
                    j["person_id"] = new_ids[j["person_id"][1]]
            journey_ids = insert_rows(Journey, prepared.journeys)
            for e, jid in zip(prepared.events, journey_ids, strict=True):
                e["journey_id"] = jid
            insert_rows(CustodyEvent, prepared.events)
            _counts(prepared.jurisdiction_id, State.DECLARED, len(prepared.journeys))
    return prepared.outcomes
