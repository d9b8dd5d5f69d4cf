"""Reads for emergency plans: plans and activations through Scope, the live board, the measured
times of an evaluation, and the readiness figures shown to the command."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from guomen.command.models import OPEN_TASK_STATES
from guomen.lib import clock
from guomen.lib.localtime import local_day, zone
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction, Level

from .models import Activation, ActivationStep, ImprovementItem, Plan, TriggerFiring


def _reach(scope: Scope) -> Q:
    if scope.everything:
        return Q()
    q = Q(owner_unit_id__in=scope.unit_ids)
    for p in scope.subtree_paths:
        q |= Q(jurisdiction__path__startswith=p)
    return q


def plans(scope: Scope) -> QuerySet[Plan]:
    return Plan.objects.filter(_reach(scope)).select_related("jurisdiction", "owner_unit", "facility")


def plan_get(scope: Scope, code: str) -> Plan:
    return scope_get(plans(scope), code=code)


def scope_get(qs: QuerySet[Any], **lookup: Any) -> Any:
    from django.http import Http404
    from django.utils.translation import gettext as _

    obj = qs.filter(**lookup).first()
    if obj is None:
        raise Http404(_("Not found."))
    return obj


def activations(scope: Scope) -> QuerySet[Activation]:
    """Activations of plans the user reaches, and those in which one of the user's units has a step."""
    if scope.everything:
        q = Q()
    else:
        q = Q(plan__owner_unit_id__in=scope.unit_ids) | Q(steps__unit_id__in=scope.unit_ids)
        for p in scope.subtree_paths:
            q |= Q(jurisdiction__path__startswith=p)
    ids = Activation.objects.filter(q).values("pk")
    return Activation.objects.filter(pk__in=ids).select_related("plan", "version", "started_by")


def activation_get(scope: Scope, public_id: Any) -> Activation:
    return scope_get(activations(scope), public_id=public_id)


def firings(scope: Scope) -> QuerySet[TriggerFiring]:
    return TriggerFiring.objects.filter(plan__in=plans(scope).values("pk")).select_related("plan")


@dataclass
class BoardRow:
    step: ActivationStep
    target_local: datetime
    elapsed_minutes: float
    done: bool
    late: bool
    who: str
    minutes_taken: float | None
    target_minutes: int


def board(activation: Activation, now: datetime | None = None) -> list[BoardRow]:
    """Each step: its target (local time), minutes elapsed since activation (or taken), done or late, who."""
    now = now or clock.now()
    end = activation.ended_at or now
    rows = []
    steps = activation.steps.select_related("step", "unit", "done_by", "task").order_by("target_at", "step__order")
    for a in steps:
        done_at = a.done_at
        who = a.done_by.get_username() if a.done_by else ""
        if done_at is None and a.task is not None and a.task.finished_at and a.task.state == "done":
            done_at = a.task.finished_at
            last = a.task.progress.filter(state="done").select_related("by").last()
            who = last.by.get_username() if last else ""
        reference = done_at or end
        rows.append(
            BoardRow(
                step=a,
                target_local=a.target_at.astimezone(zone()),
                elapsed_minutes=round((reference - activation.started_at) / timedelta(minutes=1), 1),
                done=done_at is not None,
                late=reference > a.target_at,
                who=who,
                minutes_taken=round((done_at - activation.started_at) / timedelta(minutes=1), 1) if done_at else None,
                target_minutes=a.step.target_minutes,
            )
        )
    return rows


def board_summary(rows: list[BoardRow]) -> dict[str, int]:
    return {
        "steps": len(rows),
        "done": sum(r.done for r in rows),
        "late": sum(r.late for r in rows),
        "done_on_time": sum(r.done and not r.late for r in rows),
    }


