"""Every write of emergency plans and drills. One transaction each; authority through Scope.

A plan belongs to a command (its owner unit); commands over it activate it. Activating creates one
dispatch task per step (guomen.command) in one insert; the units complete them. A drill's tasks carry
the command's ``exercise`` flag, so no figure counts them and they are never escalated; clearing a
drill deletes them and the drill's simulated events, and nothing else.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.command import services as command
from guomen.command.models import DispatchTask, TaskProgress, TaskState
from guomen.lib import clock
from guomen.lib.errors import Conflict, DomainError
from guomen.lib.text import clean_text
from guomen.org.models import Role, Unit
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope

from .models import (
    Activation,
    ActivationState,
    ActivationStep,
    DrillEvent,
    FiringState,
    ImprovementItem,
    Inject,
    InjectKind,
    Plan,
    PlanVersion,
    Rating,
    Scenario,
    Step,
    TriggerFiring,
    TriggerKind,
)

MAX_STEPS = 500
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def may_command(scope: Scope, plan: Plan) -> bool:
    """A command over the plan's scope (its owner, or a command higher up): edits, approves, activates."""
    if scope.everything:
        return True
    if scope.acts_for(plan.owner_unit, *COMMAND_ROLES):
        return True
    return scope.has_role(*COMMAND_ROLES) and any(plan.jurisdiction.path.startswith(p) for p in scope.subtree_paths)


def _require_command(actor: Any, plan: Plan) -> Scope:
    scope = Scope.of(actor)
    scope.require_write()
    if not may_command(scope, plan):
        raise PermissionDenied(_("Only a command over %(place)s may do this.") % {"place": plan.jurisdiction})
    return scope


# --- plans ---------------------------------------------------------------------------------------
@transaction.atomic
def plan_create(
    *,
    actor: Any,
    code: str,
    name_zh: str,
    owner_unit: Unit | None,
    scenario: str,
    name_en: str = "",
    jurisdiction: Any = None,
    facility: Unit | None = None,
    trigger_kind: str = TriggerKind.MANUAL,
    trigger_threshold: int = 0,
) -> Plan:
    scope = Scope.of(actor)
    scope.require_write()
    if owner_unit is None:
        raise DomainError("owner_unit_required", _("Name the command that owns the plan."), status=422)
    if not scope.acts_for(owner_unit, *COMMAND_ROLES):
        raise PermissionDenied(_("Only a member of %(unit)s may do this.") % {"unit": owner_unit})
    jurisdiction = jurisdiction or owner_unit.jurisdiction
    if not jurisdiction.path.startswith(owner_unit.jurisdiction.path):
        raise DomainError("scope_outside", _("A plan covers only places under its command."), status=422)
    _check_rule(jurisdiction, facility, scenario, trigger_kind)
    threshold = _threshold(trigger_kind, trigger_threshold)
    code = clean_text(code, "code", max_length=60, label=_("the code"), required=True)
    if not SLUG.fullmatch(code):
        raise DomainError("invalid_code", _("A plan's code has only letters, digits, hyphens and underscores."), status=422)
    if Plan.objects.filter(code=code).exists():
        raise Conflict("code_taken", _("A plan with this code exists."))
    return Plan.objects.create(
        code=code,
        name_zh=clean_text(name_zh, "name_zh", max_length=200, label=_("the name"), required=True),
        name_en=clean_text(name_en, "name_en", max_length=200, label=_("the name")),
        scenario=scenario,
        jurisdiction=jurisdiction,
        owner_unit=owner_unit,
        facility=facility,
        trigger_kind=trigger_kind,
        trigger_threshold=threshold,
        created_at=clock.now(),
    )


def _check_rule(jurisdiction: Any, facility: Unit | None, scenario: str, trigger_kind: str) -> None:
    if facility is not None and not facility.jurisdiction.path.startswith(jurisdiction.path):
        raise DomainError("facility_outside", _("The port or facility lies outside the plan's scope."), status=422)
    if scenario not in Scenario.values:
        raise DomainError("invalid_scenario", _("Unknown scenario."), status=422)
    if trigger_kind not in TriggerKind.values:
        raise DomainError("invalid_trigger", _("Unknown trigger."), status=422)


def _threshold(trigger_kind: str, value: Any) -> int:
    try:
        threshold = int(value)
    except (TypeError, ValueError):
        threshold = -1
    if not 0 <= threshold <= 1_000_000 or (
        trigger_kind in (TriggerKind.FACILITY_FEVERS, TriggerKind.SEGMENT_INTERCEPTIONS) and threshold < 1
    ):
        raise DomainError("invalid_threshold", _("Give the trigger's threshold as a positive whole number."), status=422)
    return threshold


