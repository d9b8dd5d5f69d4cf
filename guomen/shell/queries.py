from __future__ import annotations

from django.db.models import QuerySet

from guomen.core.models import AccessLog
from guomen.org.models import Membership, Unit
from guomen.org.scoping import Scope


def access_records(scope: Scope) -> QuerySet[AccessLog]:
    """Access records an auditor may read: those made by members of units inside their reach."""
    qs = AccessLog.objects.select_related("user").order_by("-at")
    if scope.everything:
        return qs
    unit_ids = scope.filter(Unit.objects.all()).values("pk")
    return qs.filter(user_id__in=Membership.objects.filter(unit_id__in=unit_ids).values("user_id"))
