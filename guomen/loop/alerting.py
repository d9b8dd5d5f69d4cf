"""The loop's alerts: its kinds, what a journey alert points at, and the thin calls into ``alerts``.

The loop keeps only the sweep of overdue journeys (``services.sweep``); the alerts themselves —
raising, escalation, the inbox — belong to ``guomen.alerts``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from guomen.alerts import registry
from guomen.alerts import services as alerts
from guomen.alerts.models import Alert
from guomen.org.models import Unit, UnitKind

REF = "journey"


class AlertKind(models.TextChoices):
    OVERDUE = "overdue", _("Deadline missed")
    WATCHLIST_HIT = "watchlist_hit", _("Watch-listed document")
    DUPLICATE_DOCUMENT = "duplicate_document", _("Document used twice")
    BORDER_PASS_OUTSIDE = "border_pass_outside", _("Border pass used outside its county")
    NO_HOSPITAL = "other", _("Other")


def register() -> None:
    from django.urls import reverse

    from .models import State
    from .policy import Rules
    from .services import policy_current

    for k in AlertKind:
        registry.kind(k.value, k.label, closes_itself=k == AlertKind.OVERDUE)
    registry.ref_type(
        REF,
        url=lambda code: reverse("loop:journey", args=[code]),
        state_label=lambda s: State(s).label if s in State.values else s,
        names=_person_names,
    )
    registry.escalation_hours_from(lambda: Rules.model_validate(policy_current().rules).escalation_hours)


def _person_names(ids: list[int]) -> dict[int, str]:
    from .models import Journey

    return dict(Journey.objects.filter(pk__in=ids).values_list("pk", "person__name_native"))


def _fields(j: Any, now: datetime) -> dict[str, Any]:
    from .services import rules_of

    return {
        "ref_type": REF,
        "ref": j.pk,
        "ref_code": j.code,
        "state": j.state,
        "awaiting": j.awaiting,
        "due_at": j.due_at,
        "escalation_hours": rules_of(j).escalation_hours,
        "now": now,
    }


def overdue_new(j: Any, now: datetime) -> Alert:
    """The unsaved overdue alert of a journey (the sweep writes a batch at once)."""
    return alerts.alert_new(kind=AlertKind.OVERDUE, unit=j.custodian, subject=j.code, key=f"overdue:{j.pk}", **_fields(j, now))


def journey_alert(j: Any, *, kind: str, unit: Unit, subject: str, details: dict[str, Any] | None, now: datetime) -> Alert:
    """A control finding about a journey (a watch-listed document, no hospital for a fever)."""
    fields = _fields(j, now)
    fields["due_at"] = None  # a finding has no deadline: escalation counts from when it was found
    return alerts.alert_raise(kind=kind, unit=unit, subject=subject, details=details, **fields)


def overdue_answered(j: Any, seq: int, now: datetime) -> None:
    alerts.alerts_answered(ref_type=REF, ref=j.pk, kind=AlertKind.OVERDUE, seq=seq, now=now)


def overdue_answered_many(answered: list[tuple[int, int]], now: datetime) -> None:
    """``overdue_answered`` for many (journey id, seq) pairs in one statement (a batch of checks)."""
    alerts.alerts_answered_many(ref_type=REF, kind=AlertKind.OVERDUE, answered=answered, now=now)


def command_unit(unit: Unit) -> Unit | None:
    """The command office of the county (or nearest level up) holding ``unit``."""
    codes = unit.jurisdiction.path.strip("/").split("/")
    for code in reversed(codes[:3]):
        cmd = Unit.objects.filter(kind=UnitKind.COMMAND_OFFICE, jurisdiction__code=code, active=True).order_by("code").first()
        if cmd is not None:
            return cmd
    return None
