"""Every write of alerts: raise, acknowledge, assign, close, and escalation up the tree.

Escalation is timed from the missed deadline (``due_at``; the opening time when there is none),
so a late sweep or a stopped worker does not delay it, and it only adds a level: the alert stays
in its unit's jurisdiction, where every command above keeps seeing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When
from django.utils.translation import gettext as _

from guomen.core.registry import call
from guomen.lib import clock
from guomen.lib.errors import Conflict, DomainError
from guomen.lib.text import clean_text
from guomen.org.models import Membership, Unit, UnitKind
from guomen.org.scoping import Scope

from . import registry
from .models import Alert, AlertLevel

LEVEL_INDEX = {AlertLevel.COUNTY: 2, AlertLevel.PREFECTURE: 1, AlertLevel.PROVINCE: 0}  # position in the unit's path


def level_code(unit: Unit, level: int) -> str:
    """The jurisdiction code where an alert of ``level`` is answered: the unit's own, then its county, prefecture, province."""
    codes = unit.jurisdiction.path.strip("/").split("/")
    if level == AlertLevel.UNIT:
        return codes[-1]
    return codes[min(LEVEL_INDEX[level], len(codes) - 1)]


def _next_escalation(a: Alert) -> datetime | None:
    top = registry.max_level(a.kind)
    if a.level >= top:
        return None
    hours = a.escalation_hours or registry.default_escalation_hours()
    base = a.due_at or a.opened_at
    return base + timedelta(hours=float(hours[min(a.level, len(hours) - 1)]))


def alert_new(
    *,
    kind: str,
    unit: Unit,
    subject: str = "",
    details: dict[str, Any] | None = None,
    ref_type: str = "",
    ref: int | None = None,
    ref_code: str = "",
    state: str = "",
    awaiting: str = "",
    due_at: datetime | None = None,
    key: str = "",
    escalation_hours: Sequence[float] | None = None,
    level: int = AlertLevel.UNIT,
    now: datetime | None = None,
) -> Alert:
    """An unsaved alert (the sweep writes many at once); ``alert_raise`` saves one."""
    now = now or clock.now()
    a = Alert(
        kind=kind,
        unit=unit,
        subject=subject[:200],
        details=details or {},
        ref_type=ref_type,
        ref=ref,
        ref_code=ref_code[:40],
        state=state,
        awaiting=awaiting,
        due_at=due_at,
        key=key[:120],
        opened_at=now,
        level=level,
        escalation_hours=[float(h) for h in (escalation_hours or registry.default_escalation_hours())],
        history=[{"at": now.isoformat(), "level": level, "jurisdiction": level_code(unit, level), "what": "opened"}],
    )
    a.next_escalation_at = _next_escalation(a)
    return a


def alert_raise(**kwargs: Any) -> Alert:
    """Open an alert held by ``unit``; it rises to the county, prefecture and province command if unanswered.
    With a ``key``, an open alert with the same key is returned instead of a second one."""
    a = alert_new(**kwargs)
    if a.key:
        existing = Alert.objects.filter(key=a.key, closed_at__isnull=True).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            a.save()
    except IntegrityError:  # a concurrent twin with the same key won
        return Alert.objects.get(key=a.key, closed_at__isnull=True)
    return a


def _entry(a: Alert, what: str, at: datetime, actor: Any = None, **extra: Any) -> dict[str, Any]:
    e = {"at": at.isoformat(), "level": a.level, "jurisdiction": level_code(a.unit, a.level), "what": what, **extra}
    if actor is not None:
        e["by"] = actor.get_username()
    return e


def _for_write(actor: Any, alert: Alert) -> tuple[Scope, Alert]:
    scope = Scope.of(actor)
    scope.require_write()
    return scope, scope.get(Alert.objects.select_for_update(of=("self",)).select_related("unit__jurisdiction"), pk=alert.pk)


@transaction.atomic
def alert_acknowledge(*, actor: Any, alert: Alert) -> Alert:
    _scope, a = _for_write(actor, alert)
    if a.acknowledged_at is None:
        now = clock.now()
        a.acknowledged_at, a.acknowledged_by = now, actor
        a.history = [*a.history, _entry(a, "acknowledged", now, actor)]
        a.save(update_fields=["acknowledged_at", "acknowledged_by", "history"])
    return a


def assignable(scope: Scope, alert: Alert) -> list[Any]:
    """The people an alert may be given to: staff of its unit and of the units the assigner acts for.

    Never a partner agency's member nor an account a partner acts through (answered at the
    ``org.service_accounts`` hook by the app that makes them)."""
    unit_ids = {alert.unit_id, *scope.unit_ids}
    users = (
        Membership.objects.filter(unit_id__in=unit_ids, user__is_active=True).exclude(unit__kind=UnitKind.PARTNER_AGENCY).values("user_id")
    )
    qs = get_user_model().objects.filter(pk__in=users)
    for service_ids in call("org.service_accounts"):
        qs = qs.exclude(pk__in=service_ids)
    return list(qs.order_by("username"))


