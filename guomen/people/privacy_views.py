"""Pages of a person's data rights: the export of everything held (JSON) and a correction."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from guomen.lib.errors import DomainError
from guomen.org.scoping import Scope

from . import privacy, queries


@login_required
@require_POST
def person_export(request: HttpRequest, public_id) -> HttpResponse:
    person = queries.person_get(Scope.of(request.user), public_id)
    try:
        data = privacy.person_export(actor=request.user, person=person, reason=request.POST.get("reason", ""), request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("people_person_detail", public_id=person.public_id)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="person-{person.public_id}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def person_correct(request: HttpRequest, public_id) -> HttpResponse:
    person = queries.person_get(Scope.of(request.user), public_id)
    field = request.POST.get("field", "")
    try:
        privacy.person_correct(
            actor=request.user,
            person=person,
            changes={field: request.POST.get("value", "")},
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, privacy.CORRECTED_MESSAGE())
    return redirect("people_person_detail", public_id=person.public_id)


@login_required
def break_glass(request: HttpRequest) -> HttpResponse:
    """Break the glass: open a person outside one's reach by their exact document number, with a reason."""
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import render

    from . import audit

    scope = Scope.of(request.user)
    if not scope.may_see_identity() or scope.read_only:
        raise PermissionDenied
    ctx: dict = {"found": None}
    status = 200
    if request.method == "POST":
        try:
            found = audit.break_glass(
                actor=request.user, number=request.POST.get("number", ""), reason=request.POST.get("reason", ""), request=request
            )
        except DomainError as exc:
            ctx["error"], status = exc.message, 422
        else:
            ctx["found"] = [
                {
                    "person": p,
                    "documents": list(p.documents.order_by("created_at")),
                    "journeys": list(p.journeys.select_related("custodian").order_by("-opened_at")[:20]),
                }
                for p in found
            ]
    return render(request, "people/break_glass.html", ctx, status=status)
