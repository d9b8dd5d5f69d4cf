"""The loop's pages: a desk per role (port, transfer, facility, hospital, village), the journey's
timeline with the steps its holder may take, accepting by loop code, the loop card and the
release certificate.

Every read goes through ``Scope``; every write through ``loop.services``. A refused step shows the
service's message on its form and changes nothing; an action the user may not take is a 403 page;
anything outside the user's reach is a 404.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from guomen.lib.errors import DomainError
from guomen.org.models import Role, Unit, UnitKind
from guomen.org.roles import COMMAND_ROLES, CUSTODY_ROLES
from guomen.org.scoping import Scope
from guomen.people.models import IdentityDocument

from . import forms as f
from . import queries
from . import services as s
from .handover import handover_redirect, handover_withdraw
from .models import CustodyEvent, Disposition, EventKind, Journey, JourneyCount, State
from .projection import flags, monitoring_served, quarantine_served, tests_satisfied
from .rules import flag_labels

GATE_STATES = (State.AT_GATE, State.INTERCEPTED)
RECEIVING_KINDS = (UnitKind.TRANSFER_TEAM, UnitKind.QUARANTINE_FACILITY, UnitKind.HOSPITAL, UnitKind.VILLAGE_COMMITTEE)


# --- plumbing ---------------------------------------------------------------------------------
def loop_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in only; an action the user may not take renders the 403 page (not Django's bare one)."""

    @functools.wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            message = str(exc) or _("Your role may not do this.")
            return render(request, "loop/403.html", {"message": message}, status=403)

    return wrapper


def _require_role(scope: Scope, *roles: str) -> None:
    if not scope.has_role(*roles):
        raise PermissionDenied(_("This page is for another role."))


def _my_units(scope: Scope, *kinds: str) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=scope.unit_ids, kind__in=kinds, active=True).select_related("jurisdiction").order_by("code")


def _journeys(scope: Scope) -> QuerySet[Journey]:
    return scope.filter(Journey.objects.select_related("person", "custodian", "pending_unit", "port", "policy", "custodian__jurisdiction"))


def _journey(scope: Scope, code: str) -> Journey:
    return scope.get(
        Journey.objects.select_related("person", "custodian__jurisdiction", "pending_unit", "port", "policy", "destination"), code=code
    )


def _status(request: HttpRequest) -> int:
    """Refused input: 422 for a plain form post; 200 for htmx, which does not swap error responses."""
    return 200 if getattr(request, "htmx", False) else 422


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _end_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=1), time.min))


def _start_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return _("%(m)d min") % {"m": mins}


def time_left(due: datetime | None, now: datetime | None = None) -> tuple[str, str]:
    """What to show next to a due time: ("3 h 10 min left", "ok") or ("overdue by 20 min", "bad")."""
    if due is None:
        return "", ""
    now = now or timezone.now()
    if due < now:
        return _("overdue by %(t)s") % {"t": _duration(now - due)}, "bad"
    left = due - now
    return _("%(t)s left") % {"t": _duration(left)}, "warn" if left < timedelta(hours=2) else "ok"


def _decorate(journeys: Iterable[Journey], now: datetime | None = None) -> list[Journey]:
    now = now or timezone.now()
    out = []
    for j in journeys:
        j.left_text, j.left_class = time_left(j.due_at, now)
        j.flag_labels = flag_labels(flags(j.facts or {}))
        out.append(j)
    return out


AWAITING_LABELS = {
    "arrival": gettext_lazy("arrival at the port"),
    "disposition": gettext_lazy("a decision at the gate"),
    "acceptance": gettext_lazy("the receiver to accept the handover"),
    "delivery": gettext_lazy("delivery to the destination"),
    "health_check": gettext_lazy("the next health check"),
    "test": gettext_lazy("the next test"),
    "release": gettext_lazy("release from quarantine"),
    "onward_handover": gettext_lazy("the onward handover"),
    "hospital_report": gettext_lazy("the hospital's status report"),
    "closure": gettext_lazy("closure at the end of monitoring"),
}


def awaiting_label(code: str) -> str:
    return str(AWAITING_LABELS.get(code, code))


def _prefecture_path(unit: Unit) -> str:
    return "/".join(unit.jurisdiction.path.split("/")[:3]) + "/"