def readiness(scope: Scope, node: Jurisdiction | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Readiness for the command: plans past their review date, drills per county in the last quarter
    (local days), open improvement items, median minutes to complete per kind of step across drills."""
    now = now or clock.now()
    today = local_day(now)
    ps = plans(scope)
    if node is not None:
        ps = ps.filter(jurisdiction__path__startswith=node.path)
    overdue = 0
    for plan in ps.prefetch_related("versions"):
        approved = [v for v in plan.versions.all() if v.approved_at is not None]
        if approved and max(approved, key=lambda v: v.number).review_due < today:
            overdue += 1
    since = now - timedelta(days=91)
    drills = activations(scope).filter(exercise=True, started_at__gte=since)
    if node is not None:
        drills = drills.filter(jurisdiction__path__startswith=node.path)
    per_county: dict[str, int] = {}
    drill_paths = list(drills.values_list("jurisdiction__path", flat=True))
    counties = {j.path: j for j in Jurisdiction.objects.filter(level=Level.COUNTY)} if drill_paths else {}
    for path in drill_paths:
        county = next((c for p, c in counties.items() if path.startswith(p)), None)
        if county is not None:
            per_county[county.name] = per_county.get(county.name, 0) + 1
    items = ImprovementItem.objects.filter(activation__in=activations(scope).values("pk"), task__state__in=OPEN_TASK_STATES)
    if node is not None:
        items = items.filter(activation__jurisdiction__path__startswith=node.path)
    taken: dict[str, list[float]] = {}
    targets: dict[str, list[int]] = {}
    done = ActivationStep.objects.filter(
        activation__in=drills.values("pk") if node is not None else activations(scope).filter(exercise=True).values("pk"),
        done_at__isnull=False,
    ).select_related("step", "activation")
    for a in done:
        taken.setdefault(a.step.kind, []).append((a.done_at - a.activation.started_at) / timedelta(minutes=1))
        targets.setdefault(a.step.kind, []).append(a.step.target_minutes)
    return {
        "plans_review_overdue": overdue,
        "drills_per_county": dict(sorted(per_county.items())),
        "drills_quarter": len(drill_paths),
        "improvements_open": items.count(),
        "median_minutes_by_kind": {k: round(statistics.median(v), 1) for k, v in sorted(taken.items())},
        "median_target_by_kind": {k: round(statistics.median(v), 1) for k, v in sorted(targets.items())},
    }


@dataclass
class PlanState:
    plan: Plan
    version: int | None  # the version in force (None: none approved yet)
    drafts: int  # versions written after it, not yet approved
    review_due: Any
    review_overdue: bool
    last_drill: Activation | None
    last_drill_on_time: tuple[int, int] | None  # (steps done by their target, steps) in the last drill
    improvements_open: int


def plan_states(scope: Scope, node: Jurisdiction | None = None, now: datetime | None = None, limit: int = 30) -> list[PlanState]:
    """Each plan within reach (under ``node``): its version in force and review date, its last drill
    and how many of that drill's steps were done by their target, and its open improvement items."""
    now = now or clock.now()
    today = local_day(now)
    ps = plans(scope)
    if node is not None:
        ps = ps.filter(jurisdiction__path__startswith=node.path)
    last = Activation.objects.filter(plan=OuterRef("pk"), exercise=True).order_by("-started_at").values("pk")[:1]
    items = (
        ImprovementItem.objects.filter(activation__plan=OuterRef("pk"), task__state__in=OPEN_TASK_STATES)
        .order_by()
        .values("activation__plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(ps.annotate(last_drill_id=Subquery(last), open_items=Subquery(items)).prefetch_related("versions")[:limit])
    drills = Activation.objects.in_bulk([p.last_drill_id for p in rows if p.last_drill_id])
    on_time = {
        r["activation"]: (r["on_time"], r["steps"])
        for r in ActivationStep.objects.filter(activation_id__in=list(drills))
        .values("activation")
        .annotate(steps=Count("pk"), on_time=Count("pk", filter=Q(done_at__lte=F("target_at"))))
    }
    out = []
    for plan in rows:
        versions = sorted(plan.versions.all(), key=lambda v: v.number)
        approved = [v for v in versions if v.approved_at is not None]
        current = approved[-1] if approved else None
        out.append(
            PlanState(
                plan=plan,
                version=current.number if current else None,
                drafts=sum(1 for v in versions if v.approved_at is None and (current is None or v.number > current.number)),
                review_due=current.review_due if current else None,
                review_overdue=bool(current and current.review_due < today),
                last_drill=drills.get(plan.last_drill_id),
                last_drill_on_time=on_time.get(plan.last_drill_id, (0, 0)) if plan.last_drill_id else None,
                improvements_open=plan.open_items or 0,
            )
        )
    return out


def command_units(scope: Scope) -> list[Any]:
    """The commands this user acts for: the owners a new plan may have."""
    from guomen.org.models import Unit, UnitKind
    from guomen.org.roles import COMMAND_ROLES

    if scope.everything:
        return list(Unit.objects.filter(kind=UnitKind.COMMAND_OFFICE, active=True).select_related("jurisdiction"))
    ids = [pk for pk, roles in scope.unit_roles.items() if roles & set(COMMAND_ROLES)]
    return list(Unit.objects.filter(pk__in=ids, active=True).select_related("jurisdiction"))


def units_in_reach(scope: Scope, limit: int = 1000) -> list[Any]:
    """Units a planner may name in a step (for the editor's list of suggestions)."""
    from guomen.org.models import Unit

    return list(scope.filter(Unit.objects.filter(active=True)).select_related("jurisdiction")[:limit])


def unit_in_reach(scope: Scope, code: str) -> Any:
    """A unit by its code, within reach, or None."""
    from guomen.org.models import Unit

    unit = Unit.objects.select_related("jurisdiction").filter(code=str(code or "").strip()[:60]).first()
    return unit if unit is not None and scope.reaches_unit(unit) else None