@transaction.atomic
def plan_update(
    *,
    actor: Any,
    plan: Plan,
    name_zh: str,
    scenario: str,
    name_en: str = "",
    facility: Unit | None = None,
    trigger_kind: str = TriggerKind.MANUAL,
    trigger_threshold: int = 0,
) -> Plan:
    """Change a plan's names, scenario, port or facility and trigger rule (its scope and owner stay;
    its steps change by a new version)."""
    _require_command(actor, plan)
    p = Plan.objects.select_for_update().select_related("jurisdiction").get(pk=plan.pk)
    _check_rule(p.jurisdiction, facility, scenario, trigger_kind)
    p.trigger_threshold = _threshold(trigger_kind, trigger_threshold)
    p.name_zh = clean_text(name_zh, "name_zh", max_length=200, label=_("the name"), required=True)
    p.name_en = clean_text(name_en, "name_en", max_length=200, label=_("the name"))
    p.scenario, p.facility, p.trigger_kind = scenario, facility, trigger_kind
    p.save(update_fields=["name_zh", "name_en", "scenario", "facility", "trigger_kind", "trigger_threshold"])
    return p


def _dependency_order(steps: list[dict[str, Any]]) -> None:
    codes = [s["code"] for s in steps]
    if len(set(codes)) != len(codes):
        raise DomainError("duplicate_step", _("Each step needs its own code."), status=422)
    known = set(codes)
    graph = {s["code"]: list(s.get("after", [])) for s in steps}
    for code, after in graph.items():
        missing = [a for a in after if a not in known]
        if missing:
            raise DomainError("unknown_dependency", _("Step %(step)s depends on an unknown step.") % {"step": code}, status=422)
    seen: dict[str, int] = {}

    def visit(c: str) -> None:
        if seen.get(c) == 1:
            raise DomainError("dependency_cycle", _("The steps' dependencies go round in a circle."), status=422)
        if seen.get(c) == 2:
            return
        seen[c] = 1
        for a in graph[c]:
            visit(a)
        seen[c] = 2

    for c in graph:
        visit(c)


@transaction.atomic
def version_create(
    *,
    actor: Any,
    plan: Plan,
    review_due: date,
    steps: list[dict[str, Any]],
    injects: list[dict[str, Any]] = (),
    note: str = "",
) -> PlanVersion:
    """A new draft version with its steps (code, kind, title_zh, title_en, role, unit, target_minutes,
    after: [codes], checklist: [items]) and its exercise script (offset_minutes, kind, text_zh, text_en, data)."""
    scope = _require_command(actor, plan)
    if not steps:
        raise DomainError("no_steps", _("A plan needs at least one step."), status=422)
    if len(steps) > MAX_STEPS:
        raise DomainError("too_many_steps", _("A plan has at most %(n)d steps.") % {"n": MAX_STEPS}, status=422)
    steps = [{**s, "code": str(s.get("code") or "").strip(), "after": [str(a).strip() for a in s.get("after") or []]} for s in steps]
    _dependency_order(steps)
    number = (plan.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        note=clean_text(note, "note", max_length=300, label=_("the note"), multiline=True),
        review_due=review_due,
        created_at=clock.now(),
    )
    rows = []
    for i, s in enumerate(steps):
        unit = s["unit"]
        if not scope.reaches_unit(unit):
            raise DomainError("unit_not_found", _("No such unit within your reach."), status=404)
        if s.get("role") not in Role.values:
            raise DomainError("invalid_role", _("Unknown role."), status=422)
        try:
            minutes = int(s["target_minutes"])
        except (KeyError, TypeError, ValueError):
            minutes = -1
        if not 1 <= minutes <= 60 * 24 * 30:
            raise DomainError("invalid_target", _("A step's target is between 1 minute and 30 days."), status=422)
        checklist = [clean_text(c, "checklist", max_length=200, label=_("the checklist")) for c in s.get("checklist", [])]
        rows.append(
            Step(
                version=version,
                code=clean_text(s["code"], "code", max_length=12, label=_("the step"), required=True),
                kind=clean_text(s.get("kind") or s["code"], "kind", max_length=40, label=_("the kind of step"), required=True),
                title_zh=clean_text(s["title_zh"], "title_zh", max_length=200, label=_("the step"), required=True),
                title_en=clean_text(s.get("title_en", ""), "title_en", max_length=200, label=_("the step")),
                role=s["role"],
                unit=unit,
                target_minutes=minutes,
                checklist=[c for c in checklist if c],
                order=i,
            )
        )
    created = {st.code: st for st in Step.objects.bulk_create(rows)}
    if not all(st.pk for st in created.values()):
        created = {st.code: st for st in version.steps.all()}
    through = Step.depends_on.through
    links = [through(from_step_id=created[s["code"]].pk, to_step_id=created[a].pk) for s in steps for a in s.get("after", [])]
    through.objects.bulk_create(links)
    for inj in injects:
        if inj.get("kind") not in InjectKind.values:
            raise DomainError("invalid_inject", _("Unknown kind of inject."), status=422)
        Inject.objects.create(
            version=version,
            offset_minutes=_offset(inj.get("offset_minutes", 0)),
            kind=inj["kind"],
            text_zh=clean_text(inj.get("text_zh"), "text_zh", max_length=300, label=_("the text"), required=True),
            text_en=clean_text(inj.get("text_en"), "text_en", max_length=300, label=_("the text")),
            data=_inject_data(inj.get("data")),
        )
    return version