def _units_near(unit: Unit, kinds: Iterable[str]) -> QuerySet[Unit]:
    """Units of the given kinds in the same prefecture — the directory of who can receive a person
    (unit names are not personal data; choosing a receiver needs units outside one's own reach)."""
    return (
        Unit.objects.filter(kind__in=list(kinds), active=True, jurisdiction__path__startswith=_prefecture_path(unit))
        .exclude(pk=unit.pk)
        .select_related("jurisdiction")
        .order_by("kind", "jurisdiction__path", "code")
    )


def _unit_by_code(code: str, allowed: QuerySet[Unit]) -> Unit | None:
    if not code:
        return None
    u = allowed.filter(code=code).first()
    if u is None:
        raise DomainError("invalid_destination", _("Choose a unit from the list."), status=422, details={"field": "to_unit"})
    return u


# --- the journey: timeline and the steps its holder may take -------------------------------------
def _events(j: Journey) -> list[CustodyEvent]:
    events = list(j.events.select_related("unit", "actor").order_by("seq"))
    unit_names = {}
    ids = {e.data.get(k) for e in events for k in ("to_unit", "destination", "via_unit") if isinstance(e.data.get(k), int)}
    if ids:
        unit_names = {u.pk: u.name for u in Unit.objects.filter(pk__in=ids)}
    for e in events:
        e.summary = _event_summary(e, unit_names)
    return events


def _event_summary(e: CustodyEvent, unit_names: dict[int, str]) -> str:
    d = e.data or {}
    parts: list[str] = []
    if "temperature" in d:
        parts.append(_("%(t)s °C") % {"t": d["temperature"]})
    if d.get("symptoms"):
        labels = dict(f.SYMPTOM_CHOICES)
        parts.append(", ".join(str(labels.get(x, x)) for x in d["symptoms"]))
    if d.get("fever"):
        parts.append(_("fever or symptoms"))
    if e.kind == EventKind.DOCUMENT_CHECKED:
        parts.append(f"••••{d.get('last4', '')}")
        for finding in d.get("findings") or []:
            parts.append(_finding_label(finding))
    if d.get("sample_id"):
        parts.append(_("sample %(id)s") % {"id": d["sample_id"]})
    if d.get("result"):
        parts.append(str(dict(f.RESULT_CHOICES).get(d["result"], d["result"])))
    if d.get("disposition"):
        parts.append(str(Disposition(d["disposition"]).label))
    if d.get("to_unit") and e.kind != EventKind.DISPOSED:
        parts.append(_("to %(unit)s") % {"unit": unit_names.get(d["to_unit"], d.get("to_code", ""))})
    if d.get("destination") and e.kind == EventKind.HANDOVER_OFFERED:
        parts.append(_("destination %(unit)s") % {"unit": unit_names.get(d["destination"], d.get("destination_code", ""))})
    if e.kind == EventKind.DISPOSED and d.get("to_unit"):
        parts.append(_("to %(unit)s") % {"unit": unit_names.get(d["to_unit"], d.get("to_code", ""))})
        if d.get("via_unit"):
            parts.append(_("via %(unit)s") % {"unit": unit_names.get(d["via_unit"], "")})
    if d.get("expected_at"):
        try:
            exp = timezone.localtime(datetime.fromisoformat(d["expected_at"]))
            parts.append(_("expected %(t)s") % {"t": exp.strftime("%Y-%m-%d %H:%M")})
        except ValueError:
            pass
    if d.get("room"):
        parts.append(_("room %(room)s") % {"room": d["room"]})
    if d.get("condition"):
        parts.append(str(dict(f.CONDITION_CHOICES).get(d["condition"], d["condition"])))
    if d.get("flags"):
        parts.append(_("flags: %(flags)s") % {"flags": ", ".join(flag_labels(d["flags"]))})
    if isinstance(d.get("override"), dict):
        parts.append(
            _("command override by %(user)s: %(reason)s") % {"user": d["override"].get("by", ""), "reason": d["override"].get("reason", "")}
        )
    if d.get("card") is False:
        parts.append(_("accepted without the card: %(reason)s") % {"reason": d.get("without_card_reason", "")})
    for key in ("reason", "override_reason", "note", "place"):
        if d.get(key) and isinstance(d[key], str):
            parts.append(d[key] if key != "reason" or e.kind != EventKind.CLOSED else _("released at the gate"))
    return " · ".join(str(p) for p in parts if p)


