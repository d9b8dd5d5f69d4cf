"""The figures map: one point per county (at its seat) and one per port, with the figures of each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count

from guomen.lib import clock
from guomen.org.models import Unit
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction, Level

from .figures import arrivals_by_unit, child_state_counts, ports_in
from .nodes import local_today, subtree_ids


# --- map figures ---------------------------------------------------------------------------------------
def map_features(scope: Scope, node: Jurisdiction, *, now: datetime | None = None) -> dict[str, Any]:
    """GeoJSON points: one per county (at its seat) and one per port, with the figures for each."""
    from guomen.loop.models import OPEN_STATES, Journey, State

    now = now or clock.now()
    day = local_today(now)
    if node.level in (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY):
        counties = list(Jurisdiction.objects.filter(path__startswith=node.path, level=Level.COUNTY).order_by("code"))
    else:
        counties = []
    features: list[dict[str, Any]] = []
    per_county = child_state_counts(node, counties)
    alerts_per_county: dict[str, int] = {}
    from guomen.alerts.queries import within

    for path, n in (
        within(scope, node.path)
        .values_list("unit__jurisdiction__path")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("unit__jurisdiction__path", "n")
    ):
        for c in counties:
            if path.startswith(c.path):
                alerts_per_county[c.code] = alerts_per_county.get(c.code, 0) + n
    for c in counties:
        if c.lon is None or c.lat is None:
            continue
        counts = per_county.get(c.code, {})
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                "properties": {
                    "kind": "county",
                    "code": c.code,
                    "name": c.name,
                    "open": sum(counts.get(s, 0) for s in OPEN_STATES),
                    "in_facility": counts.get(State.IN_FACILITY, 0),
                    "handover_offered": counts.get(State.HANDOVER_OFFERED, 0),
                    "alerts_open": alerts_per_county.get(c.code, 0),
                },
            }
        )
    ports = ports_in(node)
    port_units = dict(Unit.objects.filter(passage__in=ports).values_list("pk", "passage_id"))
    per_unit = arrivals_by_unit(subtree_ids(node), day)
    arrivals: dict[int, int] = {}
    for uid, n in per_unit.items():
        if uid in port_units:
            arrivals[port_units[uid]] = arrivals.get(port_units[uid], 0) + n
    at_gate = dict(
        Journey.objects.filter(state=State.AT_GATE, custodian_id__in=list(port_units))
        .values_list("custodian_id")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("custodian_id", "n")
    )
    for p in ports:
        if p.lon is None or p.lat is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {
                    "kind": "port",
                    "code": p.code,
                    "name": p.name,
                    "county": p.county.code,
                    "arrivals_today": arrivals.get(p.pk, 0),
                    "at_gate": sum(n for uid, n in at_gate.items() if port_units.get(uid) == p.pk),
                },
            }
        )
    return {"type": "FeatureCollection", "jurisdiction": node.code, "features": features}
