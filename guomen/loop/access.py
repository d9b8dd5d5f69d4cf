"""Who may open a loop page: rules the views enforce and the links ask (core.links)."""

from __future__ import annotations

from typing import Any

from guomen.org.models import Role, Unit, UnitKind
from guomen.org.scoping import Scope


def works_at_a_port(user: Any) -> bool:
    """A port health officer who is a member of an active port health station."""
    scope = Scope.of(user)
    if not scope.roles & {Role.PORT_OFFICER} or scope.read_only:
        return False
    return Unit.objects.filter(pk__in=scope.unit_ids, kind=UnitKind.PORT_HEALTH_STATION, active=True).exists()


def sees_manifest_job(user: Any, public_id: Any, fmt: str = "") -> bool:
    """A port officer whose scope reaches the port a background manifest import was sent to."""
    from .models import ManifestJob

    return works_at_a_port(user) and Scope.of(user).filter(ManifestJob.objects.filter(public_id=public_id)).exists()
