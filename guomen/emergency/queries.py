"""Reads for emergency plans: plans and activations through Scope, the live board, the measured
times of an evaluation, and the readiness figures shown to the command."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, DateField, DateTimeField, F, FilteredRelation, Max, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import get_language

from guomen.command.models import OPEN_TASK_STATES
from guomen.lib import clock, prepared
from guomen.lib.localtime import local_day, zone
from guomen.lib.prepared import Slot
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction, Level

from .models import Activation, ActivationStep, ImprovementItem, Plan, PlanVersion, Step, TriggerFiring


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


def _reach_key(scope: Scope, node: Jurisdiction | None) -> tuple[Any, ...]:
    """What the readiness statements are built from (but the slots): the reach and the place."""
    return (scope.everything, scope.subtree_paths, tuple(sorted(scope.unit_ids)), node.path if node is not None else None)


def _under(qs: QuerySet, node: Jurisdiction | None, path: str = "jurisdiction__path") -> QuerySet:
    return qs if node is None else qs.filter(**{f"{path}__startswith": node.path})


def _drills(scope: Scope, node: Jurisdiction | None, since: Any) -> QuerySet[Activation]:
    return _under(activations(scope).filter(exercise=True, started_at__gte=since), node)


def _readiness_counts(scope: Scope, node: Jurisdiction | None) -> dict[str, prepared.Part]:
    """Plans whose version in force is past its review date (the local day a slot), open improvement items."""
    in_force = PlanVersion.objects.filter(plan=OuterRef("pk"), approved_at__isnull=False).order_by("-number").values("review_due")[:1]
    overdue = _under(plans(scope), node).annotate(review_due=Subquery(in_force)).filter(review_due__lt=Slot("today", DateField()))
    items = _under(
        ImprovementItem.objects.filter(activation__in=activations(scope).values("pk"), task__state__in=OPEN_TASK_STATES),
        node,
        "activation__jurisdiction__path",
    )
    return {"overdue": (overdue, {"n": Count("id")}), "items": (items, {"n": Count("id")})}


def readiness(scope: Scope, node: Jurisdiction | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Readiness for the command: plans past their review date, drills per county in the last quarter
    (local days), open improvement items, median minutes to complete per kind of step across drills.
    Two or three statements for a place (three or four for all within reach), each built once per
    process for the reach and the place."""
    now = now or clock.now()
    today = local_day(now)
    since = now - timedelta(days=91)
    if scope.user_id is None:
        return {**dict.fromkeys(("plans_review_overdue", "drills_quarter", "improvements_open"), 0), **_NO_DRILLS}
    key = _reach_key(scope, node)
    counts = prepared.read_together(("emergency.readiness", *key), lambda: _readiness_counts(scope, node), today=today)
    drill_paths, done = _drills_and_steps(scope, node, since)
    per_county: dict[str, int] = {}
    if drill_paths:
        county_rows = prepared.statement(
            ("emergency.counties",), lambda: Jurisdiction.objects.filter(level=Level.COUNTY).values_list("path", "name_zh", "name_en")
        )
        counties = {path: Jurisdiction(path=path, name_zh=zh, name_en=en) for path, zh, en in county_rows.rows()}
        for path in drill_paths:
            county = next((c for p, c in counties.items() if path.startswith(p)), None)
            if county is not None:
                per_county[county.name] = per_county.get(county.name, 0) + 1

    taken: dict[str, list[float]] = {}
    targets: dict[str, list[int]] = {}
    for kind, done_at, started_at, target in done:
        taken.setdefault(kind, []).append((done_at - started_at) / timedelta(minutes=1))
        targets.setdefault(kind, []).append(target)
    return {
        "plans_review_overdue": counts["overdue"]["n"] or 0,
        "drills_per_county": dict(sorted(per_county.items())),
        "drills_quarter": len(drill_paths),
        "improvements_open": counts["items"]["n"] or 0,
        "median_minutes_by_kind": {k: round(statistics.median(v), 1) for k, v in sorted(taken.items())},
        "median_target_by_kind": {k: round(statistics.median(v), 1) for k, v in sorted(targets.items())},
    }


