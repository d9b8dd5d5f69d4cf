"""Pages: person search, person detail (masked; show in full, audited), watch-list, MRZ reader."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guomen.lib.errors import DomainError
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope

from . import countries, queries, services
from .models import DocumentKind, WatchReason


@login_required
def person_search(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    q = (request.GET.get("q") or "").strip()[:120]
    results = list(queries.people_search(scope=scope, q=q)) if q else []
    template = "people/person_search.html#results" if request.htmx else "people/person_search.html"
    return render(request, template, {"q": q, "results": results})


def _detail_context(request: HttpRequest, public_id) -> dict:
    scope = Scope.of(request.user)
    person = queries.person_get(scope, public_id)
    documents = list(person.documents.select_related("border_county").order_by("created_at"))
    journeys = list(person.journeys.select_related("custodian").order_by("-opened_at")[:20])
    return {
        "person": person,
        "documents": documents,
        "journeys": journeys,
        "may_reveal": scope.may_see_identity(),
        "may_correct": scope.has_role(*COMMAND_ROLES) and person.anonymised_at is None,
    }


@login_required
def person_detail(request: HttpRequest, public_id) -> HttpResponse:
    return render(request, "people/person_detail.html", _detail_context(request, public_id))


@login_required
@require_POST
def document_reveal(request: HttpRequest, public_id) -> HttpResponse:
    """The number in full, once, in this answer only (never stored in the page's URL or session)."""
    scope = Scope.of(request.user)
    document = queries.document_get(scope, public_id)
    if not scope.may_see_identity():
        raise PermissionDenied(_("Your role may not see identity document numbers in full."))
    context = {"d": document, "may_reveal": True}
    try:
        context["revealed"] = services.identity_reveal(
            actor=request.user, document=document, reason=request.POST.get("reason", ""), request=request
        )
    except DomainError as exc:
        context["error"] = exc.message
    if request.htmx:
        return render(request, "people/person_detail.html#document", context)
    full = _detail_context(request, document.person.public_id)
    full["revealed_for"] = document.pk
    full.update({k: v for k, v in context.items() if k in ("revealed", "error")})
    return render(request, "people/person_detail.html", full, status=422 if "error" in context else 200)


@login_required
@require_http_methods(["GET", "POST"])
def watch_list(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    services.require_watch_role(scope)
    form = {"kind": DocumentKind.PASSPORT, "issuing_country": "MMR", "reason": WatchReason.LOST, "note": ""}
    error = ""
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("kind", "issuing_country", "number", "reason", "note")}
        try:
            entry = services.watch_add(actor=request.user, **form)
        except DomainError as exc:
            error, status = exc.message, 422
            form["number"] = ""  # never echo a number back into the page
        else:
            messages.success(request, _("Watching %(doc)s.") % {"doc": entry})
            return redirect("people_watch_list")
    show = request.GET.get("show", "active")
    entries = queries.watch_list(active=None if show == "all" else True)[:500]
    context = {
        "entries": entries,
        "form": form,
        "error": error,
        "show": show,
        "kinds": DocumentKind.choices,
        "reasons": WatchReason.choices,
        "countries": countries.choices(),
    }
    return render(request, "people/watch_list.html", context, status=status)


@login_required
@require_POST
def watch_deactivate(request: HttpRequest, public_id) -> HttpResponse:
    services.require_watch_role(Scope.of(request.user))
    entry = services.watch_deactivate(actor=request.user, entry=queries.watch_get(public_id))
    messages.success(request, _("No longer watching %(doc)s.") % {"doc": entry})
    return redirect("people_watch_list")


@login_required
@require_http_methods(["GET", "POST"])
def mrz(request: HttpRequest) -> HttpResponse:
    """Read a passport's machine-readable zone; htmx gets the fields as a form fragment."""
    context: dict = {"mrz_text": ""}
    status = 200
    if request.method == "POST":
        context["mrz_text"] = request.POST.get("mrz", "")[:300]
        try:
            context["mrz"] = services.mrz_parse(context["mrz_text"])
        except DomainError as exc:
            context["mrz_error"] = exc.message
            status = 422
    if request.htmx:
        # htmx swaps 2xx answers only: the error is shown inside the fragment.
        return render(request, "people/_mrz_form.html", context)
    return render(request, "people/mrz.html", context, status=status)
