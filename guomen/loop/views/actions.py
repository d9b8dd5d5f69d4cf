"""The journey page's actions: each form and the service it calls."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guomen.lib.errors import DomainError
from guomen.org.models import UnitKind
from guomen.org.scoping import Scope
from guomen.people.models import IdentityDocument

from .. import forms as f
from .. import services as s
from ..handover import handover_redirect, handover_withdraw
from ..models import Disposition, Journey, State
from ..projection import flags
from .journey import _accepted_message, _finding_label, _journey_context, _offer_units, _room_or_none
from .plumbing import _journey, _next, _status, _unit_by_code, _units_near, loop_page


def _do(scope: Scope, request: HttpRequest, j: Journey, action: str) -> tuple[str, Any]:
    """Run one step on the journey. Returns the success message and the form (for errors)."""
    user = request.user
    post = request.POST
    if action == "arrive":
        s.journey_arrive(actor=user, unit=j.custodian, journey=j)
        return _("Arrival recorded."), None
    if action == "document":
        docs = list(IdentityDocument.objects.filter(person=j.person))
        form = f.DocumentCheckForm(post, documents=docs)
        if not form.is_valid():
            return "", form
        doc = next(d for d in docs if str(d.public_id) == form.cleaned_data["document"])
        event = s.document_check(actor=user, journey=j, document=doc)
        found = [_finding_label(x) for x in event.data.get("findings") or []]
        if found:
            return _("Document checked: %(list)s.") % {"list": ", ".join(found)}, "warning"
        return _("Document checked: nothing found."), None
    if action == "screen":
        form = f.ScreenForm(post)
        if not form.is_valid():
            return "", form
        s.journey_screen(actor=user, journey=j, temperature=form.cleaned_data["temperature"], symptoms=form.cleaned_data["symptoms"])
        return _("Screening recorded."), None
    if action == "sample":
        form = f.SampleForm(post)
        if not form.is_valid():
            return "", form
        s.journey_sample(actor=user, journey=j, sample_id=form.cleaned_data["sample_id"])
        return _("Sample recorded."), None
    if action == "result":
        form = f.ResultForm(post)
        if not form.is_valid():
            return "", form
        s.journey_test_result(actor=user, journey=j, sample_id=form.cleaned_data["sample_id"], result=form.cleaned_data["result"])
        return _("Test result recorded."), None
    if action == "check":
        form = f.CheckForm(post)
        if not form.is_valid():
            return "", form
        d = form.cleaned_data
        with transaction.atomic():
            if d.get("result"):
                s.journey_test_result(actor=user, journey=j, sample_id=d.get("sample_id", ""), result=d["result"])
                j.refresh_from_db()
            if j.state in (State.IN_FACILITY, State.HOME_MONITORING):
                s.health_check(actor=user, journey=j, temperature=d["temperature"], symptoms=d["symptoms"])
            elif not d.get("result"):
                s._require_state(j, State.IN_FACILITY, State.HOME_MONITORING)
        return _("Health check recorded."), None
    if action == "dispose":
        destinations = _units_near(j.custodian, (UnitKind.QUARANTINE_FACILITY, UnitKind.HOSPITAL, UnitKind.VILLAGE_COMMITTEE))
        teams = _units_near(j.custodian, (UnitKind.TRANSFER_TEAM,))
        form = f.DisposeForm(post, destinations=destinations, teams=teams)
        if not form.is_valid():
            return "", form
        d = form.cleaned_data
        try:
            to_unit = _unit_by_code(d.get("to_unit", ""), destinations)
            via_unit = _unit_by_code(d.get("via_unit", ""), teams)
            if d["disposition"] != Disposition.RELEASE and to_unit is None:
                raise DomainError(
                    "invalid_destination", _("Choose a destination of the right kind for this disposition."), details={"field": "to_unit"}
                )
            s.journey_dispose(
                actor=user,
                journey=j,
                disposition=d["disposition"],
                to_unit=to_unit if d["disposition"] != Disposition.RELEASE else None,
                via_unit=via_unit if d["disposition"] != Disposition.RELEASE else None,
                note=d.get("note", ""),
                override_reason=d.get("override_reason", ""),
            )
        except DomainError as e:
            f.add_domain_error(form, e)
            return "", form
        return _("Decision recorded; the handover is offered."), None
    if action == "offer":
        units = _offer_units(j)
        form = f.OfferForm(post, units=units)
        if not form.is_valid():
            return "", form
        try:
            s.handover_offer(
                actor=user,
                journey=j,
                to_unit=_unit_by_code(form.cleaned_data["to_unit"], units),
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except DomainError as e:
            f.add_domain_error(form, e)
            return "", form
        return _("Handover offered."), None
    if action == "withdraw":
        form = f.WithdrawForm(post)
        if not form.is_valid():
            return "", form
        handover_withdraw(actor=user, journey=j, reason=form.cleaned_data["reason"])
        return _("Handover withdrawn; decide again."), None
    if action == "redirect":
        units = _offer_units(j)
        form = f.RedirectForm(post, units=units)
        if not form.is_valid():
            return "", form
        try:
            handover_redirect(
                actor=user,
                journey=j,
                to_unit=_unit_by_code(form.cleaned_data["to_unit"], units),
                reason=form.cleaned_data["reason"],
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except DomainError as e:
            f.add_domain_error(form, e)
            return "", form
        return _("Handover redirected."), None
    if action == "accept":
        form = f.AcceptForm(post)
        if not form.is_valid():
            return "", form
        if j.pending_unit is None:
            s._require_state(j, State.HANDOVER_OFFERED)
        try:
            s.handover_accept(
                actor=user,
                journey=j,
                unit=j.pending_unit,
                room=_room_or_none(form),
                card_code=form.cleaned_data.get("card_code", ""),
                without_card_reason=form.cleaned_data.get("without_card_reason", ""),
            )
        except DomainError as e:
            f.add_domain_error(form, e)
            return "", form
        return _accepted_message(j), "warning" if flags(j.facts) else None
    if action == "refuse":
        form = f.RefuseForm(post)
        if not form.is_valid():
            return "", form
        if j.pending_unit is None:
            s._require_state(j, State.HANDOVER_OFFERED)
        s.handover_refuse(actor=user, journey=j, unit=j.pending_unit, reason=form.cleaned_data["reason"])
        return _("Handover refused; the sender decides again."), None
    if action == "report":
        form = f.ReportForm(post)
        if not form.is_valid():
            return "", form
        s.hospital_report(actor=user, journey=j, condition=form.cleaned_data["condition"], note=form.cleaned_data.get("note", ""))
        return _("Status report recorded."), None
    if action == "release":
        form = f.OverrideForm(post)
        if not form.is_valid():
            return "", form
        s.journey_release(actor=user, journey=j, override_reason=form.cleaned_data.get("override_reason", ""))
        return _("Released from quarantine. Hand the person over to their village."), None
    if action == "close":
        form = f.OverrideForm(post)
        if not form.is_valid():
            return "", form
        s.journey_close(actor=user, journey=j, override_reason=form.cleaned_data.get("override_reason", ""))
        return _("The journey is closed."), None
    raise Http404


ACTIONS = {
    "arrive",
    "document",
    "screen",
    "sample",
    "result",
    "check",
    "dispose",
    "offer",
    "accept",
    "refuse",
    "withdraw",
    "redirect",
    "report",
    "release",
    "close",
}
FORM_SLOT = {"release": "override", "close": "override"}


@loop_page
@require_POST
def journey_act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    scope = Scope.of(request.user)
    j = _journey(scope, code)
    scope.require_write()
    try:
        message, form = _do(scope, request, j, action)
    except DomainError as e:
        message, form = "", e
    if isinstance(form, DomainError) or hasattr(form, "errors"):
        j = _journey(scope, code)
        bound: dict[str, Any] = {}
        error = ""
        if isinstance(form, DomainError):
            error = form.message
        else:
            bound[FORM_SLOT.get(action, action)] = form
        ctx = _journey_context(request, scope, j, bound)
        ctx.update({"error": error, "failed": action, "next": _next(request, "")})
        return render(request, "loop/journey.html", ctx, status=_status(request))
    if form == "warning":
        messages.warning(request, message)
    else:
        messages.success(request, message)
    return redirect(_next(request, reverse("loop:journey", args=[j.code])))
