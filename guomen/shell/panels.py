"""The home-page panels every role shares: my units, my jurisdiction, the audit."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from guomen.core import registry
from guomen.org.models import Membership, Unit, UnitKind
from guomen.org.roles import AUDIT_ROLES, READ_ALL_ROLES
from guomen.places.models import Jurisdiction

from .queries import access_records


def my_units(request: Any, scope: Any) -> dict[str, Any] | None:
    rows = Membership.objects.filter(user=request.user).select_related("unit__jurisdiction", "unit__passage").order_by("unit__code")
    return {"memberships": rows} if rows else None


def jurisdiction_overview(request: Any, scope: Any) -> dict[str, Any] | None:
    tops = Jurisdiction.objects.filter(path__in=scope.subtree_paths)
    if not tops:
        return None
    blocks = []
    for top in tops:
        children = top.children.annotate(n_children=Count("children")).order_by("code")
        kinds = (
            Unit.objects.filter(jurisdiction__path__startswith=top.path, active=True)
            .values("kind")
            .annotate(n=Count("id"))
            .order_by("kind")
        )
        blocks.append({"top": top, "children": children, "kinds": [(UnitKind(k["kind"]).label, k["n"]) for k in kinds]})
    return {"blocks": blocks}


def audit_summary(request: Any, scope: Any) -> dict[str, Any] | None:
    return {"recent": access_records(scope)[:10]}


def register() -> None:
    registry.panel("shell/panels/my_units.html", my_units, order=10)
    registry.panel("shell/panels/jurisdiction.html", jurisdiction_overview, roles=READ_ALL_ROLES, order=20)
    registry.panel("shell/panels/audit.html", audit_summary, roles=AUDIT_ROLES, order=90)
