"""Duty pages, phone first: my duty (shifts, patrols, check-ins, observations), the roster with its gaps,
patrols and segment effort, incidents and tasks."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.models import Unit, UnitKind
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope
from guomen.places.models import BorderSegment, Passage

from . import geo, queries, services
from .gpx import patrol_gpx
from .models import (
    DutyPost,
    DutyTask,
    Incident,
    IncidentKind,
    IncidentStatus,
    LogCategory,
    Patrol,
    PatrolStatus,
    TaskStatus,
)

COMMAND = COMMAND_ROLES


def _back(request: HttpRequest, default: str) -> HttpResponse:
    nxt = request.POST.get("next") or ""
    return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else default)


def domain_errors(view: Any) -> Any:
    """A refused write shows its reason on the page it came from; nothing changed."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            messages.error(request, exc.message)
            return _back(request, reverse("duty:me"))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do this."))
            return _back(request, reverse("duty:me"))

    return wrapped


def _local(value: str | None, field: str) -> datetime:
    """A datetime-local input (the user's zone) as an aware time."""
    try:
        naive = datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise DomainError("bad_time", _("Give a date and time."), status=422, details={"field": field})
    return timezone.make_aware(naive) if timezone.is_naive(naive) else naive


# --- my duty -------------------------------------------------------------------------------------------
@login_required
def me(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    scope = Scope.of(request.user)
    posts = queries.posts(scope)[:50]
    return render(
        request,
        "duty/me.html",
        {
            "shifts": queries.my_shifts(request.user, now - timedelta(hours=12), days=7),
            "patrols": queries.my_patrols(request.user),
            "tasks": DutyTask.objects.filter(assignee=request.user, status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS]),
            "posts": posts,
            "categories": LogCategory.choices,
            "now": now,
        },
    )


