"""Trigger rules: each plan with a rule is matched against the loop's records by a periodic task;
each matching *situation* has a key (plan, rule, place, local day or reference) and fires once,
ever: a suggestion (an alert to the plan's command) that the command activates or dismisses.

A partner's case notice arrives from the exchange app, which calls its subscribers once the notice
is applied (``guomen.exchange.hooks.on_case_notice``: emergency sits above exchange and subscribes
in ``ready()``); any other source calls the registry hook ``partner_case_notice`` (core.registry).
The quarantine forecast's warning that a county runs out of rooms is read from the command app's
forecast (``guomen.command.forecast``), one layer below.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.localtime import local_day
from guomen.org.models import UnitKind

from .models import Plan, TriggerFiring, TriggerKind

ALERT_KIND = "plan_suggested"


def _situations(plan: Plan, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """(situation key, details) for every situation matching the plan's rule right now."""
    from guomen.loop.models import CustodyEvent, DailyCount, EventKind, JourneyCount, State

    day = local_day(now)
    path = plan.jurisdiction.path
    kind, n = plan.trigger_kind, plan.trigger_threshold
    out: list[tuple[str, dict[str, Any]]] = []
    if kind == TriggerKind.PORT_POSITIVE:
        qs = DailyCount.objects.filter(what=DailyCount.POSITIVE, day=day, n__gt=0, unit__jurisdiction__path__startswith=path)
        qs = qs.filter(unit__kind=UnitKind.PORT_HEALTH_STATION)
        if plan.facility_id:
            qs = qs.filter(unit_id=plan.facility_id)
        for code, total in qs.values_list("unit__code", "n"):
            out.append((f"{code}:{day}", {"unit": code, "day": day.isoformat(), "positives": total}))
    elif kind == TriggerKind.FACILITY_FEVERS:
        qs = CustodyEvent.objects.filter(
            kind=EventKind.HEALTH_CHECK,
            occurred_at__gt=now - timedelta(hours=24),
            data__fever=True,
            unit__jurisdiction__path__startswith=path,
        )
        if plan.facility_id:
            qs = qs.filter(unit_id=plan.facility_id)
        per_unit = Counter(qs.values_list("unit__code", flat=True))
        for code, count in sorted(per_unit.items()):
            if count >= n:
                out.append((f"{code}:{day}", {"unit": code, "day": day.isoformat(), "fevers_24h": count}))
    elif kind == TriggerKind.COUNTY_OCCUPANCY:
        from guomen.org.models import Unit
        from guomen.places.models import Jurisdiction, Level

        for county in Jurisdiction.objects.filter(level=Level.COUNTY, path__startswith=path).order_by("path"):
            capacity = (
                Unit.objects.filter(kind=UnitKind.QUARANTINE_FACILITY, active=True, jurisdiction__path__startswith=county.path).aggregate(
                    c=Sum("capacity")
                )["c"]
                or 0
            )
            held = (
                JourneyCount.objects.filter(state=State.IN_FACILITY, jurisdiction__path__startswith=county.path).aggregate(c=Sum("n"))["c"]
                or 0
            )
            if capacity and held * 100 > capacity * n:
                out.append((f"{county.code}:{day}", {"county": county.code, "day": day.isoformat(), "held": held, "capacity": capacity}))
    elif kind == TriggerKind.SEGMENT_INTERCEPTIONS:
        from guomen.lib.localtime import zone

        start = datetime.combine(day, datetime.min.time(), tzinfo=zone())
        rows = CustodyEvent.objects.filter(
            kind=EventKind.INTERCEPTED,
            occurred_at__gte=start,
            occurred_at__lt=start + timedelta(days=1),
            unit__jurisdiction__path__startswith=path,
        ).values_list("data", flat=True)
        per_segment = Counter(str((d or {}).get("segment") or (d or {}).get("place") or "?") for d in rows)
        for segment, count in sorted(per_segment.items()):
            if count > n:
                out.append((f"{segment}:{day}", {"segment": segment, "day": day.isoformat(), "intercepted": count}))
    elif kind == TriggerKind.CAPACITY_FORECAST:
        out.extend(_forecast_situations(plan, now, day))
    return out


