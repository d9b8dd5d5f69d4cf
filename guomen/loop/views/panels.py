"""The home panel and the loop's index."""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guomen.lib import clock
from guomen.org.models import Role, UnitKind
from guomen.org.scoping import Scope

from .. import queries
from ..models import Journey, JourneyCount, State
from .plumbing import GATE_STATES, RECEIVING_KINDS, _end_of_today, _my_units, loop_page


# --- home panel ---------------------------------------------------------------------------------------
def panel_waiting(request: Any, scope: Scope) -> dict[str, Any] | None:
    """What is waiting for me now: per unit I act for, and for command roles their jurisdiction."""
    now = clock.now()
    items: list[dict[str, Any]] = []
    units = list(_my_units(scope, UnitKind.PORT_HEALTH_STATION, *RECEIVING_KINDS))
    if units:
        ids = [u.pk for u in units]
        journeys = Journey.objects.filter(Q(custodian_id__in=ids) | Q(pending_unit_id__in=ids), closed_at__isnull=True)
        stats = journeys.aggregate(
            expected=Count("pk", filter=Q(state=State.DECLARED, expected_at__lt=_end_of_today(), custodian_id__in=ids)),
            gate=Count("pk", filter=Q(state__in=GATE_STATES, custodian_id__in=ids)),
            offered=Count("pk", filter=Q(state=State.HANDOVER_OFFERED, pending_unit_id__in=ids)),
            due=Count("pk", filter=Q(custodian_id__in=ids, due_at__lt=_end_of_today(), due_at__gte=now)),
            overdue=Count("pk", filter=Q(custodian_id__in=ids, due_at__lt=now)),
        )
        stats["held"] = queries.in_custody(scope, units).count()
        kinds = {u.kind for u in units}
        desk = {
            UnitKind.PORT_HEALTH_STATION: ("loop:port", _("Port desk")),
            UnitKind.TRANSFER_TEAM: ("loop:transfer", _("Transfers")),
            UnitKind.QUARANTINE_FACILITY: ("loop:facility", _("Quarantine")),
            UnitKind.HOSPITAL: ("loop:hospital", _("Hospital")),
            UnitKind.VILLAGE_COMMITTEE: ("loop:village", _("Home monitoring")),
        }
        links = [(reverse(desk[k][0]), desk[k][1]) for k in desk if k in kinds]
        if UnitKind.PORT_HEALTH_STATION in kinds:
            items.append({"n": stats["expected"], "label": _("expected today"), "url": reverse("loop:port"), "css": ""})
            items.append(
                {"n": stats["gate"], "label": _("at the gate"), "url": reverse("loop:port"), "css": "warn" if stats["gate"] else ""}
            )
        items.append({"n": stats["offered"], "label": _("offered to me"), "url": links[0][0], "css": "warn" if stats["offered"] else ""})
        items.append({"n": stats["held"], "label": _("in my custody"), "url": links[0][0] + "#custody", "css": ""})
        items.append({"n": stats["due"], "label": _("due later today"), "url": links[0][0], "css": ""})
        items.append({"n": stats["overdue"], "label": _("overdue"), "url": links[0][0], "css": "bad" if stats["overdue"] else "ok"})
    else:
        links = []
    command = None
    if scope.subtree_paths:
        rows = JourneyCount.objects.filter(
            functools.reduce(lambda a, b: a | b, (Q(jurisdiction__path__startswith=p) for p in scope.subtree_paths))
        )
        by_state: dict[str, int] = {}
        for state, n in rows.values_list("state", "n"):
            by_state[state] = by_state.get(state, 0) + n
        command = [(State(k).label, v) for k, v in sorted(by_state.items()) if v and k != State.CLOSED]
    if not units and command is None:
        return None
    from guomen.alerts.queries import within

    open_alerts = within(scope).count()
    return {
        "items": items,
        "links": links,
        "command": command,
        "alerts": open_alerts,
        "alerts_text": ngettext("%(n)d open alert", "%(n)d open alerts", open_alerts) % {"n": open_alerts},
    }


def redirect_desk(request: HttpRequest) -> HttpResponseRedirect:
    scope = Scope.of(request.user)
    for role, name in (
        (Role.PORT_OFFICER, "loop:port"),
        (Role.TRANSFER_TEAM, "loop:transfer"),
        (Role.FACILITY_STAFF, "loop:facility"),
        (Role.HOSPITAL_STAFF, "loop:hospital"),
        (Role.GRID_WORKER, "loop:village"),
    ):
        if scope.has_role(role) and not scope.everything:
            return redirect(name)
    return redirect("alerts:inbox")


@loop_page
def index(request: HttpRequest) -> HttpResponse:
    return redirect_desk(request)