def _inject_data(value: Any) -> dict[str, Any]:
    """What a line of the script carries: a simulated traveller's name, temperature and symptoms,
    or a result — checked here, so that playing it later cannot fail."""
    data = dict(value or {}) if isinstance(value, dict) else None
    if data is None:
        raise DomainError("invalid_inject", _("An inject's data is a set of named values."), status=422)
    if "temperature" in data:
        try:
            t = float(data["temperature"])
        except (TypeError, ValueError):
            t = 0.0
        if not 30 <= t <= 45:
            raise DomainError("invalid_temperature", _("Give the temperature in °C, between 30 and 45."), status=422)
        data["temperature"] = t
    if "result" in data and data["result"] not in ("positive", "negative"):
        raise DomainError("invalid_result", _("A result is positive or negative."), status=422)
    symptoms = data.get("symptoms", [])
    if not isinstance(symptoms, list) or not all(isinstance(x, str) and len(x) <= 40 for x in symptoms):
        raise DomainError("invalid_symptoms", _("Symptoms are a list of short words."), status=422)
    if "name" in data:
        data["name"] = clean_text(data["name"], "name", max_length=60, label=_("the name"))
    return data


def _offset(value: Any) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = -1
    if not 0 <= minutes <= 60 * 24 * 30:
        raise DomainError("invalid_offset", _("A line of the script plays between 0 minutes and 30 days after activation."), status=422)
    return minutes


@transaction.atomic
def version_approve(*, actor: Any, version: PlanVersion) -> PlanVersion:
    _require_command(actor, version.plan)
    v = PlanVersion.objects.select_for_update().get(pk=version.pk)
    if v.approved_at is None:
        v.approved_at, v.approved_by = clock.now(), actor
        v.save(update_fields=["approved_at", "approved_by"])
    return v


# --- activations --------------------------------------------------------------------------------
@transaction.atomic
def activate(*, actor: Any, plan: Plan, exercise: bool = False, firing: TriggerFiring | None = None) -> Activation:
    """Start the clock: one dispatch task per step of the current version, due at its target time."""
    _require_command(actor, plan)
    version = plan.current_version()
    if version is None:
        raise Conflict("no_approved_version", _("This plan has no approved version yet."))
    now = clock.now()
    activation = Activation.objects.create(
        plan=plan, version=version, jurisdiction=plan.jurisdiction, exercise=exercise, started_at=now, started_by=actor, firing=firing
    )
    steps = list(version.steps.select_related("unit__jurisdiction").order_by("order", "code"))
    prefix = _("[Exercise] ") if exercise else ""
    ref = str(activation.public_id)
    tasks = command.tasks_create_many(
        actor=actor,
        exercise=exercise,
        items=[
            {
                "unit": s.unit,
                "title": (f"{prefix}{plan.code} {s.code}: {s.title}")[:200],
                "details": "\n".join(f"☐ {c}" for c in s.checklist),
                "due_at": now + timedelta(minutes=s.target_minutes),
                "source": "emergency",
                "source_ref": ref,
            }
            for s in steps
        ],
    )
    if not all(t.pk for t in tasks):  # a backend that does not return ids from a bulk insert
        tasks = list(DispatchTask.objects.filter(source="emergency", source_ref=ref).order_by("id"))
    ActivationStep.objects.bulk_create(
        [
            ActivationStep(activation=activation, step=s, unit=s.unit, task=t, target_at=now + timedelta(minutes=s.target_minutes))
            for s, t in zip(steps, tasks, strict=True)
        ],
        batch_size=500,
    )
    return activation


