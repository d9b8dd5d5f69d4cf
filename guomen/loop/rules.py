"""The rule of moving a person: no route around a fever.

While fever, symptoms or a positive result stand (``projection.flags``), a person may be moved
only towards a hospital — to the hospital itself, or to a transfer team, whose own onward offer
meets this rule again. Anything else needs a command override: a county, prefecture or province
command user within reach, with a reason, recorded on the event.

Every service that moves a person — a disposition, an offer, a redirected offer, the automatic
offer to hospital — calls ``destination_check`` (through the one offer of ``services.handover`` for offers), so the
pages, the API and any batch share it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guomen.lib.errors import DomainError
from guomen.org.models import Unit, UnitKind

from .models import Journey
from .projection import FEVER, POSITIVE, SYMPTOMS, flags

# Receivers a flagged person may go to: the hospital, or the team that carries them there.
TOWARDS_HOSPITAL = (UnitKind.HOSPITAL, UnitKind.TRANSFER_TEAM)

FLAG_LABELS = {
    FEVER: gettext_lazy("fever"),
    SYMPTOMS: gettext_lazy("symptoms"),
    POSITIVE: gettext_lazy("positive test result"),
}


def flags_of(j: Journey) -> list[str]:
    return flags(j.facts or {})


def flag_labels(codes: list[str]) -> list[str]:
    return [str(FLAG_LABELS.get(c, c)) for c in codes]


def destination_check(j: Journey, *, actor: Any, to_unit: Unit | None, override_reason: str = "") -> dict[str, Any]:
    """Refuse moving a flagged person anywhere but towards a hospital (``to_unit`` None: release),
    unless a command user overrides with a reason. Returns what the event records: the flags that
    stood, and the override if one was used."""
    from .services import may_override

    standing = flags_of(j)
    recorded: dict[str, Any] = {"flags": standing} if standing else {}
    if override_reason:  # always recorded when given: it is also what lets command act for the custodian
        if not may_override(actor, j):
            raise PermissionDenied(_("Only county, prefecture or province command may override the policy."))
        return {**recorded, "override": {"reason": override_reason, "by": actor.get_username()}}
    if standing and not (to_unit is not None and to_unit.kind in TOWARDS_HOSPITAL):
        raise DomainError(
            "flagged_goes_to_hospital",
            _("%(flags)s: this person goes to hospital. Another destination needs a command override with a reason.")
            % {"flags": ", ".join(flag_labels(standing)).capitalize()},
            status=422,
            details={"flags": standing},
        )
    return recorded