@transaction.atomic
def alert_assign(*, actor: Any, alert: Alert, username: str) -> Alert:
    """Give an open alert to a named person (a member of its unit or of the assigner's units)."""
    scope, a = _for_write(actor, alert)
    if a.closed_at is not None:
        raise Conflict("alert_closed", _("This alert is closed."))
    user = next((x for x in assignable(scope, a) if x.get_username() == str(username or "").strip()), None)
    if user is None:
        raise DomainError("unknown_assignee", _("Choose a member of the alert's unit or of your own units."), status=422)
    now = clock.now()
    a.assigned_to = user
    a.history = [*a.history, _entry(a, "assigned", now, actor, to=user.get_username())]
    a.save(update_fields=["assigned_to", "history"])
    return a


def _note(value: Any) -> str:
    note = clean_text(value, "note", max_length=300, multiline=True, label=_("the note"))
    if not note:
        raise DomainError("note_required", _("Say what was done."), status=422, details={"field": "note"})
    return note


@transaction.atomic
def alert_close(*, actor: Any, alert: Alert, note: str) -> Alert:
    """Close an alert by hand with a note. A missed deadline closes only when the awaited event arrives."""
    _scope, a = _for_write(actor, alert)
    if a.closes_itself:
        raise Conflict("closes_itself", _("A missed deadline closes itself when the awaited step is recorded."))
    if a.closed_at is not None:
        return a
    note = _note(note)
    now = clock.now()
    a.closed_at, a.closed_by, a.close_note = now, actor, note
    a.history = [*a.history, _entry(a, "closed", now, actor)]
    a.save(update_fields=["closed_at", "closed_by", "close_note", "history"])
    return a


def alerts_answered(*, ref_type: str, ref: int, kind: str, seq: int | None = None, now: datetime | None = None) -> int:
    """Close the open alerts of ``kind`` about ``ref`` because what they waited for arrived (the caller's transaction)."""
    return Alert.objects.filter(ref_type=ref_type, ref=ref, kind=kind, closed_at__isnull=True).update(
        closed_at=now or clock.now(), closed_by_seq=seq
    )


def alerts_answered_many(*, ref_type: str, kind: str, answered: Sequence[tuple[int, int]], now: datetime | None = None) -> int:
    """``alerts_answered`` for many (ref, seq) pairs at once — one statement, each alert closed by
    the sequence number of what answered it (the caller's transaction)."""
    if not answered:
        return 0
    seqs = Case(*(When(ref=ref, then=Value(seq)) for ref, seq in answered), output_field=Alert._meta.get_field("closed_by_seq"))
    return Alert.objects.filter(ref_type=ref_type, ref__in=[ref for ref, _seq in answered], kind=kind, closed_at__isnull=True).update(
        closed_at=now or clock.now(), closed_by_seq=seqs
    )


def alerts_close_by_key(*keys: str, note: str = "", now: datetime | None = None) -> int:
    """Close the open alerts with these keys: their cause is answered (e.g. the report arrived)."""
    return Alert.objects.filter(key__in=keys, closed_at__isnull=True).update(closed_at=now or clock.now(), close_note=note[:300])


def escalate(*, now: datetime | None = None, batch: int = 500) -> int:
    """Raise unanswered alerts one level at a time when their delay after the deadline has passed.
    A worker that was stopped catches up: each step is recorded at the time it was due."""
    now = now or clock.now()
    raised = 0
    while True:
        due = list(
            Alert.objects.filter(closed_at__isnull=True, next_escalation_at__lte=now)
            .order_by("next_escalation_at")
            .values_list("pk", flat=True)[:batch]
        )
        if not due:
            return raised
        for pk in due:
            with transaction.atomic():
                a = Alert.objects.select_for_update(of=("self",)).select_related("unit__jurisdiction").get(pk=pk)
                while a.closed_at is None and a.next_escalation_at is not None and a.next_escalation_at <= now:
                    at = max(a.next_escalation_at, a.opened_at)  # a deadline missed before the alert was opened
                    a.level = min(a.level + 1, AlertLevel.PROVINCE)
                    a.history = [*a.history, _entry(a, "escalated", at)]
                    a.next_escalation_at = _next_escalation(a)
                    raised += 1
                a.save(update_fields=["level", "next_escalation_at", "history"])
        if len(due) < batch:
            return raised
