"""The journey page's actions: a table of (form, service) per step.

Each ``PageAction`` builds its form (bound to the post, or empty for the page) and runs its one
service with what the form cleaned. The steps a user may take come from ``loop.steps``; a step
the service refuses shows the service's message on the form that failed and keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guomen.lib.errors import DomainError
from guomen.org.models import UnitKind
from guomen.org.scoping import Scope
from guomen.people.models import IdentityDocument

from .. import forms as f
from .. import services as s
from .. import steps
from ..handover import handover_redirect, handover_withdraw
from ..models import Disposition, Journey
from ..projection import flags
from .journey import _accepted_message, _finding_label, _journey_context, _offer_default, _offer_units, _room_or_none
from .journey import _offer_form as _offer_form_of
from .plumbing import _journey, _next, _status, _unit_by_code, likely_units, loop_page

Result = tuple[str, str | None]  # the message, and "warning" when it should read as one
DESTINATION_KINDS = (UnitKind.QUARANTINE_FACILITY, UnitKind.HOSPITAL, UnitKind.VILLAGE_COMMITTEE)


@dataclass(frozen=True)
class PageAction:
    form: Callable[[Journey, Any], forms.Form]  # (journey, posted data or None) -> the form
    run: Callable[[Any, Journey, forms.Form], Result]  # (user, journey, valid form) -> the answer
    slot: str = ""  # where the form sits on the page, when not under the action's own name


def _documents(j: Journey) -> list[IdentityDocument]:
    return list(IdentityDocument.objects.filter(person=j.person).order_by("created_at"))


def _plain(form_class: type[forms.Form]) -> Callable[[Journey, Any], forms.Form]:
    return lambda j, data: form_class(data)


# --- the services, one per step -------------------------------------------------------------------
def _arrive(user: Any, j: Journey, form: forms.Form) -> Result:
    s.journey_arrive(actor=user, unit=j.custodian, journey=j)
    return _("Arrival recorded."), None


def _document_form(j: Journey, data: Any) -> forms.Form:
    return f.DocumentCheckForm(data, documents=_documents(j))


def _document(user: Any, j: Journey, form: forms.Form) -> Result:
    doc = IdentityDocument.objects.get(person=j.person, public_id=form.cleaned_data["document"])
    event = s.document_check(actor=user, journey=j, document=doc)
    found = [_finding_label(x) for x in event.data.get("findings") or []]
    if found:
        return _("Document checked: %(list)s.") % {"list": ", ".join(found)}, "warning"
    return _("Document checked: nothing found."), None


def _screen(user: Any, j: Journey, form: forms.Form) -> Result:
    d = form.cleaned_data
    s.journey_screen(actor=user, journey=j, temperature=d["temperature"], symptoms=d["symptoms"])
    return _("Screening recorded."), None


def _sample(user: Any, j: Journey, form: forms.Form) -> Result:
    s.journey_sample(actor=user, journey=j, sample_id=form.cleaned_data["sample_id"])
    return _("Sample recorded."), None


def _result(user: Any, j: Journey, form: forms.Form) -> Result:
    d = form.cleaned_data
    s.journey_test_result(actor=user, journey=j, sample_id=d["sample_id"], result=d["result"])
    return _("Test result recorded."), None


def _check(user: Any, j: Journey, form: forms.Form) -> Result:
    d = form.cleaned_data
    s.checkup_record(
        actor=user,
        journey=j,
        temperature=d["temperature"],
        symptoms=d["symptoms"],
        sample_id=d.get("sample_id", ""),
        result=d.get("result", ""),
    )
    return _("Health check recorded."), None


def _dispose_form(j: Journey, data: Any) -> forms.Form:
    destinations = likely_units(j.custodian, DESTINATION_KINDS)
    teams = likely_units(j.custodian, (UnitKind.TRANSFER_TEAM,))
    return f.DisposeForm(data, destinations=destinations, teams=teams, picker=True, sender=j.custodian, kinds=DESTINATION_KINDS)


def _dispose(user: Any, j: Journey, form: forms.Form) -> Result:
    d = form.cleaned_data
    release = d["disposition"] == Disposition.RELEASE
    to_unit = _unit_by_code(d.get("to_unit", ""), likely_units(j.custodian, DESTINATION_KINDS))
    via_unit = _unit_by_code(d.get("via_unit", ""), likely_units(j.custodian, (UnitKind.TRANSFER_TEAM,)))
    if not release and to_unit is None:
        raise DomainError(
            "invalid_destination", _("Choose a destination of the right kind for this disposition."), details={"field": "to_unit"}
        )
    s.journey_dispose(
        actor=user,
        journey=j,
        disposition=d["disposition"],
        to_unit=None if release else to_unit,
        via_unit=None if release else via_unit,
        note=d.get("note", ""),
        override_reason=d.get("override_reason", ""),
    )
    if release:
        return _("Released at the gate: the journey is closed."), None
    return _("Decision recorded; the handover is offered."), None


def _home_here(user: Any, j: Journey, form: forms.Form) -> Result:
    s.journey_dispose(actor=user, journey=j, disposition=Disposition.HOME, to_unit=j.custodian, note=form.cleaned_data.get("note", ""))
    return _("Home monitoring here begins: record a health check every day."), None


def _offer_form(j: Journey, data: Any) -> forms.Form:
    return _offer_form_of(j, data, initial={"to_unit": _offer_default(j)})


def _offer(user: Any, j: Journey, form: forms.Form) -> Result:
    d = form.cleaned_data
    s.handover_offer(
        actor=user, journey=j, to_unit=_unit_by_code(d["to_unit"], _offer_units(j)), override_reason=d.get("override_reason", "")
    )
    return _("Handover offered."), None


def _withdraw(user: Any, j: Journey, form: forms.Form) -> Result:
    handover_withdraw(actor=user, journey=j, reason=form.cleaned_data["reason"])
    return _("Handover withdrawn; decide again."), None


def _redirect_form(j: Journey, data: Any) -> forms.Form:
    return _offer_form_of(j, data, form=f.RedirectForm)


def _redirect(user: Any, j: Journey, form: forms.Form) -> Result:
    d = form.cleaned_data
    handover_redirect(
        actor=user,
        journey=j,
        to_unit=_unit_by_code(d["to_unit"], _offer_units(j)),
        reason=d["reason"],
        override_reason=d.get("override_reason", ""),
    )
    return _("Handover redirected."), None


def _accept(user: Any, j: Journey, form: forms.Form) -> Result:
    d = form.cleaned_data
    s.handover_accept(
        actor=user,
        journey=j,
        room=_room_or_none(form),
        card_code=d.get("card_code", ""),
        without_card_reason=d.get("without_card_reason", ""),
    )
    return _accepted_message(j), "warning" if flags(j.facts) else None


def _refuse(user: Any, j: Journey, form: forms.Form) -> Result:
    s.handover_refuse(actor=user, journey=j, reason=form.cleaned_data["reason"])
    return _("Handover refused; the sender decides again."), None


def _report(user: Any, j: Journey, form: forms.Form) -> Result:
    d = form.cleaned_data
    s.hospital_report(actor=user, journey=j, condition=d["condition"], note=d.get("note", ""))
    return _("Status report recorded."), None


def _release(user: Any, j: Journey, form: forms.Form) -> Result:
    s.journey_release(actor=user, journey=j, override_reason=form.cleaned_data.get("override_reason", ""))
    return _("Released from quarantine. Hand the person over to their village."), None


def _close(user: Any, j: Journey, form: forms.Form) -> Result:
    s.journey_close(actor=user, journey=j, override_reason=form.cleaned_data.get("override_reason", ""))
    return _("The journey is closed."), None


def _undo(user: Any, j: Journey, form: forms.Form) -> Result:
    s.step_undo(actor=user, journey=j, seq=form.cleaned_data["seq"])
    return _("Undone: the journey is back where it was."), None


ACTIONS: dict[str, PageAction] = {
    "arrive": PageAction(_plain(f.ConfirmForm), _arrive),
    "document": PageAction(_document_form, _document),
    "screen": PageAction(_plain(f.ScreenForm), _screen),
    "sample": PageAction(_plain(f.SampleForm), _sample),
    "result": PageAction(_plain(f.ResultForm), _result),
    "check": PageAction(_plain(f.CheckForm), _check),
    "dispose": PageAction(_dispose_form, _dispose),
    "home_here": PageAction(_plain(f.HomeHereForm), _home_here),
    "offer": PageAction(_offer_form, _offer),
    "accept": PageAction(_plain(f.AcceptForm), _accept),
    "refuse": PageAction(_plain(f.RefuseForm), _refuse),
    "withdraw": PageAction(_plain(f.WithdrawForm), _withdraw),
    "redirect": PageAction(_redirect_form, _redirect),
    "report": PageAction(_plain(f.ReportForm), _report),
    "release": PageAction(_plain(f.OverrideForm), _release),
    "close": PageAction(_plain(f.OverrideForm), _close),
    "undo": PageAction(_plain(f.UndoForm), _undo),
}
# The command's overrides post to ``release`` and ``close`` with a reason; their forms sit here.
OVERRIDES = {"override_release": "release", "override_close": "close"}


def slot_of(action: str, data: Any) -> str:
    """Where a posted form sits on the page: an override's reason puts it on the override's form."""
    if action in OVERRIDES.values() and data.get("override_reason"):
        return next(k for k, v in OVERRIDES.items() if v == action)
    return action


def run_action(user: Any, j: Journey, action: str, data: Any) -> tuple[Result | None, forms.Form]:
    """Bind the action's form and run its service. Returns (answer, form): answer None when the
    form or the service refused (the form then carries the reason)."""
    entry = ACTIONS[action]
    form = entry.form(j, data)
    if not form.is_valid():
        return None, form
    try:
        return entry.run(user, j, form), form
    except DomainError as e:
        f.add_domain_error(form, e)
        return None, form


# Irreversible steps are asked for once more (and can be undone for a few minutes after).
CONFIRM_ACTIONS = {OVERRIDES.get(name, name) for name in steps.CONFIRM}
CONFIRM_TEXT = {
    "arrive": gettext_lazy("Record that %(name)s (%(code)s) has arrived at the port?"),
    "release": gettext_lazy("Release %(name)s (%(code)s) from quarantine?"),
    "close": gettext_lazy("Close the journey of %(name)s (%(code)s)? Follow-up ends."),
}


def _confirm_page(request: HttpRequest, j: Journey, action: str) -> HttpResponse:
    """Asks before an irreversible step, carrying what was posted; "yes" posts it again, confirmed."""
    carried = [(k, v) for k, vs in request.POST.lists() if k not in ("csrfmiddlewaretoken", "confirm") for v in vs]
    question = CONFIRM_TEXT[action] % {"name": j.person.name_native, "code": j.code}
    back = _next(request, reverse("loop:journey", args=[j.code]))
    ctx = {
        "j": j,
        "action": action,
        "carried": carried,
        "question": question,
        "back": back,
        "undo_minutes": int(s.UNDO_WINDOW.total_seconds() // 60),
    }
    return render(request, "loop/confirm.html", ctx)


@loop_page
@require_POST
def journey_act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    scope = Scope.of(request.user)
    j = _journey(scope, code)
    scope.require_write()
    if action in CONFIRM_ACTIONS and request.POST.get("confirm") != "yes":
        return _confirm_page(request, j, action)
    answer, form = run_action(request.user, j, action, request.POST)
    if answer is None:
        j = _journey(scope, code)
        slot = slot_of(action, request.POST)
        ctx = _journey_context(request, scope, j, {slot: form}, failed=slot)
        ctx["next"] = _next(request, "")
        return render(request, "loop/journey.html", ctx, status=_status(request))
    message, level = answer
    (messages.warning if level == "warning" else messages.success)(request, message)
    return redirect(_next(request, reverse("loop:journey", args=[j.code])))