# --- roster ------------------------------------------------------------------------------------------
@login_required
def roster(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    first, days = queries.month_bounds(request.GET.get("month"))
    posts = queries.posts(scope)
    unit = request.GET.get("unit") or ""
    if unit:
        posts = posts.filter(unit__code=unit)
    posts = posts.order_by("jurisdiction__path", "code")[:300]
    data = queries.roster(posts, first, days)
    prev_m = (first - timedelta(days=1)).strftime("%Y-%m")
    next_m = (first + timedelta(days=days)).strftime("%Y-%m")
    units = scope.filter(Unit.objects.filter(duty_posts__isnull=False).distinct())
    ctx = {
        "r": data,
        "month": first.strftime("%Y-%m"),
        "prev": prev_m,
        "next": next_m,
        "unit": unit,
        "units": units,
        "today": clock.today(),
    }
    template = "duty/roster.html#grid" if request.htmx else "duty/roster.html"
    return render(request, template, ctx)


@login_required
def post_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    return _post_page(request, scope.get(DutyPost.objects.select_related("unit", "jurisdiction", "passage", "segment"), code=code))


def _post_page(request: HttpRequest, post: DutyPost, *, shift: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    """The post's page; ``shift``: the shift form as sent, with the reason it was refused."""
    now = clock.now()
    shifts = post.shifts.filter(end__gt=now - timedelta(days=1), start__lt=now + timedelta(days=7)).prefetch_related("members")
    cov, _ = queries.coverage_for(DutyPost.objects.filter(pk=post.pk), now, 48)
    gaps = [{"start": timezone.localtime(g.start_at), "end": timezone.localtime(g.end_at), "shortfall": g.shortfall} for g in cov.gaps]
    context = {
        "post": post,
        "shifts": shifts,
        "gaps": gaps,
        "log": post.log.select_related("author")[:30],
        "categories": LogCategory.choices,
        "shift": shift or {},
    }
    return render(request, "duty/post.html", context, status=status)


@login_required
@require_POST
@domain_errors
def shift_add(request: HttpRequest, code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    post = scope.get(DutyPost.objects.select_related("unit", "jurisdiction", "passage", "segment"), code=code)
    names = [n.strip() for n in request.POST.getlist("members") if n.strip()]
    try:
        units = scope.filter(Unit.objects.all())
        users = list(get_user_model().objects.filter(username__in=names, memberships__unit__in=units).distinct())
        if len(users) != len(set(names)) or not users:
            raise DomainError("unknown_user", _("Choose the people on duty from your units."), status=422)
        services.shift_create(
            actor=request.user,
            post=post,
            start=_local(request.POST.get("start"), "start"),
            end=_local(request.POST.get("end"), "end"),
            members=users,
        )
    except DomainError as exc:  # the post's page again, with the reason and what was typed
        sent = {"start": request.POST.get("start", ""), "end": request.POST.get("end", ""), "members": [*names, "", ""][:2]}
        return _post_page(request, post, shift={**sent, "error": exc.message}, status=exc.status if 400 <= exc.status < 500 else 422)
    messages.success(request, _("The shift was added."))
    return redirect("duty:post", code=post.code)


# --- patrols -----------------------------------------------------------------------------------------
def _plan_choices(scope: Scope) -> dict[str, Any]:
    teams = scope.filter(Unit.objects.filter(kind__in=[UnitKind.PATROL_TEAM, UnitKind.BORDER_POST], active=True))[:100]
    leaders = get_user_model().objects.filter(memberships__unit__in=teams).distinct().order_by("username")[:300]
    segs = queries.segments(scope)[:300]
    return {"teams": teams, "leaders": leaders, "segments": segs}


@login_required
def patrols(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    rows = queries.patrols(scope)[:100]
    return render(request, "duty/patrols.html", {"patrols": rows, **_plan_choices(scope)})


@login_required
@require_POST
@domain_errors
def patrol_plan(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    team = scope.get(Unit.objects.select_related("jurisdiction"), code=request.POST.get("team") or "")
    leader = get_user_model().objects.filter(username=request.POST.get("leader") or "", memberships__unit=team).first()
    if leader is None:
        raise DomainError("leader_not_in_team", _("The leader must be a member of the team."), status=422)
    codes = request.POST.getlist("segments")
    segs = list(queries.segments(scope).filter(code__in=codes))
    p = services.patrol_plan(
        actor=request.user,
        team=team,
        leader=leader,
        segments=segs,
        window_start=_local(request.POST.get("window_start"), "window_start"),
        window_end=_local(request.POST.get("window_end"), "window_end"),
        note=request.POST.get("note", ""),
    )
    messages.success(request, _("The patrol is planned."))
    return redirect("duty:patrol", public_id=p.public_id)


def _patrol(request: HttpRequest, public_id: Any) -> Patrol:
    return Scope.of(request.user).get(Patrol.objects.select_related("team__jurisdiction", "leader", "jurisdiction"), public_id=public_id)


@login_required
def patrol_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    p = _patrol(request, public_id)
    coverage = p.coverage.select_related("segment").order_by("segment__code")
    ctx = {
        "p": p,
        "coverage": coverage,
        "segments": p.segments.all(),
        "points": p.points.count(),
        "log": p.log.select_related("author")[:30],
        "categories": LogCategory.choices,
        "checkin_url": f"/api/duty/patrols/{p.public_id}/checkins",
        "reach_m": int(geo.REACH_M),
    }
    if not request.htmx:
        from .trackmap import patrol_map

        ctx["track_map"] = patrol_map(p)
    template = "duty/patrol.html#coverage" if request.htmx else "duty/patrol.html"
    return render(request, template, ctx)


@login_required
@require_POST
@domain_errors
def patrol_action(request: HttpRequest, public_id: Any, action: str) -> HttpResponse:
    p = _patrol(request, public_id)
    here = reverse("duty:patrol", kwargs={"public_id": p.public_id})
    if action == "end" and p.status == PatrolStatus.STARTED and request.POST.get("confirm") != "yes":
        return _confirm_end(request, p, here)
    try:
        _patrol_act(request, p, action)
    except DomainError as exc:  # refused: back to the patrol it came from, with the reason
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    return _back(request, here)


def _confirm_end(request: HttpRequest, p: Patrol, here: str) -> HttpResponse:
    """Asks once more before a patrol ends: an ended patrol cannot be started again."""
    nxt = request.POST.get("next") or ""
    ctx = {
        "p": p,
        "question": _("End the patrol of %(team)s started at %(when)s? An ended patrol cannot be started again.")
        % {"team": p.team.name, "when": timezone.localtime(p.started_at).strftime("%Y-%m-%d %H:%M") if p.started_at else "—"},
        "next": nxt if nxt.startswith("/") and not nxt.startswith("//") else "",
        "back": nxt if nxt.startswith("/") and not nxt.startswith("//") else here,
    }
    return render(request, "duty/patrol_end.html", ctx)


def _patrol_act(request: HttpRequest, p: Any, action: str) -> None:
    if action == "start":
        services.patrol_start(actor=request.user, patrol=p)
        messages.success(request, _("The patrol has started."))
    elif action == "end":
        services.patrol_end(actor=request.user, patrol=p)
        messages.success(request, _("The patrol has ended."))
    elif action == "cancel":
        services.patrol_cancel(actor=request.user, patrol=p)
    elif action == "gpx":
        f = request.FILES.get("file")
        if f is None:
            raise DomainError("no_file", _("Choose a GPX file."), status=422)
        added = services.patrol_upload_gpx(actor=request.user, patrol=p, data=f.read(services.GPX_MAX_BYTES + 1))
        messages.success(request, _("%(n)d track points added.") % {"n": added})


@login_required
def patrol_gpx_download(request: HttpRequest, public_id: Any) -> HttpResponse:
    p = _patrol(request, public_id)
    resp = HttpResponse(patrol_gpx(p), content_type="application/gpx+xml")
    resp["Content-Disposition"] = f'attachment; filename="patrol-{p.public_id}.gpx"'
    return resp


@login_required
@require_POST
@domain_errors
def log_write(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    post = patrol = None
    if request.POST.get("patrol"):
        patrol = _patrol(request, request.POST["patrol"])
    elif request.POST.get("post"):
        post = scope.get(DutyPost.objects.select_related("unit__jurisdiction"), code=request.POST["post"])
    services.log_add(
        actor=request.user,
        text=request.POST.get("text", ""),
        category=request.POST.get("category") or LogCategory.OBSERVATION,
        post=post,
        patrol=patrol,
        lat=request.POST.get("lat") or None,
        lon=request.POST.get("lon") or None,
    )
    messages.success(request, _("Written in the duty log."))
    return _back(request, reverse("duty:me"))


@login_required
def segments(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    return render(request, "duty/segments.html", {"rows": queries.segment_effort(scope)})


# --- incidents and tasks -------------------------------------------------------------------------------
@login_required
def board(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    units = scope.filter(Unit.objects.filter(kind__in=[UnitKind.PATROL_TEAM, UnitKind.BORDER_POST], active=True))[:100]
    return render(
        request,
        "duty/board.html",
        {
            "incidents": queries.open_incidents(scope)[:100],
            "tasks": queries.open_tasks(scope)[:100],
            "units": units,
            "kinds": IncidentKind.choices,
            "passages": scope.filter(Passage.objects.all())[:200],
            "segments": queries.segments(scope)[:300],
            "now": clock.now(),
            "person_rows": range(3),
        },
    )


@login_required
@require_POST
@domain_errors
def incident_create(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    unit = scope.get(Unit.objects.select_related("jurisdiction"), code=request.POST.get("unit") or "")
    kind = request.POST.get("kind") or ""
    where = {
        "description": request.POST.get("description", ""),
        "place": request.POST.get("place", ""),
        "passage": scope.get(Passage.objects.all(), code=request.POST["passage"]) if request.POST.get("passage") else None,
        "segment": scope.get(BorderSegment.objects.all(), code=request.POST["segment"]) if request.POST.get("segment") else None,
        "lat": request.POST.get("lat") or None,
        "lon": request.POST.get("lon") or None,
    }
    if kind == IncidentKind.INTERCEPTION:
        names = request.POST.getlist("person_name")
        nats = request.POST.getlist("person_nationality")
        sexes = request.POST.getlist("person_sex")
        persons = [
            {"name_native": n, "nationality": nats[i] if i < len(nats) else "", "sex": sexes[i] if i < len(sexes) else "X"}
            for i, n in enumerate(names)
            if n.strip()
        ]
        inc = services.incident_intercept(actor=request.user, unit=unit, persons=persons, **where)
    else:
        inc = services.incident_report(actor=request.user, unit=unit, kind=kind, **where)
    messages.success(request, _("Incident %(code)s recorded.") % {"code": inc.code})
    return redirect("duty:incident", code=inc.code)


@login_required
def incident_detail(request: HttpRequest, code: str) -> HttpResponse:
    inc = Scope.of(request.user).get(Incident.objects.select_related("unit", "segment", "passage", "found_by"), code=code)
    return render(
        request,
        "duty/incident.html",
        {
            "inc": inc,
            "transitions": inc.transitions.select_related("actor"),
            "persons": inc.persons.select_related("person", "journey"),
            "next": IncidentStatus(inc.next_status) if inc.next_status else None,
        },
    )


@login_required
@require_POST
@domain_errors
def incident_advance(request: HttpRequest, code: str) -> HttpResponse:
    inc = Scope.of(request.user).get(Incident.objects.select_related("unit__jurisdiction"), code=code)
    services.incident_advance(
        actor=request.user, incident=inc, to_status=request.POST.get("to_status") or "", note=request.POST.get("note", "")
    )
    return redirect("duty:incident", code=inc.code)


@login_required
@require_POST
@domain_errors
def task_create(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    unit = scope.get(Unit.objects.select_related("jurisdiction"), code=request.POST.get("unit") or "")
    assignee = None
    if request.POST.get("assignee"):
        assignee = get_user_model().objects.filter(username=request.POST["assignee"], memberships__unit=unit).first()
        if assignee is None:
            raise DomainError("assignee_not_in_unit", _("The person must be a member of the unit."), status=422)
    services.task_create(
        actor=request.user,
        unit=unit,
        title=request.POST.get("title", ""),
        description=request.POST.get("description", ""),
        due_at=_local(request.POST.get("due_at"), "due_at"),
        assignee=assignee,
    )
    messages.success(request, _("The task was given."))
    return _back(request, reverse("duty:board"))


@login_required
@require_POST
@domain_errors
def task_status(request: HttpRequest, public_id: Any) -> HttpResponse:
    scope = Scope.of(request.user)
    task = (
        DutyTask.objects.filter(public_id=public_id).filter(pk__in=scope.filter(DutyTask.objects.all()).values("pk")).first()
        or DutyTask.objects.filter(public_id=public_id, assignee=request.user).first()
    )
    if task is None:
        from django.http import Http404

        raise Http404
    services.task_set_status(actor=request.user, task=task, status=request.POST.get("status") or "")
    return _back(request, reverse("duty:board"))