def _drills_and_steps(scope: Scope, node: Jurisdiction | None, since: datetime) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The place of each drill since ``since``, and the steps done — (kind, done at, drill started,
    target minutes) — of those drills (of every drill within reach when no place is given)."""
    key = _reach_key(scope, node)
    since_slot = Slot("since", DateTimeField())
    if node is not None:  # one statement: each drill with its done steps (or none)

        def drills_with_steps() -> QuerySet:
            with_done = _drills(scope, node, since_slot).annotate(done=FilteredRelation("steps", condition=Q(steps__done_at__isnull=False)))
            return with_done.order_by().values_list(
                "pk", "jurisdiction__path", "started_at", "done__step__kind", "done__done_at", "done__step__target_minutes"
            )

        places: dict[int, str] = {}
        done = []
        for pk, path, started_at, kind, done_at, target in prepared.statement(("emergency.drills_steps", *key), drills_with_steps).rows(
            since=since
        ):
            places[pk] = path
            if done_at is not None:
                done.append((kind, done_at, started_at, target))
        return list(places.values()), done
    drilled = prepared.statement(
        ("emergency.drills", *key), lambda: _drills(scope, node, since_slot).order_by().values_list("jurisdiction__path")
    )

    def steps_done() -> QuerySet:
        drills = activations(scope).filter(exercise=True)
        done = ActivationStep.objects.filter(activation__in=drills.values("pk"), done_at__isnull=False)
        return done.order_by().values_list("step__kind", "done_at", "activation__started_at", "step__target_minutes")

    return [path for (path,) in drilled.rows(since=since)], prepared.statement(("emergency.steps_done", *key), steps_done).rows()


_NO_DRILLS: dict[str, Any] = {"drills_per_county": {}, "median_minutes_by_kind": {}, "median_target_by_kind": {}}


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


_PLAN_COLUMNS = ("id", "code", "name_zh", "name_en")
_DRILL_COLUMNS = ("id", "public_id", "started_at")


def plan_states(scope: Scope, node: Jurisdiction | None = None, now: datetime | None = None, limit: int = 30) -> list[PlanState]:
    """Each plan within reach (under ``node``): its version in force and review date, its last drill
    and how many of that drill's steps were done by their target, and its open improvement items.
    Two statements (the plans with their last drill, the versions), each built once per process
    for the reach and the place."""
    now = now or clock.now()
    today = local_day(now)
    key = _reach_key(scope, node)

    def of_plan() -> QuerySet:
        return _under(plans(scope), node)

    def states() -> QuerySet:
        last = Activation.objects.filter(plan=OuterRef("pk"), exercise=True).order_by("-started_at")
        items = (
            ImprovementItem.objects.filter(activation__plan=OuterRef("pk"), task__state__in=OPEN_TASK_STATES)
            .order_by()
            .values("activation__plan")
            .annotate(n=Count("pk"))
            .values("n")
        )
        steps = ActivationStep.objects.filter(activation=OuterRef("last_drill_id")).order_by().values("activation")
        return (
            of_plan()
            .annotate(
                last_drill_id=Subquery(last.values("pk")[:1]),
                last_drill_public_id=Subquery(last.values("public_id")[:1]),
                last_drill_started_at=Subquery(last.values("started_at")[:1]),
                open_items=Subquery(items),
                drill_steps=Subquery(steps.annotate(n=Count("pk")).values("n")),
                drill_on_time=Subquery(steps.annotate(n=Count("pk", filter=Q(done_at__lte=F("target_at")))).values("n")),
            )
            .values_list(
                *_PLAN_COLUMNS,
                "last_drill_id",
                "last_drill_public_id",
                "last_drill_started_at",
                "open_items",
                "drill_steps",
                "drill_on_time",
            )[:limit]
        )

    rows = prepared.statement(("emergency.plan_states", *key, limit), states).rows()
    if not rows:
        return []
    versions: dict[int, list[tuple[int, Any, Any]]] = {}
    in_reach = prepared.statement(
        ("emergency.plan_versions", *key),
        lambda: (
            PlanVersion.objects.filter(plan__in=of_plan().values("pk"))
            .order_by()
            .values_list("plan_id", "number", "approved_at", "review_due")
        ),
    )
    for plan_id, number, approved_at, review_due in in_reach.rows():
        versions.setdefault(plan_id, []).append((number, approved_at, review_due))
    out = []
    for row in rows:
        plan = prepared.instance(Plan, _PLAN_COLUMNS, row[:4])
        drill_id, drill_public_id, drill_started_at, open_items, steps, on_time = row[4:]
        mine = sorted(versions.get(plan.pk, []), key=lambda v: v[0])
        approved = [v for v in mine if v[1] is not None]
        current = approved[-1] if approved else None
        out.append(
            PlanState(
                plan=plan,
                version=current[0] if current else None,
                drafts=sum(1 for v in mine if v[1] is None and (current is None or v[0] > current[0])),
                review_due=current[2] if current else None,
                review_overdue=bool(current and current[2] < today),
                last_drill=prepared.instance(Activation, _DRILL_COLUMNS, (drill_id, drill_public_id, drill_started_at))
                if drill_id
                else None,
                last_drill_on_time=(on_time or 0, steps or 0) if drill_id else None,
                improvements_open=open_items or 0,
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


def step_kinds(scope: Scope, limit: int = 300) -> list[tuple[str, str]]:
    """The kinds of step the plans within reach already use, each with one step's title in the
    reader's language (the editor's suggestions): drills are compared step kind by step kind, so a
    kind spelt anew starts a series of its own."""
    english = (get_language() or "").startswith("en")
    rows = Step.objects.filter(version__plan__in=plans(scope).values("pk")).values("kind").annotate(zh=Max("title_zh"), en=Max("title_en"))
    return [(r["kind"], (r["en"] if english and r["en"] else r["zh"])) for r in rows.order_by("kind")[:limit]]


def unit_in_reach(scope: Scope, code: str) -> Any:
    """A unit by its code, within reach, or None."""
    from guomen.org.models import Unit

    unit = Unit.objects.select_related("jurisdiction").filter(code=str(code or "").strip()[:60]).first()
    return unit if unit is not None and scope.reaches_unit(unit) else None
