from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from guomen.core import ratelimit
from guomen.core.links import opens_for
from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.models import Unit, UnitKind
from guomen.org.scoping import Scope

from . import access, queries, services
from .declare import retention_days, village_lookup
from .forms import RejectForm, SegmentRecordForm, SelfDeclarationForm
from .models import BorderSegment, Jurisdiction, Level, Passage, PassageStatus, SelfDeclaration


@login_required
def jurisdiction_list(request: HttpRequest) -> HttpResponse:
    """The top of the user's reach: the jurisdictions whose parent is outside it."""
    scope = Scope.of(request.user)
    reach = scope.filter(Jurisdiction.objects.all())
    tops = reach.exclude(parent__in=reach).annotate(n_children=Count("children"))
    return render(request, "places/jurisdiction_list.html", {"tops": tops})


@login_required
@opens_for(access.reaches_jurisdiction)
def jurisdiction_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    j = scope.get(Jurisdiction.objects.select_related("parent"), code=code)
    if j.level == Level.VILLAGE:
        return redirect("village_detail", code=j.code)
    children = scope.filter(j.children.all()).annotate(
        n_units=Count("units", distinct=True),
    )
    units = scope.filter(Unit.objects.filter(jurisdiction=j).select_related("passage"))
    sub_units = [
        (UnitKind(r["kind"]).label, r["n"])
        for r in scope.filter(Unit.objects.filter(jurisdiction__path__startswith=j.path))
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    ]
    passages = scope.filter(Passage.objects.filter(Q(county__path__startswith=j.path)).select_related("county"))
    segments = scope.filter(BorderSegment.objects.filter(county__path__startswith=j.path).select_related("responsible_person"))
    ancestors = [a for a in j.ancestors() if scope.filter(Jurisdiction.objects.filter(pk=a.pk)).exists()]
    return render(
        request,
        "places/jurisdiction_detail.html",
        {
            "j": j,
            "children": children,
            "units": units,
            "sub_units": sub_units,
            "passages": passages,
            "segments": segments,
            "ancestors": ancestors,
        },
    )


# --- the map ------------------------------------------------------------------------------------
@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    day = request.GET.get("date") or clock.today().isoformat()
    return render(request, "places/map.html", {"day": day, "extra_layers": queries.map_layers(request.user)})


# --- border segments ----------------------------------------------------------------------------
@login_required
def segment_list(request: HttpRequest) -> HttpResponse:
    without = request.GET.get("without_person") == "1"
    qs = queries.segments_without_person(request.user) if without else queries.segments(request.user)
    return render(request, "places/segment_list.html", {"segments": qs, "without": without})


@login_required
@opens_for(access.reaches_segment)
def segment_detail(request: HttpRequest, code: str) -> HttpResponse:
    segment = Scope.of(request.user).get(queries.segments(request.user), code=code)
    form = SegmentRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.segment_record_add(actor=request.user, segment=segment, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Record added."))
            return redirect("segment_detail", code=segment.code)
    records = segment.records.select_related("author")[:50]
    passages = Scope.of(request.user).filter(segment.passages.all())
    return render(request, "places/segment_detail.html", {"segment": segment, "records": records, "form": form, "passages": passages})


@login_required
@opens_for(access.reaches_passage)
def passage_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    passage = scope.get(Passage.objects.select_related("county", "segment"), code=code)
    history = PassageStatus.objects.filter(passage=passage).select_related("decided_by")
    now = clock.now()
    return render(
        request,
        "places/passage_detail.html",
        {
            "passage": passage,
            "history": history,
            "status": services.status_period(passage, now),
            "may_change": services.may_command(request.user, passage.county),
        },
    )


# --- villages and grids -------------------------------------------------------------------------
@login_required
def grids_without_worker(request: HttpRequest) -> HttpResponse:
    return render(request, "places/grids_without_worker.html", {"grids": queries.grids_without_worker(request.user)})


@login_required
@opens_for(access.reaches_village)
def village_detail(request: HttpRequest, code: str) -> HttpResponse:
    ctx = queries.village_page(request.user, code)
    ctx["status_now"] = services.village_status_on(ctx["village"], clock.now())
    ctx["may_change"] = services.may_command(request.user, ctx["village"])
    return render(request, "places/village_detail.html", ctx)


@login_required
def declaration_list(request: HttpRequest) -> HttpResponse:
    return render(request, "places/declaration_list.html", {"declarations": queries.pending_declarations(request.user)})


@login_required
@require_POST
def declaration_reject(request: HttpRequest, public_id: str) -> HttpResponse:
    d = Scope.of(request.user).get(SelfDeclaration.objects.select_related("village"), public_id=public_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the declaration is rejected."))
        return redirect("declaration_list")
    try:
        services.self_declaration_reject(actor=request.user, declaration=d, note=form.cleaned_data["note"])
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
    else:
        messages.success(request, _("Declaration rejected."))
    return redirect("declaration_list")


# --- public: a resident declares their own return -----------------------------------------------
DECLARE_LIMIT_PER_HOUR = getattr(settings, "GUOMEN_DECLARE_PER_HOUR", 5)
# Attempts refused for a typo do not count against the limit above; they have their own, far higher.
DECLARE_ATTEMPTS_PER_HOUR = getattr(settings, "GUOMEN_DECLARE_ATTEMPTS_PER_HOUR", 60)


def _over_limit(request: HttpRequest, *, stored: bool) -> bool:
    """Count per client address per clock hour in the shared cache: every attempt (``stored=False``)
    against the high cap, and only a declaration about to be stored against the low one."""
    if stored:
        return ratelimit.hit_by_address("places:declare", request, limit=DECLARE_LIMIT_PER_HOUR, window_seconds=3600)
    return ratelimit.hit_by_address("places:declare-attempt", request, limit=DECLARE_ATTEMPTS_PER_HOUR, window_seconds=3600)


@csrf_protect
def declare(request: HttpRequest) -> HttpResponse:
    """Public page, no sign-in: a resident declares their own return to their village."""
    form = SelfDeclarationForm(request.POST or None)
    page = {"form": form, "places_url": reverse("declare_places"), "retention_days": retention_days()}
    if request.method == "POST":
        if _over_limit(request, stored=False):
            return render(request, "places/declare.html", {**page, "limited": True}, status=429)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                village = village_lookup(county=data.pop("county"), township=data.pop("township"), village=data.pop("village"))
                if _over_limit(request, stored=True):
                    return render(request, "places/declare.html", {**page, "limited": True}, status=429)
                services.self_declaration_submit(village=village, **data)
            except DomainError as exc:
                field = (exc.details or {}).get("field")
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                return redirect("declare_thanks")
    return render(request, "places/declare.html", page)


def declare_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "places/declare_thanks.html")