def _sync_from_tasks(activation: Activation) -> None:
    """Steps finished from the unit's task inbox: take their time and who from the task."""
    for a in activation.steps.filter(done_at__isnull=True, task__state=TaskState.DONE).select_related("task"):
        last = TaskProgress.objects.filter(task=a.task, state=TaskState.DONE).order_by("-at").first()
        a.done_at = a.task.finished_at
        a.done_by_id = last.by_id if last else None
        a.save(update_fields=["done_at", "done_by"])


@transaction.atomic
def step_complete(*, actor: Any, step: ActivationStep, note: str = "") -> ActivationStep:
    """The unit reports its step done (through the command's task), once its dependencies are done."""
    a = ActivationStep.objects.select_for_update(of=("self",)).select_related("activation", "task", "step").get(pk=step.pk)
    if a.activation.state != ActivationState.ACTIVE:
        raise Conflict("activation_ended", _("This activation has ended."))
    if a.done_at is not None:
        raise Conflict("step_done", _("This step is already done."))
    _sync_from_tasks(a.activation)
    before = set(a.step.depends_on.values_list("pk", flat=True))
    if before and a.activation.steps.filter(step_id__in=before, done_at__isnull=True).exists():
        raise Conflict("dependencies_open", _("The steps this one depends on are not done yet."))
    if a.task is None:
        raise Conflict("task_missing", _("This step has no task."))
    command.task_progress(
        actor=actor,
        task=a.task,
        text=clean_text(note, "note", max_length=2000, label=_("the note"), multiline=True) or _("Done."),
        state=TaskState.DONE,
    )
    a.done_at, a.done_by = clock.now(), actor
    a.save(update_fields=["done_at", "done_by"])
    return a


def _activation_for_command(actor: Any, activation: Activation) -> Activation:
    act = Activation.objects.select_for_update(of=("self",)).select_related("plan__owner_unit", "plan__jurisdiction").get(pk=activation.pk)
    _require_command(actor, act.plan)
    return act


@transaction.atomic
def activation_end(*, actor: Any, activation: Activation) -> Activation:
    act = _activation_for_command(actor, activation)
    if act.state != ActivationState.ACTIVE:
        return act
    _sync_from_tasks(act)
    act.state, act.ended_at = ActivationState.ENDED, clock.now()
    act.save(update_fields=["state", "ended_at"])
    return act


@transaction.atomic
def drill_clear(*, actor: Any, activation: Activation) -> Activation:
    """After a drill: delete its tasks (and their progress) and its simulated events. The measured
    times, ratings and improvement items (real tasks) stay for the evaluation."""
    act = _activation_for_command(actor, activation)
    if not act.exercise:
        raise Conflict("not_an_exercise", _("Only a drill's records can be cleared."))
    if act.state == ActivationState.ACTIVE:
        _sync_from_tasks(act)
        act.ended_at = clock.now()
    tasks = DispatchTask.objects.filter(exercise=True, source="emergency", source_ref=str(act.public_id))
    ActivationStep.objects.filter(activation=act).update(task=None)
    TaskProgress.objects.filter(task__in=tasks).delete()
    tasks.delete()
    act.drill_events.all().delete()
    act.state = ActivationState.CLEARED
    act.save(update_fields=["state", "ended_at"])
    return act


# --- the exercise script --------------------------------------------------------------------------
def _fever_threshold() -> float:
    """The loop's own rule (the policy in force) decides whether a simulated traveller has fever."""
    from guomen.loop.policy import Rules
    from guomen.loop.services import policy_current

    return Rules.model_validate(policy_current().rules).fever_celsius


def _play(act: Activation, inj: Inject, now: datetime) -> DrillEvent:
    data = dict(inj.data)
    if inj.kind == InjectKind.ARRIVAL:
        t = float(data.get("temperature", 36.5))
        data["fever"] = t >= _fever_threshold() or bool(data.get("symptoms"))
    act.injects_done = [*act.injects_done, inj.pk]
    act.save(update_fields=["injects_done"])
    return DrillEvent.objects.create(activation=act, at=now, inject=inj, kind=inj.kind, text=inj.text_zh, data=data)


