"""The planner's pages: a new plan, and a plan's page — its rule, its versions (steps with roles,
units, target times, dependencies and checklists; who approved them and when) and the editor of
its next version. Every change goes through the services; a refused change re-shows the input
with the reason and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

from . import forms, queries, services
from .models import Plan

REFUSED = (DomainError, PermissionDenied, Http404)
EXTRA_ROWS = 3


def _reason(e: Exception) -> str:
    return getattr(e, "message", None) or str(e) or _("Not found.")


def _unit_or_error(scope: Scope, code: str, errors: list[str]) -> Any:
    unit = queries.unit_in_reach(scope, code)
    if unit is None:
        errors.append(_("No unit %(code)s within your reach.") % {"code": code})
    return unit


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    owners = queries.command_units(scope)
    if not owners or scope.read_only:
        raise PermissionDenied(_("Only a command makes emergency plans."))
    choices = [(u.code, f"{u.name} · {u.jurisdiction}") for u in owners]
    form = forms.NewPlanForm(request.POST or None, owners=choices)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        owner = next(u for u in owners if u.code == d["owner_unit"])
        place = None
        if d["jurisdiction"]:
            place = Jurisdiction.objects.filter(code=d["jurisdiction"].strip()).first()
            if place is None:
                errors.append(_("No place with the code %(code)s.") % {"code": d["jurisdiction"]})
        facility = _unit_or_error(scope, d["facility"], errors) if d["facility"] else None
        if not errors:
            try:
                plan = services.plan_create(
                    actor=request.user,
                    code=d["code"],
                    name_zh=d["name_zh"],
                    name_en=d["name_en"],
                    scenario=d["scenario"],
                    owner_unit=owner,
                    jurisdiction=place,
                    facility=facility,
                    trigger_kind=d["trigger_kind"],
                    trigger_threshold=d["trigger_threshold"],
                )
                messages.success(request, _("Plan created. Now write its first version's steps."))
                return redirect("emergency:plan", code=plan.code)
            except REFUSED as e:
                errors.append(_reason(e))
    status = 422 if request.method == "POST" else 200
    return render(request, "emergency/plan_new.html", {"form": form, "errors": errors}, status=status)


def _plan_form(plan: Plan, data: Any = None) -> forms.PlanForm:
    initial = {
        "name_zh": plan.name_zh,
        "name_en": plan.name_en,
        "scenario": plan.scenario,
        "facility": plan.facility.code if plan.facility else "",
        "trigger_kind": plan.trigger_kind,
        "trigger_threshold": plan.trigger_threshold,
    }
    return forms.PlanForm(data, initial=initial, prefix="plan")


def _version_forms(plan: Plan, base: Any, data: Any = None, extra: int = EXTRA_ROWS) -> tuple[forms.VersionForm, Any, Any]:
    vform = forms.VersionForm(data, prefix="version", initial={"review_due": clock.today() + timedelta(days=365)})
    # every row is read, even one left as it was shown (an unchanged row is still a step)
    every = {"empty_permitted": False}
    steps = forms.StepFormSet(data, prefix="s", initial=forms.step_initial(base) + [{}] * extra, form_kwargs=every)
    script = forms.InjectFormSet(data, prefix="i", initial=[*forms.inject_initial(base), {}], form_kwargs=every)
    return vform, steps, script


def _save_version(request: HttpRequest, scope: Scope, plan: Plan, forms_: tuple[Any, Any, Any], errors: list[str]) -> bool:
    vform, steps, script = forms_
    if not (vform.is_valid() and steps.is_valid() and script.is_valid()):
        errors.append(_("Some fields need correcting (marked below)."))
        return False
    rows = [f.step() for f in steps.forms if not f.is_blank()]
    for row in rows:
        row["unit"] = _unit_or_error(scope, row["unit"], errors)
    if errors:
        return False
    injects = [f.inject() for f in script.forms if not f.is_blank()]
    try:
        v = services.version_create(
            actor=request.user,
            plan=plan,
            review_due=vform.cleaned_data["review_due"],
            note=vform.cleaned_data["note"],
            steps=rows,
            injects=injects,
        )
    except REFUSED as e:
        errors.append(_reason(e))
        return False
    messages.success(request, _("Version %(n)d saved as a draft: it is used once approved.") % {"n": v.number})
    return True


@login_required
@require_http_methods(["GET", "POST"])
def plan_page(request: HttpRequest, code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    plan = queries.plan_get(scope, code)
    may_edit = services.may_command(scope, plan) and not scope.read_only
    versions = list(plan.versions.select_related("approved_by").order_by("-number"))
    base = versions[0] if versions else None
    plan_form = _plan_form(plan)
    vform, steps, script = _version_forms(plan, base, extra=_extra(request))
    errors: list[str] = []
    do = request.POST.get("do", "")
    if request.method == "POST":
        if do == "plan":
            plan_form = _plan_form(plan, request.POST)
            if _save_plan(request, scope, plan, plan_form, errors):
                return redirect("emergency:plan", code=plan.code)
        elif do == "version":
            vform, steps, script = _version_forms(plan, base, request.POST)
            if _save_version(request, scope, plan, (vform, steps, script), errors):
                return redirect("emergency:plan", code=plan.code)
        elif do == "approve":
            try:
                version = queries.scope_get(plan.versions.all(), number=_int(request.POST.get("number")))
                services.version_approve(actor=request.user, version=version)
                messages.success(request, _("Version %(n)d approved: activations use it from now on.") % {"n": version.number})
                return redirect("emergency:plan", code=plan.code)
            except REFUSED as e:
                errors.append(_reason(e))
        else:
            errors.append(_("Unknown action."))
    current = plan.current_version()
    shown = _shown_version(request, versions, current)
    ctx = {
        "plan": plan,
        "versions": versions,
        "current": current,
        "shown": shown,
        "shown_steps": shown.steps.select_related("unit").prefetch_related("depends_on").order_by("order", "code") if shown else [],
        "shown_injects": shown.injects.all() if shown else [],
        "may_edit": may_edit,
        "plan_form": plan_form,
        "vform": vform,
        "steps": steps,
        "script": script,
        "units": queries.units_in_reach(scope) if may_edit else [],
        "step_kinds": queries.step_kinds(scope) if may_edit else [],
        "errors": errors,
        "failed": do if errors else "",
        "more_rows": _extra(request) + 5,
    }
    return render(request, "emergency/plan.html", ctx, status=422 if errors else 200)


def _save_plan(request: HttpRequest, scope: Scope, plan: Plan, form: forms.PlanForm, errors: list[str]) -> bool:
    if not form.is_valid():
        errors.append(_("Some fields need correcting (marked below)."))
        return False
    d = form.cleaned_data
    facility = _unit_or_error(scope, d["facility"], errors) if d["facility"] else None
    if errors:
        return False
    try:
        services.plan_update(
            actor=request.user,
            plan=plan,
            name_zh=d["name_zh"],
            name_en=d["name_en"],
            scenario=d["scenario"],
            facility=facility,
            trigger_kind=d["trigger_kind"],
            trigger_threshold=d["trigger_threshold"],
        )
    except REFUSED as e:
        errors.append(_reason(e))
        return False
    messages.success(request, _("Plan saved."))
    return True


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return -1


def _extra(request: HttpRequest) -> int:
    return min(max(_int(request.GET.get("rows")), EXTRA_ROWS), 50)


def _shown_version(request: HttpRequest, versions: list[Any], current: Any) -> Any:
    wanted = _int(request.GET.get("v"))
    return next((v for v in versions if v.number == wanted), None) or current or (versions[0] if versions else None)