FINDING_LABELS = {
    "watchlist_hit": gettext_lazy("watch-listed"),
    "duplicate_document": gettext_lazy("number held by another person"),
    "expired": gettext_lazy("expired"),
    "border_pass_outside": gettext_lazy("border pass outside its county"),
    "open_elsewhere": gettext_lazy("document in another open journey"),
}


def _finding_label(finding: Any) -> str:
    if isinstance(finding, dict):
        code = finding.get("kind") or finding.get("code") or ""
        # The stored message is in the language of whoever checked; a known kind reads in the reader's.
        return str(FINDING_LABELS[code]) if code in FINDING_LABELS else str(finding.get("message") or code)
    return str(FINDING_LABELS.get(finding, finding))


def _findings(events: list[CustodyEvent]) -> list[dict[str, Any]]:
    """The findings of the document checks, newest check per document."""
    seen: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.kind == EventKind.DOCUMENT_CHECKED:
            labels = [_finding_label(x) for x in e.data.get("findings") or []]
            if e.data.get("expired") and str(FINDING_LABELS["expired"]) not in labels and not labels:
                labels.append(str(FINDING_LABELS["expired"]))
            seen[e.data.get("document", str(e.seq))] = {"last4": e.data.get("last4", ""), "findings": labels, "at": e.occurred_at}
    return list(seen.values())