@transaction.atomic
def inject_play(*, actor: Any, activation: Activation, inject: Inject) -> DrillEvent:
    """The controller plays one line of the script now (ahead of its time if need be)."""
    act = _activation_for_command(actor, activation)
    if not act.exercise or act.state != ActivationState.ACTIVE:
        raise Conflict("not_a_running_drill", _("Injects are played only in a running drill."))
    if inject.version_id != act.version_id:
        raise DomainError("inject_not_found", _("No such inject in this drill's script."), status=404)
    if inject.pk in act.injects_done:
        raise Conflict("inject_played", _("This inject has been played already."))
    return _play(act, inject, clock.now())


def injects_due(*, now: datetime | None = None) -> int:
    """The periodic task: play every inject whose time has come in each running drill."""
    now = now or clock.now()
    played = 0
    for pk in Activation.objects.filter(exercise=True, state=ActivationState.ACTIVE).values_list("pk", flat=True):
        with transaction.atomic():
            act = Activation.objects.select_for_update().get(pk=pk)
            for inj in act.version.injects.all():
                if inj.pk not in act.injects_done and act.started_at + timedelta(minutes=inj.offset_minutes) <= now:
                    _play(act, inj, now)
                    played += 1
    return played


# --- evaluation ------------------------------------------------------------------------------------
@transaction.atomic
def step_rate(*, actor: Any, step: ActivationStep, rating: str, note: str = "") -> ActivationStep:
    a = ActivationStep.objects.select_for_update(of=("self",)).select_related("activation__plan").get(pk=step.pk)
    _require_command(actor, a.activation.plan)
    if rating not in Rating.values:
        raise DomainError("invalid_rating", _("Rate with P, S, M or U."), status=422)
    a.rating, a.rating_note = rating, clean_text(note, "rating_note", max_length=1000, label=_("the notes"), multiline=True)
    a.save(update_fields=["rating", "rating_note"])
    return a


@transaction.atomic
def improvement_add(*, actor: Any, activation: Activation, text: str, owner_unit: Unit, due_at: datetime) -> ImprovementItem:
    """An improvement item becomes a (real) dispatch task for its owner, followed until closed."""
    act = _activation_for_command(actor, activation)
    text = clean_text(text, "text", max_length=300, label=_("the improvement"), required=True, multiline=True)
    if timezone.is_naive(due_at):
        raise DomainError("naive_time", _("Give the time with its time zone."), status=422)
    task = command.task_create(
        actor=actor,
        unit=owner_unit,
        title=(_("Improvement after %(plan)s: %(text)s") % {"plan": act.plan.code, "text": text})[:200],
        due_at=due_at,
        source="emergency-improvement",
        source_ref=str(act.public_id),
    )
    return ImprovementItem.objects.create(
        activation=act, text=text, owner_unit=owner_unit, due_at=due_at, task=task, created_at=clock.now()
    )


# --- suggestions from trigger rules -------------------------------------------------------------
@transaction.atomic
def firing_activate(*, actor: Any, firing: TriggerFiring) -> Activation:
    f = TriggerFiring.objects.select_for_update(of=("self",)).select_related("plan").get(pk=firing.pk)
    if f.state != FiringState.SUGGESTED:
        raise Conflict("firing_decided", _("This suggestion has been decided already."))
    act = activate(actor=actor, plan=f.plan, firing=f)
    f.state, f.decided_by, f.decided_at = FiringState.ACTIVATED, actor, clock.now()
    f.save(update_fields=["state", "decided_by", "decided_at"])
    _close_alert(f, _("Plan activated."))
    return act


@transaction.atomic
def firing_dismiss(*, actor: Any, firing: TriggerFiring, reason: str) -> TriggerFiring:
    f = TriggerFiring.objects.select_for_update(of=("self",)).select_related("plan").get(pk=firing.pk)
    _require_command(actor, f.plan)
    if f.state != FiringState.SUGGESTED:
        raise Conflict("firing_decided", _("This suggestion has been decided already."))
    f.reason = clean_text(reason, "reason", max_length=300, label=_("the reason"), required=True, multiline=True)
    f.state, f.decided_by, f.decided_at = FiringState.DISMISSED, actor, clock.now()
    f.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    _close_alert(f, (_("Dismissed: %(reason)s") % {"reason": f.reason})[:300])
    return f


def _close_alert(f: TriggerFiring, note: str) -> None:
    from guomen.alerts.services import alerts_close_by_key

    alerts_close_by_key(f"plan_suggested:{f.key}", note=note)
