"""At the gate: document checks, screening, samples and results, the disposition."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib.errors import DomainError
from guomen.lib.text import clean_text
from guomen.org.models import Unit, UnitKind

from .. import alerting
from ..alerting import AlertKind
from ..models import (
    OPEN_STATES,
    CustodyEvent,
    Disposition,
    EventKind,
    Journey,
    State,
)
from ..rules import destination_check
from .authority import _custodian, require_state
from .care import _to_hospital
from .engine import DISPOSITION_KIND, _append, _locked, _now, _when, rules_of
from .handover import _holder_or_override, _offer
from .inputs import _symptoms, _temperature

# --- flows: at the gate ---------------------------------------------------------------------------
GATE_STATES = (State.AT_GATE, State.INTERCEPTED)


FINDING_ALERTS = {
    "watchlist_hit": AlertKind.WATCHLIST_HIT,
    "duplicate_document": AlertKind.DUPLICATE_DOCUMENT,
    "border_pass_outside": AlertKind.BORDER_PASS_OUTSIDE,
}


@transaction.atomic
def document_check(*, actor: Any, journey: Journey, document: Any, occurred_at: datetime | None = None) -> CustodyEvent:
    """Check a document at the gate: expired, watch-listed, held by another person or by another
    open journey, a border pass outside its county. Findings are recorded on the event; those that
    need command's attention raise an alert to the command of the port's county."""
    from guomen.people.services import document_findings

    j = _locked(journey)
    _custodian(actor, j)
    require_state(j, *GATE_STATES, State.DECLARED)
    if document.person_id != j.person_id:
        raise DomainError("wrong_document", _("This document belongs to someone else."), status=422)
    at = _when(occurred_at)
    findings = [
        (f.kind, f.message, f.details) for f in document_findings(document, used_in=j.custodian.jurisdiction, today=timezone.localdate(at))
    ]
    twins = list(
        Journey.objects.filter(closed_at__isnull=True, person__documents__number_lookup=document.number_lookup)
        .exclude(pk=j.pk)
        .values_list("code", flat=True)
        .distinct()[:5]
    )
    if twins:
        findings.append(
            (
                "duplicate_document",
                _("The same document is used by another open journey: %(codes)s.") % {"codes": ", ".join(twins)},
                {"journeys": twins},
            )
        )
    event = _append(
        j,
        EventKind.DOCUMENT_CHECKED,
        unit=j.custodian,
        actor=actor,
        at=at,
        data={
            "document": str(document.public_id),
            "kind": document.kind,
            "last4": document.last4,
            "expired": any(k == "expired" for k, _m, _d in findings),
            "findings": [{"kind": k, "message": str(m)} for k, m, _d in findings],
        },
    )
    raised = set()
    for kind, message, details in findings:
        if kind in FINDING_ALERTS and kind not in raised:
            raised.add(kind)
            alerting.journey_alert(
                j,
                kind=FINDING_ALERTS[kind],
                unit=alerting.command_unit(j.custodian) or j.custodian,
                subject=f"{j.code} · {document.get_kind_display()} ••••{document.last4}",
                details={"finding": kind, "message": str(message), **details},
                now=_now(),
            )
    return event


@transaction.atomic
def journey_screen(
    *, actor: Any, journey: Journey, temperature: float, symptoms: Sequence[str] = (), occurred_at: datetime | None = None
) -> CustodyEvent:
    j = _locked(journey)
    _custodian(actor, j)
    require_state(j, *GATE_STATES)
    t = _temperature(temperature)
    fever = t >= rules_of(j).fever_celsius
    return _append(
        j,
        EventKind.SCREENED,
        unit=j.custodian,
        actor=actor,
        at=_when(occurred_at),
        data={"temperature": t, "symptoms": _symptoms(symptoms), "fever": fever},
    )


@transaction.atomic
def journey_sample(*, actor: Any, journey: Journey, sample_id: str, occurred_at: datetime | None = None) -> CustodyEvent:
    j = _locked(journey)
    _custodian(actor, j)
    require_state(j, *GATE_STATES, State.IN_FACILITY, State.HOME_MONITORING, State.IN_HOSPITAL)
    sid = clean_text(sample_id, "sample_id", max_length=40, label=_("the sample number"))
    if not sid:
        raise DomainError("sample_id_required", _("Give the sample's number."), status=422)
    return _append(j, EventKind.SAMPLED, unit=j.custodian, actor=actor, at=_when(occurred_at), data={"sample_id": sid})


@transaction.atomic
def journey_test_result(*, actor: Any, journey: Journey, sample_id: str, result: str, occurred_at: datetime | None = None) -> CustodyEvent:
    j = _locked(journey)
    _custodian(actor, j)
    require_state(j, *OPEN_STATES)
    if result not in ("positive", "negative"):
        raise DomainError("invalid_result", _("A result is positive or negative."), status=422)
    event = _append(
        j,
        EventKind.TEST_RESULT,
        unit=j.custodian,
        actor=actor,
        at=_when(occurred_at),
        data={"sample_id": clean_text(sample_id, "sample_id", max_length=40, label=_("the sample number")), "result": result},
    )
    if result == "positive":
        _to_hospital(j, actor, reason="positive")
    return event


def _home_here(j: Journey, actor: Any, *, via_unit: Unit | None, note: str, moving: dict[str, Any], at: datetime) -> Journey:
    """Home monitoring by the village committee that holds the person (a returnee found in its
    village): no handover, the committee keeps custody and monitoring starts now. Only a village
    committee monitors at home, only after a screening; fever, symptoms or a positive result were
    already refused by the moving rule (``destination_check``) unless command overrode it."""
    if j.custodian.kind != UnitKind.VILLAGE_COMMITTEE:
        raise DomainError(
            "not_a_village", _("Only a village or community committee keeps a person under home monitoring itself."), status=422
        )
    if via_unit is not None:
        raise DomainError("invalid_transfer", _("A person who stays at home here needs no transfer."), status=422)
    if not j.events.filter(kind=EventKind.SCREENED).exists():
        raise DomainError(
            "screen_first",
            _("Screen the person (temperature and symptoms) before home monitoring."),
            status=422,
            details={"step": "screen"},
        )
    _append(
        j,
        EventKind.DISPOSED,
        unit=j.custodian,
        actor=actor,
        at=at,
        data={
            "disposition": Disposition.HOME,
            "to_unit": j.custodian_id,
            "to_code": j.custodian.code,
            "here": True,
            "note": clean_text(note, "note", max_length=300, multiline=True, label=_("the note")),
            **moving,
        },
    )
    return j


@transaction.atomic
def journey_dispose(
    *,
    actor: Any,
    journey: Journey,
    disposition: str,
    to_unit: Unit | None = None,
    via_unit: Unit | None = None,
    expected_at: datetime | None = None,
    note: str = "",
    override_reason: str = "",
) -> Journey:
    """Decide where the person goes; offers the first handover (or closes the journey on release).
    A person with fever, symptoms or a positive result goes to hospital unless command overrides;
    a person is released at the gate only once screened there, unless command overrides."""
    j = _locked(journey)
    override_reason = clean_text(override_reason, "override_reason", max_length=300, multiline=True, label=_("the reason for the override"))
    _holder_or_override(actor, j, override_reason)
    require_state(j, *GATE_STATES)
    if disposition not in Disposition.values:
        raise DomainError("invalid_disposition", _("Unknown disposition."), status=422)
    if disposition == Disposition.RELEASE and not override_reason and not j.events.filter(kind=EventKind.SCREENED).exists():
        # Release closes the journey at once: no one leaves the port unscreened, short of a command's override with a reason.
        raise DomainError("not_screened", _("Screen the person before releasing them at the gate."), status=409)
    moving = destination_check(
        j, actor=actor, to_unit=None if disposition == Disposition.RELEASE else to_unit, override_reason=override_reason
    )
    now = _now()
    if disposition == Disposition.RELEASE:
        _append(
            j,
            EventKind.DISPOSED,
            unit=j.custodian,
            actor=actor,
            at=now,
            data={
                "disposition": disposition,
                "note": clean_text(note, "note", max_length=300, multiline=True, label=_("the note")),
                **moving,
            },
        )
        _append(j, EventKind.CLOSED, unit=j.custodian, actor=actor, at=now, data={"reason": "released_at_gate"})
        return j
    if disposition == Disposition.HOME and to_unit is not None and to_unit.pk == j.custodian_id:
        return _home_here(j, actor, via_unit=via_unit, note=note, moving=moving, at=now)
    if to_unit is None or to_unit.kind != DISPOSITION_KIND[disposition]:
        raise DomainError("invalid_destination", _("Choose a destination of the right kind for this disposition."), status=422)
    receiver = via_unit or to_unit
    if via_unit is not None and via_unit.kind != UnitKind.TRANSFER_TEAM:
        raise DomainError("invalid_transfer", _("Only a transfer team can carry out a transfer."), status=422)
    _append(
        j,
        EventKind.DISPOSED,
        unit=j.custodian,
        actor=actor,
        at=now,
        data={
            "disposition": disposition,
            "to_unit": to_unit.pk,
            "to_code": to_unit.code,
            "via_unit": via_unit.pk if via_unit else None,
            "note": clean_text(note, "note", max_length=300, multiline=True, label=_("the note")),
            **moving,
        },
    )
    _offer(
        j,
        actor,
        receiver,
        expected_at or now + rules_of(j).hours("transfer_hours"),
        destination=to_unit if via_unit else None,
        override_reason=override_reason,
    )
    return j