def _journey_context(request: HttpRequest, scope: Scope, j: Journey, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    now = timezone.now()
    j.left_text, j.left_class = time_left(j.due_at, now)
    events = _events(j)
    write = not scope.read_only
    holder = write and scope.acts_for(j.custodian)
    receiver = write and j.pending_unit is not None and scope.acts_for(j.pending_unit)
    command = write and scope.has_role(*COMMAND_ROLES)
    rules = s.rules_of(j)
    p = s._snapshot(j)
    released = bool(j.facts.get("released_at"))
    documents = list(IdentityDocument.objects.filter(person=j.person).order_by("created_at"))
    custodian = j.custodian
    forms: dict[str, Any] = {}
    steps: set[str] = set()
    if holder:
        if j.state == State.DECLARED:
            steps |= {"arrive", "document"}
        if j.state in GATE_STATES:
            steps |= {"document", "screen", "sample", "result", "dispose", "offer"}
        if j.state == State.IN_TRANSIT:
            steps |= {"offer"}
        if j.state == State.IN_FACILITY:
            steps |= {"check", "sample", "result"} if not released else set()
            steps |= {"offer"} if released else {"release"}
        if j.state == State.IN_HOSPITAL:
            steps |= {"report", "close", "offer", "sample", "result"}
        if j.state == State.HOME_MONITORING:
            steps |= {"check", "close", "sample", "result"}
    if receiver and j.state == State.HANDOVER_OFFERED:
        steps |= {"accept", "refuse"}
    if holder and j.state == State.HANDOVER_OFFERED:
        steps |= {"withdraw", "redirect"}
    if command and j.state == State.IN_FACILITY and not released:
        steps.add("override_release")
    if command and j.is_open:
        steps.add("override_close")
    if "document" in steps:
        forms["document"] = f.DocumentCheckForm(documents=documents)
    if "screen" in steps:
        forms["screen"] = f.ScreenForm()
    if "sample" in steps:
        forms["sample"] = f.SampleForm()
    if "result" in steps:
        forms["result"] = f.ResultForm()
    if "check" in steps:
        forms["check"] = f.CheckForm()
    if "dispose" in steps:
        destinations = _units_near(custodian, (UnitKind.QUARANTINE_FACILITY, UnitKind.HOSPITAL, UnitKind.VILLAGE_COMMITTEE))
        teams = _units_near(custodian, (UnitKind.TRANSFER_TEAM,))
        forms["dispose"] = f.DisposeForm(destinations=destinations, teams=teams)
    if "offer" in steps:
        forms["offer"] = f.OfferForm(units=_offer_units(j), initial={"to_unit": _offer_default(j)})
    if "accept" in steps:
        forms["accept"] = f.AcceptForm()
    if "refuse" in steps:
        forms["refuse"] = f.RefuseForm()
    if "withdraw" in steps:
        forms["withdraw"] = f.WithdrawForm()
    if "redirect" in steps:
        forms["redirect"] = f.RedirectForm(units=_offer_units(j))
    if "report" in steps:
        forms["report"] = f.ReportForm()
    if "override_release" in steps or "override_close" in steps:
        forms["override"] = f.OverrideForm()
    for name, form in (bound or {}).items():
        forms[name] = form
    return {
        "j": j,
        "events": events,
        "findings": _findings(events),
        "documents": documents,
        "forms": forms,
        "steps": steps,
        "needs_room": j.pending_unit is not None and j.pending_unit.kind == UnitKind.QUARANTINE_FACILITY,
        "released": released,
        "awaiting": awaiting_label(j.awaiting),
        "served": quarantine_served(p, rules, j.risk, now) if j.state == State.IN_FACILITY else None,
        "tests_ok": tests_satisfied(p, rules) if j.state == State.IN_FACILITY else None,
        "monitoring_served": monitoring_served(p, rules, j.risk, now) if j.state == State.HOME_MONITORING else None,
        "certificate": _certificate_ready(j),
        "destination_unit": _destination_unit(j),
        "flags": flag_labels(flags(j.facts or {})),
    }


def _destination_unit(j: Journey) -> Unit | None:
    """Where a transfer is going: named when the port decided, kept on the offer events."""
    pk = j.facts.get("destination")
    if not pk and j.state in (State.IN_TRANSIT, State.HANDOVER_OFFERED):
        for e in j.events.filter(kind__in=(EventKind.HANDOVER_OFFERED, EventKind.DISPOSED)).order_by("-seq")[:4]:
            pk = e.data.get("destination") or (e.data.get("to_unit") if e.data.get("via_unit") else None)
            if pk:
                break
    return Unit.objects.filter(pk=pk).first() if pk else None


def _offer_units(j: Journey) -> QuerySet[Unit]:
    if j.state == State.HANDOVER_OFFERED:  # redirecting: where the sender could have offered
        j = Journey(state=j.facts.get("offer_from", State.AT_GATE), custodian=j.custodian)
    if j.state == State.IN_TRANSIT:
        kinds: tuple[str, ...] = (UnitKind.QUARANTINE_FACILITY, UnitKind.HOSPITAL, UnitKind.VILLAGE_COMMITTEE)
    elif j.state == State.IN_FACILITY:
        kinds = (UnitKind.VILLAGE_COMMITTEE, UnitKind.HOSPITAL, UnitKind.TRANSFER_TEAM)
    elif j.state == State.IN_HOSPITAL:
        kinds = (UnitKind.VILLAGE_COMMITTEE, UnitKind.QUARANTINE_FACILITY, UnitKind.TRANSFER_TEAM)
    else:
        kinds = RECEIVING_KINDS
    return _units_near(j.custodian, kinds)


def _offer_default(j: Journey) -> str:
    dest = _destination_unit(j)
    if dest is not None:
        return dest.code
    if j.destination_id and j.state in (State.IN_FACILITY, State.IN_HOSPITAL):
        village = Unit.objects.filter(kind=UnitKind.VILLAGE_COMMITTEE, jurisdiction_id=j.destination_id, active=True).first()
        if village is not None:
            return village.code
    return ""


def _certificate_ready(j: Journey) -> bool:
    return bool(j.facts.get("released_at")) or j.state == State.CLOSED


@loop_page
def journey_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    j = _journey(scope, code)
    return render(request, "loop/journey.html", _journey_context(request, scope, j))


def _accepted_message(j: Journey) -> str:
    """The acceptance's answer, saying first what stands against the person's health."""
    message = _("Handover accepted: the person is now in your custody.")
    standing = flag_labels(flags(j.facts or {}))
    if standing:
        return _("Warning: %(flags)s.") % {"flags": ", ".join(standing)} + " " + message
    return message


def _room_or_none(form: f.AcceptForm) -> str:
    return form.cleaned_data.get("room", "")


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


# --- accept by loop code (typed, or scanned with the phone camera) ------------------------------
@loop_page
@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    _require_role(scope, *CUSTODY_ROLES)
    units = _my_units(scope, *RECEIVING_KINDS, UnitKind.PORT_HEALTH_STATION)
    form = f.ScanForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        scope.require_write()
        code = form.cleaned_data["code"]
        j = (
            Journey.objects.filter(code=code, state=State.HANDOVER_OFFERED, pending_unit__in=units)
            .select_related("pending_unit", "person")
            .first()
        )
        if j is None:
            form.add_error("code", _("No person with this loop code is being handed over to your unit."))
        else:
            try:
                s.handover_accept(
                    actor=request.user, journey=j, unit=j.pending_unit, room=form.cleaned_data.get("room", ""), card_code=code
                )
            except DomainError as e:
                f.add_domain_error(form, e)
                if (e.details or {}).get("field") is None and e.code in ("room_required", "room_taken"):
                    form.errors.pop("__all__", None)
                    form.add_error("room", e.message)
            else:
                accepted = _("%(name)s is now in your custody (%(code)s).") % {"name": j.person, "code": j.code}
                standing = flag_labels(flags(j.facts or {}))
                if standing:
                    messages.warning(request, _("Warning: %(flags)s.") % {"flags": ", ".join(standing)} + " " + accepted)
                else:
                    messages.success(request, accepted)
                return redirect("loop:journey", j.code)
    if request.method == "POST" and form.errors:
        status = _status(request)
    offered = _decorate(_journeys(scope).filter(state=State.HANDOVER_OFFERED, pending_unit__in=units).order_by("expected_at"))
    needs_room = any(u.kind == UnitKind.QUARANTINE_FACILITY for u in units)
    ctx = {"form": form, "offered": offered, "units": units, "needs_room": needs_room}
    return render(request, "loop/scan.html", ctx, status=status)


@loop_page
def find(request: HttpRequest) -> HttpResponse:
    """Open a journey by its loop code (for anyone who may see it)."""
    scope = Scope.of(request.user)
    code = "".join((request.GET.get("code") or "").split()).upper()[:16]
    if code:
        j = _journeys(scope).filter(code=code).first()
        if j is not None:
            return redirect("loop:journey", j.code)
        messages.error(request, _("No journey with this loop code is within your reach."))
    return redirect(_next(request, reverse("home")))


# --- desks ------------------------------------------------------------------------------------
@loop_page
def port_desk(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    _require_role(scope, Role.PORT_OFFICER)
    units = _my_units(scope, UnitKind.PORT_HEALTH_STATION)
    mine = _journeys(scope).filter(custodian__in=units)
    expected = _decorate(mine.filter(state=State.DECLARED, expected_at__lt=_end_of_today()).order_by("expected_at"))
    later = mine.filter(state=State.DECLARED, expected_at__gte=_end_of_today()).count()
    gate = _decorate(mine.filter(state__in=GATE_STATES).order_by("due_at"))
    offered = _decorate(mine.filter(state=State.HANDOVER_OFFERED).order_by("due_at"))
    ctx = {"units": units, "expected": expected, "later": later, "gate": gate, "offered": offered, "custody": _custody(scope, units)}
    if request.htmx and request.GET.get("part") == "lists":
        return render(request, "loop/port.html#lists", ctx)
    return render(request, "loop/port.html", ctx)


@loop_page
@require_http_methods(["GET", "POST"])
def port_register(request: HttpRequest) -> HttpResponse:
    """Register an arrival who was not declared: the person, their documents, then the arrival."""
    from django.template.loader import select_template

    from guomen.people.services import person_register

    scope = Scope.of(request.user)
    _require_role(scope, Role.PORT_OFFICER)
    units = list(_my_units(scope, UnitKind.PORT_HEALTH_STATION))
    if not units:
        raise PermissionDenied(_("You are not a member of a port health station."))
    unit = next((u for u in units if u.code == request.POST.get("unit")), units[0])
    form = f.RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        scope.require_write()
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    person = person_register(
                        actor=request.user,
                        unit=unit,
                        name_native=d["name_native"],
                        name_latin=d.get("name_latin", ""),
                        sex=d["sex"],
                        birth_date=d.get("birth_date"),
                        nationality=d["nationality"],
                        phone=d.get("phone", ""),
                        category=d["category"],
                        documents=form.documents(),
                    )
                    j = s.journey_arrive(
                        actor=request.user,
                        unit=unit,
                        person=person,
                        risk=d["risk"],
                        origin_country=d.get("origin_country") or d["nationality"],
                        origin_place=d.get("origin_place", ""),
                    )
            except DomainError as e:
                f.add_domain_error(form, e)
            else:
                messages.success(request, _("Arrival registered: loop code %(code)s. Check the documents next.") % {"code": j.code})
                return redirect("loop:journey", j.code)
        status = _status(request)
    try:  # the people app's passport reader, when it is installed
        select_template(["people/_mrz_form.html"])
        reverse("people_mrz")
        mrz = True
    except Exception:
        mrz = False
    return render(request, "loop/register.html", {"form": form, "units": units, "unit": unit, "mrz_reader": mrz}, status=status)


@loop_page
@require_http_methods(["GET", "POST"])
def port_manifest(request: HttpRequest) -> HttpResponse:
    """Upload a pre-arrival manifest (CSV or XLSX): valid rows become declarations at the port;
    the report lists the rows taken (with their loop codes), those already declared, and those refused."""
    from .manifest import MAX_BYTES, manifest_import

    scope = Scope.of(request.user)
    _require_role(scope, Role.PORT_OFFICER)
    units = list(_my_units(scope, UnitKind.PORT_HEALTH_STATION))
    if not units:
        raise PermissionDenied(_("You are not a member of a port health station."))
    unit = next((u for u in units if u.code == request.POST.get("unit")), units[0])
    ctx: dict[str, Any] = {"units": units, "unit": unit, "report": None, "error": "", "file_name": ""}
    status = 200
    if request.method == "POST":
        scope.require_write()
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise DomainError("file_required", _("Choose a manifest file (.csv or .xlsx)."), status=422)
            if upload.size > MAX_BYTES:
                raise DomainError("file_too_large", _("A manifest is at most 5 MB."), status=422)
            name = upload.name or ""
            if "\x00" in name:
                raise DomainError("unsupported_file", _("Send a .csv or .xlsx file."), status=422)
            report = manifest_import(actor=request.user, port_unit=unit, file_name=name, content=upload.read())
        except DomainError as e:
            ctx["error"] = e.message
            status = 422
        else:
            codes = [r["journey"] for r in (*report.taken, *report.unchanged)]
            by_code = {j.code: j for j in Journey.objects.filter(code__in=codes).select_related("person")}
            for r in (*report.taken, *report.unchanged):
                r["j"] = by_code.get(r["journey"])
            ctx.update({"report": report, "file_name": name})
            if report.taken:
                messages.success(
                    request,
                    ngettext("%(n)d arrival declared.", "%(n)d arrivals declared.", len(report.taken)) % {"n": len(report.taken)},
                )
    return render(request, "loop/manifest.html", ctx, status=status)


def _custody(scope: Scope, units: Iterable[Unit]) -> list[Journey]:
    """Everyone in these units' custody, for the desk's register (the home tile counts the same query)."""
    return _decorate(queries.in_custody(scope, units).order_by("state", "due_at"))


def _offered_to(scope: Scope, units: Iterable[Unit]) -> list[Journey]:
    return _decorate(_journeys(scope).filter(state=State.HANDOVER_OFFERED, pending_unit__in=list(units)).order_by("expected_at"))


@loop_page
def transfer_desk(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    _require_role(scope, Role.TRANSFER_TEAM)
    units = _my_units(scope, UnitKind.TRANSFER_TEAM)
    transit = _decorate(_journeys(scope).filter(custodian__in=units, state=State.IN_TRANSIT).order_by("due_at"))
    for j in transit:
        j.destination_unit = _destination_unit(j)
        j.offer_form = f.OfferForm(units=_offer_units(j), initial={"to_unit": _offer_default(j)})
    handed = _decorate(_journeys(scope).filter(custodian__in=units, state=State.HANDOVER_OFFERED).order_by("due_at"))
    ctx = {"units": units, "offered": _offered_to(scope, units), "transit": transit, "handed": handed, "custody": _custody(scope, units)}
    return render(request, "loop/transfer.html", ctx)


def _quarantine_rows(scope: Scope, unit: Unit, now: datetime) -> list[Journey]:
    rows = _decorate(_journeys(scope).filter(custodian=unit, state=State.IN_FACILITY).order_by("room"), now)
    for j in rows:
        rules = s.rules_of(j)
        p = s._snapshot(j)
        start = j.facts.get("quarantine_started_at")
        j.day = (now - datetime.fromisoformat(start)).days + 1 if start else None
        j.released = bool(j.facts.get("released_at"))
        j.release_due = not j.released and quarantine_served(p, rules, j.risk, now)
        j.tests_ok = tests_satisfied(p, rules)
        j.due_today = j.due_at is not None and j.due_at < _end_of_today()
        j.awaiting_text = awaiting_label(j.awaiting)
        j.test_due = j.awaiting == "test"
    return rows


@loop_page
def facility_desk(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    _require_role(scope, Role.FACILITY_STAFF)
    now = timezone.now()
    blocks = []
    units = _my_units(scope, UnitKind.QUARANTINE_FACILITY)
    for unit in units:
        rows = _quarantine_rows(scope, unit, now)
        staying = [j for j in rows if not j.released]
        for j in rows:
            if j.released:
                j.offer_form = f.OfferForm(units=_offer_units(j), initial={"to_unit": _offer_default(j)})
        blocks.append(
            {
                "unit": unit,
                "occupied": len(rows),
                "free": (unit.capacity - len(rows)) if unit.capacity is not None else None,
                "rows": rows,
                "due": sorted(staying, key=lambda j: j.due_at or now),
                "due_today": sum(1 for j in staying if j.due_today),
                "releases": [j for j in staying if j.release_due],
                "released": [j for j in rows if j.released],
                "offered": _offered_to(scope, [unit]),
            }
        )
    ctx = {"blocks": blocks, "symptom_choices": f.SYMPTOM_CHOICES, "custody": _custody(scope, units)}
    return render(request, "loop/facility.html", ctx)


@loop_page
def hospital_desk(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    _require_role(scope, Role.HOSPITAL_STAFF)
    units = _my_units(scope, UnitKind.HOSPITAL)
    care = _decorate(_journeys(scope).filter(custodian__in=units, state=State.IN_HOSPITAL).order_by("due_at"))
    for j in care:
        last = j.events.filter(kind=EventKind.HOSPITAL_REPORT).order_by("-seq").first()
        j.condition = dict(f.CONDITION_CHOICES).get(last.data.get("condition")) if last else None
        j.recovered = bool(last and last.data.get("condition") == "recovered")
        j.reported_today = bool(last and last.occurred_at >= _start_of_today())
        j.offer_form = f.OfferForm(units=_offer_units(j), initial={"to_unit": _offer_default(j)})
    ctx = {
        "units": units,
        "offered": _offered_to(scope, units),
        "care": care,
        "report_form": f.ReportForm(),
        "custody": _custody(scope, units),
    }
    return render(request, "loop/hospital.html", ctx)


@loop_page
def village_desk(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    _require_role(scope, Role.GRID_WORKER)
    units = _my_units(scope, UnitKind.VILLAGE_COMMITTEE)
    now = timezone.now()
    custody = _custody(scope, units)
    rows = sorted((j for j in custody if j.state == State.HOME_MONITORING), key=lambda j: j.due_at or now)
    for j in rows:
        start = j.facts.get("monitoring_started_at")
        j.day = (now - datetime.fromisoformat(start)).days + 1 if start else None
        j.served = monitoring_served(s._snapshot(j), s.rules_of(j), j.risk, now)
        last = j.facts.get("last_check_at")
        j.checked_today = bool(last and datetime.fromisoformat(last) >= _start_of_today())
    ctx = {
        "units": units,
        "offered": _offered_to(scope, units),
        "rows": rows,
        "due": [j for j in rows if not j.checked_today and not j.served],
        "closable": [j for j in rows if j.served],
        "symptom_choices": f.SYMPTOM_CHOICES,
        # found locally, or a confirmed self-declaration: the village decides where they go
        "to_decide": [j for j in custody if j.state in GATE_STATES],
        "custody": custody,
    }
    return render(request, "loop/village.html", ctx)


# --- the loop card and the release certificate ------------------------------------------------------
def _first_document(j: Journey) -> IdentityDocument | None:
    return IdentityDocument.objects.filter(person=j.person).order_by("created_at").first()


def qr_svg(text: str, scale: int = 4) -> str:
    """The QR code as inline SVG markup (no style attributes; allowed by the strict CSP)."""
    return segno.make(text, error="m").svg_inline(scale=scale, title=text, omitsize=True)


@loop_page
def loop_card(request: HttpRequest, code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    j = _journey(scope, code)
    ctx = {"j": j, "qr": mark_safe(qr_svg(j.code)), "document": _first_document(j)}  # noqa: S308 - segno's own markup
    return render(request, "loop/card.html", ctx)


@loop_page
def certificate(request: HttpRequest, code: str) -> HttpResponse:
    from guomen.core.models import AccessLog
    from guomen.core.services import access_record

    from .pdf import certificate_pdf

    scope = Scope.of(request.user)
    j = _journey(scope, code)
    if not _certificate_ready(j):
        raise Http404(_("The certificate exists once the person is released or the journey is closed."))
    with transaction.atomic():
        pdf = certificate_pdf(j, events=list(j.events.select_related("unit").order_by("seq")), document=_first_document(j))
        access_record(
            user=request.user,
            action=AccessLog.Action.PRINT,
            obj=j,
            subject=str(j.person.public_id),
            reason="release certificate",
            request=request,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="release-{j.code}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- home panel ---------------------------------------------------------------------------------------
def panel_waiting(request: Any, scope: Scope) -> dict[str, Any] | None:
    """What is waiting for me now: per unit I act for, and for command roles their jurisdiction."""
    now = timezone.now()
    items: list[dict[str, Any]] = []
    units = list(_my_units(scope, UnitKind.PORT_HEALTH_STATION, *RECEIVING_KINDS))
    if units:
        ids = [u.pk for u in units]
        journeys = Journey.objects.filter(Q(custodian_id__in=ids) | Q(pending_unit_id__in=ids), closed_at__isnull=True)
        stats = journeys.aggregate(
            expected=Count("pk", filter=Q(state=State.DECLARED, expected_at__lt=_end_of_today(), custodian_id__in=ids)),
            gate=Count("pk", filter=Q(state__in=GATE_STATES, custodian_id__in=ids)),
            offered=Count("pk", filter=Q(state=State.HANDOVER_OFFERED, pending_unit_id__in=ids)),
            due=Count("pk", filter=Q(custodian_id__in=ids, due_at__lt=_end_of_today(), due_at__gte=now)),
            overdue=Count("pk", filter=Q(custodian_id__in=ids, due_at__lt=now)),
        )
        stats["held"] = queries.in_custody(scope, units).count()
        kinds = {u.kind for u in units}
        desk = {
            UnitKind.PORT_HEALTH_STATION: ("loop:port", _("Port desk")),
            UnitKind.TRANSFER_TEAM: ("loop:transfer", _("Transfers")),
            UnitKind.QUARANTINE_FACILITY: ("loop:facility", _("Quarantine")),
            UnitKind.HOSPITAL: ("loop:hospital", _("Hospital")),
            UnitKind.VILLAGE_COMMITTEE: ("loop:village", _("Home monitoring")),
        }
        links = [(reverse(desk[k][0]), desk[k][1]) for k in desk if k in kinds]
        if UnitKind.PORT_HEALTH_STATION in kinds:
            items.append({"n": stats["expected"], "label": _("expected today"), "url": reverse("loop:port"), "css": ""})
            items.append(
                {"n": stats["gate"], "label": _("at the gate"), "url": reverse("loop:port"), "css": "warn" if stats["gate"] else ""}
            )
        items.append({"n": stats["offered"], "label": _("offered to me"), "url": links[0][0], "css": "warn" if stats["offered"] else ""})
        items.append({"n": stats["held"], "label": _("in my custody"), "url": links[0][0] + "#custody", "css": ""})
        items.append({"n": stats["due"], "label": _("due later today"), "url": links[0][0], "css": ""})
        items.append({"n": stats["overdue"], "label": _("overdue"), "url": links[0][0], "css": "bad" if stats["overdue"] else "ok"})
    else:
        links = []
    command = None
    if scope.subtree_paths:
        rows = JourneyCount.objects.filter(
            functools.reduce(lambda a, b: a | b, (Q(jurisdiction__path__startswith=p) for p in scope.subtree_paths))
        )
        by_state: dict[str, int] = {}
        for state, n in rows.values_list("state", "n"):
            by_state[state] = by_state.get(state, 0) + n
        command = [(State(k).label, v) for k, v in sorted(by_state.items()) if v and k != State.CLOSED]
    if not units and command is None:
        return None
    from guomen.alerts.queries import within

    open_alerts = within(scope).count()
    return {
        "items": items,
        "links": links,
        "command": command,
        "alerts": open_alerts,
        "alerts_text": ngettext("%(n)d open alert", "%(n)d open alerts", open_alerts) % {"n": open_alerts},
    }


def redirect_desk(request: HttpRequest) -> HttpResponseRedirect:
    scope = Scope.of(request.user)
    for role, name in (
        (Role.PORT_OFFICER, "loop:port"),
        (Role.TRANSFER_TEAM, "loop:transfer"),
        (Role.FACILITY_STAFF, "loop:facility"),
        (Role.HOSPITAL_STAFF, "loop:hospital"),
        (Role.GRID_WORKER, "loop:village"),
    ):
        if scope.has_role(role) and not scope.everything:
            return redirect(name)
    return redirect("alerts:inbox")


@loop_page
def index(request: HttpRequest) -> HttpResponse:
    return redirect_desk(request)
