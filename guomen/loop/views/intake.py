"""The pages that start a journey from a village: a returnee found locally, a confirmed
self-declaration. They live at ``/places/...`` (declared in ``guomen/urls.py``) beside the village
pages, and call ``loop.services.intake``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guomen.lib.errors import DomainError
from guomen.org.scoping import Scope
from guomen.places.models import SelfDeclaration
from guomen.places.queries import my_villages

from .. import services
from ..forms import ReturneeDocumentForm


@login_required
def returnee_new(request: HttpRequest) -> HttpResponse:
    villages = my_villages(request.user)
    form = ReturneeDocumentForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        try:
            journey = services.returnee_report(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            name = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
            name = {"number": "document_number", "kind": "document_kind", "documents": "document_number"}.get(name, name)
            form.add_error(name if name in form.fields else None, exc.message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Returnee reported: loop code %(code)s.") % {"code": journey.code})
            return redirect("village_detail", code=form.cleaned_data["village"].code)
    return render(request, "places/returnee_form.html", {"form": form, "no_village": not villages.exists()})


@login_required
@require_POST
def declaration_confirm(request: HttpRequest, public_id: str) -> HttpResponse:
    d = Scope.of(request.user).get(SelfDeclaration.objects.select_related("village"), public_id=public_id)
    try:
        journey = services.self_declaration_confirm(actor=request.user, declaration=d)
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
    else:
        messages.success(request, _("Confirmed: loop code %(code)s.") % {"code": journey.code})
        return redirect("loop:journey", code=journey.code)  # next: screen the person and decide
    return redirect("declaration_list")
