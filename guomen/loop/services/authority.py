"""Who may move a journey: acting for a unit, being its custodian, the state it must be in."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from guomen.lib.errors import Conflict, DomainError
from guomen.org.models import Unit, UnitKind
from guomen.org.scoping import Scope

from ..models import (
    Journey,
    State,
)
from .engine import OVERRIDE_ROLES


# --- authority ---------------------------------------------------------------------------------
def _act_for(actor: Any, unit: Unit) -> Scope:
    scope = Scope.of(actor)
    scope.require_write()
    if not scope.acts_for(unit):
        raise PermissionDenied(_("Only a member of %(unit)s may do this.") % {"unit": unit})
    return scope


def _custodian(actor: Any, j: Journey) -> None:
    _act_for(actor, j.custodian)


def require_state(j: Journey, *states: str) -> None:
    """Refuse (409 ``wrong_state``) unless the journey is in one of ``states``."""
    if j.state not in states:
        raise Conflict(
            "wrong_state",
            _("Not possible now: the journey is “%(state)s”.") % {"state": State(j.state).label if j.state else "—"},
            details={"state": j.state, "allowed": list(states)},
        )


def _port_unit(unit: Unit) -> None:
    if unit.kind != UnitKind.PORT_HEALTH_STATION:
        raise DomainError("not_a_port", _("Only a port health station can do this."), status=422)


def may_override(actor: Any, j: Journey) -> bool:
    """Whether ``actor`` is a command user within reach of the journey, who may override the policy."""
    scope = Scope.of(actor)
    return scope.has_role(*OVERRIDE_ROLES) and scope.filter(Journey.objects.filter(pk=j.pk)).exists()
