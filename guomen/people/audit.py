"""Reviewed access: unusual patterns in the access audit become alerts for the auditors and the
command, and break-the-glass opens a person outside one's reach with a reason, recorded and alerted.

Patterns (each alert once per user and period, by its key):
- a burst: GUOMEN_AUDIT_BURST or more full views by one user within an hour (checked at each view);
- more than peers: a user's full views in a day above GUOMEN_AUDIT_DAILY_FLOOR and above
  GUOMEN_AUDIT_PEER_FACTOR times the median of the other users who viewed anything that day;
- off hours: a full view outside GUOMEN_AUDIT_WORK_HOURS (local time, e.g. "7-21").
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guomen.alerts import services as alerts
from guomen.alerts.models import Alert, AlertLevel
from guomen.core.models import AccessLog
from guomen.core.services import access_record
from guomen.lib import clock
from guomen.lib.localtime import zone
from guomen.org.models import Membership, Role, Unit
from guomen.org.scoping import Scope

from . import crypto
from .models import Person

KIND_ANOMALY = "access_anomaly"
KIND_BREAK_GLASS = "break_glass"
KINDS = {
    KIND_ANOMALY: gettext_lazy("Unusual access to personal data"),
    KIND_BREAK_GLASS: gettext_lazy("Record opened outside reach (break the glass)"),
}
FULL_VIEWS = (AccessLog.Action.VIEW_IDENTITY, AccessLog.Action.EXPORT, AccessLog.Action.SUBJECT_EXPORT, AccessLog.Action.BREAK_GLASS)


def _holding_unit(user: Any) -> Unit | None:
    """The unit an alert about ``user`` is held by: their own, else the auditors'."""
    m = Membership.objects.filter(user=user).select_related("unit").order_by("pk").first()
    if m is None:
        m = Membership.objects.filter(role=Role.AUDITOR).select_related("unit").order_by("pk").first()
    return m.unit if m else None


def _raise(user: Any, key: str, subject: str, details: dict[str, Any], kind: str = KIND_ANOMALY) -> bool:
    unit = _holding_unit(user)
    if unit is None:
        return False
    before = Alert.objects.filter(key=key).exists() if key else False
    alerts.alert_raise(
        kind=kind,
        unit=unit,
        subject=subject,
        details={"user": user.username, **details},
        ref_type="",
        key=key,
        level=AlertLevel.UNIT,
    )
    return not before


def local(at: dt.datetime) -> dt.datetime:
    return at.astimezone(zone())


def _work_hours() -> tuple[int, int]:
    start, _sep, end = str(settings.GUOMEN_AUDIT_WORK_HOURS).partition("-")
    return int(start), int(end)


def check_view(user: Any, at: dt.datetime | None = None) -> list[str]:
    """After a full view: a burst within the hour, or a view outside working hours."""
    at = at or clock.now()
    raised = []
    n = AccessLog.objects.filter(user=user, action__in=FULL_VIEWS, at__gt=at - dt.timedelta(hours=1), at__lte=at).count()
    if n >= settings.GUOMEN_AUDIT_BURST:
        hour = local(at).strftime("%Y-%m-%dT%H")
        subject = _("%(user)s viewed %(n)d full records within an hour") % {"user": user.username, "n": n}
        if _raise(user, f"access-burst:{user.pk}:{hour}", subject, {"views_in_hour": n}):
            raised.append("burst")
    start, end = _work_hours()
    hour_now = local(at).hour
    if not start <= hour_now < end:
        subject = _("%(user)s viewed a full record at %(time)s, outside working hours") % {
            "user": user.username,
            "time": local(at).strftime("%H:%M"),
        }
        if _raise(user, f"access-night:{user.pk}:{local(at):%Y-%m-%d}", subject, {"at": at.isoformat()}):
            raised.append("off_hours")
    return raised


def check_day(day: dt.date | None = None) -> int:
    """Users whose full views in a day are far above their peers'; returns alerts raised."""
    from django.contrib.auth import get_user_model

    day = day or local(clock.now()).date()
    start = local(clock.now()).replace(year=day.year, month=day.month, day=day.day, hour=0, minute=0, second=0, microsecond=0)
    counts = dict(
        AccessLog.objects.filter(action__in=FULL_VIEWS, at__gte=start, at__lt=start + dt.timedelta(days=1))
        .values_list("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )
    raised = 0
    for user_id, n in counts.items():
        peers = [m for u, m in counts.items() if u != user_id]
        median = statistics.median(peers) if peers else 0
        if n > settings.GUOMEN_AUDIT_DAILY_FLOOR and n > settings.GUOMEN_AUDIT_PEER_FACTOR * median:
            user = get_user_model().objects.get(pk=user_id)
            subject = _("%(user)s viewed %(n)d full records on %(day)s (others: median %(median)s)") % {
                "user": user.username,
                "n": n,
                "day": day.isoformat(),
                "median": median,
            }
            raised += _raise(user, f"access-peers:{user_id}:{day.isoformat()}", subject, {"views": n, "peer_median": median})
    return raised


def break_glass(*, actor: Any, number: str, reason: str, request: Any = None) -> list[Person]:
    """In an emergency, find a person by their exact document number anywhere, outside one's reach.
    Only roles that may see identifiers; a reason is required; each person opened is written to
    the access audit and raises an alert for the auditors."""
    from .services import clean_text

    scope = Scope.of(actor)
    if not scope.may_see_identity() or scope.read_only:
        raise PermissionDenied(_("Your role may not open records outside its reach."))
    reason = clean_text(reason, "reason", max_length=200, required=True)
    number = clean_text(number, "number", max_length=40, required=True)
    found = list(Person.objects.filter(documents__number_lookup=crypto.number_hash(number)).distinct().select_related("registered_by"))
    with transaction.atomic():
        for person in found:
            access_record(
                user=actor, action=AccessLog.Action.BREAK_GLASS, obj=person, subject=str(person.public_id), reason=reason, request=request
            )
            subject = _("%(user)s opened a record outside their reach: %(reason)s") % {"user": actor.username, "reason": reason}
            _raise(actor, "", subject, {"person": str(person.public_id), "reason": reason}, kind=KIND_BREAK_GLASS)
    check_view(actor)
    return found
