"""The journey page: its timeline, flags, findings and the steps its holder may take."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guomen.lib import clock
from guomen.org.models import Unit, UnitKind
from guomen.org.scoping import Scope
from guomen.people.models import IdentityDocument

from .. import forms as f
from .. import queries, steps
from .. import services as s
from ..models import CustodyEvent, Disposition, EventKind, Journey, State
from ..projection import flags, monitoring_served, quarantine_served, tests_satisfied
from ..rules import flag_labels
from .plumbing import RECEIVING_KINDS, _journey, awaiting_label, likely_units, loop_page, time_left
from .step_text import text_of


# --- the journey: timeline and the steps its holder may take -------------------------------------
def _events(j: Journey) -> list[CustodyEvent]:
    events = list(j.events.select_related("unit", "actor").order_by("seq"))
    unit_names = {}
    ids = {e.data.get(k) for e in events for k in ("to_unit", "destination", "via_unit") if isinstance(e.data.get(k), int)}
    if ids:
        unit_names = {u.pk: u.name for u in Unit.objects.filter(pk__in=ids)}
    for e in events:
        e.summary = _event_summary(e, unit_names)
    return events


def _event_summary(e: CustodyEvent, unit_names: dict[int, str]) -> str:
    d = e.data or {}
    parts: list[str] = []
    if "temperature" in d:
        parts.append(_("%(t)s °C") % {"t": d["temperature"]})
    if d.get("symptoms"):
        labels = dict(f.SYMPTOM_CHOICES)
        parts.append(", ".join(str(labels.get(x, x)) for x in d["symptoms"]))
    if d.get("fever"):
        parts.append(_("fever or symptoms"))
    if e.kind == EventKind.DOCUMENT_CHECKED:
        parts.append(f"••••{d.get('last4', '')}")
        for finding in d.get("findings") or []:
            parts.append(_finding_label(finding))
    if d.get("sample_id"):
        parts.append(_("sample %(id)s") % {"id": d["sample_id"]})
    if d.get("result"):
        parts.append(str(dict(f.RESULT_CHOICES).get(d["result"], d["result"])))
    if d.get("disposition"):
        parts.append(str(Disposition(d["disposition"]).label))
    if d.get("to_unit") and e.kind != EventKind.DISPOSED:
        parts.append(_("to %(unit)s") % {"unit": unit_names.get(d["to_unit"], d.get("to_code", ""))})
    if d.get("destination") and e.kind == EventKind.HANDOVER_OFFERED:
        parts.append(_("destination %(unit)s") % {"unit": unit_names.get(d["destination"], d.get("destination_code", ""))})
    if e.kind == EventKind.DISPOSED and d.get("to_unit"):
        parts.append(_("to %(unit)s") % {"unit": unit_names.get(d["to_unit"], d.get("to_code", ""))})
        if d.get("via_unit"):
            parts.append(_("via %(unit)s") % {"unit": unit_names.get(d["via_unit"], "")})
    if d.get("expected_at"):
        try:
            exp = timezone.localtime(datetime.fromisoformat(d["expected_at"]))
            parts.append(_("expected %(t)s") % {"t": exp.strftime("%Y-%m-%d %H:%M")})
        except ValueError:
            pass
    if d.get("room"):
        parts.append(_("room %(room)s") % {"room": d["room"]})
    if d.get("condition"):
        parts.append(str(dict(f.CONDITION_CHOICES).get(d["condition"], d["condition"])))
    if d.get("flags"):
        parts.append(_("flags: %(flags)s") % {"flags": ", ".join(flag_labels(d["flags"]))})
    if isinstance(d.get("override"), dict):
        parts.append(
            _("command override by %(user)s: %(reason)s") % {"user": d["override"].get("by", ""), "reason": d["override"].get("reason", "")}
        )
    if d.get("card") is False:
        parts.append(_("accepted without the card: %(reason)s") % {"reason": d.get("without_card_reason", "")})
    for key in ("reason", "override_reason", "note", "place"):
        if d.get(key) and isinstance(d[key], str):
            parts.append(REASON_LABELS.get(d[key], d[key]) if key == "reason" else d[key])
    return " · ".join(str(p) for p in parts if p)


# The reasons the services themselves record (a person's own words pass as they are).
REASON_LABELS = {
    "fever": gettext_lazy("sent to hospital: fever or symptoms at a check"),
    "positive": gettext_lazy("sent to hospital: positive test"),
    "released_at_gate": gettext_lazy("released at the gate"),
}


FINDING_LABELS = {
    "watchlist_hit": gettext_lazy("watch-listed"),
    "duplicate_document": gettext_lazy("number held by another person"),
    "expired": gettext_lazy("expired"),
    "border_pass_outside": gettext_lazy("border pass outside its county"),
    "open_elsewhere": gettext_lazy("document in another open journey"),
}


def _finding_label(finding: Any) -> str:
    if isinstance(finding, dict):
        code = finding.get("kind") or finding.get("code") or ""
        # The stored message is in the language of whoever checked; a known kind reads in the reader's.
        return str(FINDING_LABELS[code]) if code in FINDING_LABELS else str(finding.get("message") or code)
    return str(FINDING_LABELS.get(finding, finding))


def _findings(events: list[CustodyEvent]) -> list[dict[str, Any]]:
    """The findings of the document checks, newest check per document."""
    seen: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.kind == EventKind.DOCUMENT_CHECKED:
            labels = [_finding_label(x) for x in e.data.get("findings") or []]
            if e.data.get("expired") and str(FINDING_LABELS["expired"]) not in labels and not labels:
                labels.append(str(FINDING_LABELS["expired"]))
            seen[e.data.get("document", str(e.seq))] = {"last4": e.data.get("last4", ""), "findings": labels, "at": e.occurred_at}
    return list(seen.values())


def _journey_context(
    request: HttpRequest, scope: Scope, j: Journey, bound: dict[str, Any] | None = None, failed: str = ""
) -> dict[str, Any]:
    """The page: the journey, and the steps its state and the user's role allow — the primary
    step first, the rest folded; a form that failed comes first and open, with what was typed."""
    from .actions import ACTIONS, OVERRIDES

    now = clock.now()
    j.left_text, j.left_class = time_left(j.due_at, now)
    events = _events(j)
    rules = s.rules_of(j)
    p = s.progress(j)
    released = bool(j.facts.get("released_at"))
    documents = list(IdentityDocument.objects.filter(person=j.person).order_by("created_at"))
    guide = steps.guide(scope, j)
    order = ([guide.primary] if guide.primary else []) + guide.others
    if failed and failed in order:
        order = [failed] + [n for n in order if n != failed]
    forms: dict[str, Any] = {}
    for name in order:
        action = OVERRIDES.get(name, name)
        forms[name] = (bound or {}).get(name) or (f.ConfirmForm() if name in ("release", "close") else ACTIONS[action].form(j, None))
    needs_room = j.pending_unit is not None and j.pending_unit.kind == UnitKind.QUARANTINE_FACILITY
    guided = [
        {"name": n, "action": OVERRIDES.get(n, n), "form": forms[n], "confirm": n in steps.CONFIRM, **text_of(n, j, needs_room)}
        for n in order
    ]
    undo = s.undoable(j, request.user) if not scope.read_only else None
    return {
        "j": j,
        "events": events,
        "findings": _findings(events),
        "documents": documents,
        "forms": forms,
        "steps": set(order),
        "guided": guided,
        "first": guided[0] if guided and (guide.primary or failed) else None,
        "rest": guided[1:] if guided and (guide.primary or failed) else guided,
        "failed": failed,
        "undo": undo,
        "undo_until": undo.occurred_at + s.UNDO_WINDOW if undo else None,
        "needs_room": needs_room,
        "released": released,
        "awaiting": awaiting_label(j.awaiting, j.state),
        "served": quarantine_served(p, rules, j.risk, now) if j.state == State.IN_FACILITY else None,
        "tests_ok": tests_satisfied(p, rules) if j.state == State.IN_FACILITY else None,
        "monitoring_served": monitoring_served(p, rules, j.risk, now) if j.state == State.HOME_MONITORING else None,
        "certificate": _certificate_ready(j),
        "destination_unit": _destination_unit(j),
        "flags": flag_labels(flags(j.facts or {})),
    }


_destination_unit = queries.destination_unit


def _offer_units(j: Journey) -> QuerySet[Unit]:
    return likely_units(j.custodian, _offer_kinds(j))


def _offer_form(j: Journey, data: Any = None, *, form: Any = None, **kwargs: Any) -> Any:
    """The form to hand the person over, its destination picked by name or by county and township."""
    form = form or f.OfferForm
    return form(data, units=_offer_units(j), sender=j.custodian, kinds=_offer_kinds(j), **kwargs)


def _offer_kinds(j: Journey) -> tuple[str, ...]:
    """The kinds of unit the custodian may hand the person over to, the likely ones first."""
    if j.state == State.HANDOVER_OFFERED:  # redirecting: where the sender could have offered
        j = Journey(state=j.facts.get("offer_from", State.AT_GATE), custodian=j.custodian)
    if j.state == State.IN_TRANSIT:
        kinds: tuple[str, ...] = (UnitKind.QUARANTINE_FACILITY, UnitKind.HOSPITAL, UnitKind.VILLAGE_COMMITTEE)
    elif j.state == State.IN_FACILITY:
        kinds = (UnitKind.VILLAGE_COMMITTEE, UnitKind.HOSPITAL, UnitKind.TRANSFER_TEAM)
    elif j.state == State.IN_HOSPITAL:
        kinds = (UnitKind.VILLAGE_COMMITTEE, UnitKind.QUARANTINE_FACILITY, UnitKind.TRANSFER_TEAM)
    else:
        kinds = RECEIVING_KINDS
    return kinds


def _offer_default(j: Journey) -> str:
    dest = _destination_unit(j)
    if dest is not None:
        return dest.code
    if j.destination_id and j.state in (State.IN_FACILITY, State.IN_HOSPITAL):
        village = Unit.objects.filter(kind=UnitKind.VILLAGE_COMMITTEE, jurisdiction_id=j.destination_id, active=True).first()
        if village is not None:
            return village.code
    return ""


def _certificate_ready(j: Journey) -> bool:
    return bool(j.facts.get("released_at")) or j.state == State.CLOSED


@loop_page
def journey_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    j = _journey(scope, code)
    return render(request, "loop/journey.html", _journey_context(request, scope, j))


def _accepted_message(j: Journey) -> str:
    """The acceptance's answer, saying first what stands against the person's health."""
    message = _("Handover accepted: the person is now in your custody.")
    standing = flag_labels(flags(j.facts or {}))
    if standing:
        return _("Warning: %(flags)s.") % {"flags": ", ".join(standing)} + " " + message
    return message


def _room_or_none(form: f.AcceptForm) -> str:
    return form.cleaned_data.get("room", "")