def _forecast_situations(plan: Plan, now: datetime, day: Any) -> list[tuple[str, dict[str, Any]]]:
    """The command's 14-day forecast of rooms (guomen.command.forecast): each county under the plan
    that runs out within ``trigger_threshold`` days (0: the whole forecast) — one situation per county
    and local day."""
    from guomen.command import forecast

    horizon = plan.trigger_threshold or forecast.HORIZON
    out = []
    for f in forecast.warnings(forecast.forecast(plan.jurisdiction, now=now)):
        if (f.runs_out_on - day).days < horizon:
            details = {
                "county": f.county.code,
                "day": day.isoformat(),
                "runs_out_on": f.runs_out_on.isoformat(),
                "peak_rooms": f.peak,
                "capacity": f.capacity,
            }
            out.append((f"{f.county.code}:{day}", details))
    return out


def fire(plan: Plan, situation_key: str, details: dict[str, Any], now: datetime) -> TriggerFiring | None:
    """Record the firing and raise the suggestion, once per (plan, situation): a second call is a no-op."""
    from guomen.alerts.services import alert_raise

    key = f"{plan.pk}:{plan.trigger_kind}:{situation_key}"[:200]
    if TriggerFiring.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            f = TriggerFiring.objects.create(plan=plan, key=key, situation=details, fired_at=now)
            f.alert = alert_raise(
                kind=ALERT_KIND,
                unit=plan.owner_unit,
                subject=(_("Plan suggested: %(plan)s") % {"plan": plan.name_zh})[:200],
                details={"plan": plan.code, "firing": str(f.public_id), **details},
                key=f"{ALERT_KIND}:{key}",
                now=now,
            )
            f.save(update_fields=["alert"])
            return f
    except IntegrityError:  # another worker fired it first
        return None


def evaluate(*, now: datetime | None = None) -> int:
    """The periodic task: match every plan with a rule; returns how many suggestions were raised."""
    now = now or clock.now()
    fired = 0
    plans = Plan.objects.exclude(trigger_kind__in=[TriggerKind.MANUAL, TriggerKind.PARTNER_NOTICE]).select_related(
        "jurisdiction", "owner_unit"
    )
    for plan in plans:
        if plan.current_version() is None:
            continue
        for situation_key, details in _situations(plan, now):
            if fire(plan, situation_key, details, now) is not None:
                fired += 1
    return fired


def partner_case_notice(*, jurisdiction_code: str, reference: str, summary: str = "", **_extra: Any) -> int:
    """The hook for a partner's case notice (registered as ``partner_case_notice`` in core.registry):
    every plan with that rule whose scope covers the place suggests itself, once per notice."""
    from guomen.places.models import Jurisdiction

    place = Jurisdiction.objects.filter(code=str(jurisdiction_code)).first()
    if place is None or not reference:
        return 0
    now = clock.now()
    fired = 0
    for plan in Plan.objects.filter(trigger_kind=TriggerKind.PARTNER_NOTICE).select_related("jurisdiction", "owner_unit"):
        if place.path.startswith(plan.jurisdiction.path) and plan.current_version() is not None:
            details = {"jurisdiction": place.code, "reference": str(reference)[:80], "summary": str(summary)[:200]}
            if fire(plan, f"notice:{str(reference)[:80]}", details, now) is not None:
                fired += 1
    return fired


def exchange_case_notice(*, partner: Any, thread: Any, body: dict[str, Any], message_id: str = "", **_extra: Any) -> int:
    """A partner's case notice as the exchange app applied it (subscribed through
    ``guomen.exchange.hooks.on_case_notice``): the places it concerns are the port it names (a
    unit code) or else the partner's ports; each plan over one of them suggests itself once."""
    from guomen.org.models import Unit

    port = Unit.objects.select_related("jurisdiction").filter(code=str(body.get("port") or "")[:60]).first()
    ports = [port] if port is not None else list(partner.port_units.select_related("jurisdiction"))
    text = body.get("text") or {}
    summary = str(text.get("zh-Hans") or text.get("en") or "")
    reference = f"{partner.authority}:{body.get('ref', '')}"
    fired = 0
    for code in sorted({u.jurisdiction.code for u in ports}):
        fired += partner_case_notice(jurisdiction_code=code, reference=reference, summary=summary, partner=partner.authority)
    return fired
