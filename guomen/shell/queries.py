from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from guomen.core.models import AccessLog
from guomen.lib.localtime import zone
from guomen.org.models import Membership, Unit
from guomen.org.scoping import Scope


def access_records(scope: Scope) -> QuerySet[AccessLog]:
    """Access records an auditor may read: those made by members of units inside their reach."""
    qs = AccessLog.objects.select_related("user").order_by("-at")
    if scope.everything:
        return qs
    unit_ids = scope.filter(Unit.objects.all()).values("pk")
    return qs.filter(user_id__in=Membership.objects.filter(unit_id__in=unit_ids).values("user_id"))


def access_filtered(qs: QuerySet[AccessLog], params: Any) -> tuple[QuerySet[AccessLog], dict[str, str]]:
    """Filter by who (user name), action, whose data (person id), object id and a date range."""
    f = {k: (params.get(k) or "").replace("\x00", "").strip()[:64] for k in ("user", "action", "subject", "object", "since", "until")}
    if f["user"]:
        qs = qs.filter(user__username__icontains=f["user"])
    if f["action"] in AccessLog.Action.values:
        qs = qs.filter(action=f["action"])
    else:
        f["action"] = ""
    if f["subject"]:
        qs = qs.filter(subject=f["subject"])
    if f["object"]:
        qs = qs.filter(object_id=f["object"])
    for key, lookup in (("since", "at__gte"), ("until", "at__lt")):
        try:
            day = dt.date.fromisoformat(f[key]) if f[key] else None
        except ValueError:
            day, f[key] = None, ""
        if day is not None:
            start = dt.datetime.combine(day + dt.timedelta(days=1 if key == "until" else 0), dt.time(), tzinfo=zone())
            qs = qs.filter(**{lookup: start})
    return qs, f
