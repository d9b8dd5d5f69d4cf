"""The desks: port, transfer, quarantine facility, hospital, village."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guomen.core.links import opens_for
from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.models import Role, Unit, UnitKind
from guomen.org.scoping import Scope

from .. import access, queries
from .. import forms as f
from .. import services as s
from ..models import EventKind, Journey, State
from ..projection import monitoring_served, quarantine_served, tests_satisfied
from .journey import _destination_unit, _offer_default, _offer_form
from .plumbing import (
    GATE_STATES,
    _decorate,
    _end_of_today,
    _journeys,
    _my_units,
    _require_role,
    _start_of_today,
    _status,
    awaiting_label,
    loop_page,
)


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
@opens_for(access.works_at_a_port, forbidden=True)
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
@opens_for(access.works_at_a_port, forbidden=True)
@require_http_methods(["GET", "POST"])
def port_manifest(request: HttpRequest) -> HttpResponse:
    """Upload a pre-arrival manifest (CSV or XLSX): valid rows become declarations at the port;
    the report lists the rows taken (with their loop codes), those already declared, and those refused."""
    from ..manifest import MAX_BYTES, manifest_import, too_large

    scope = Scope.of(request.user)
    _require_role(scope, Role.PORT_OFFICER)
    units = list(_my_units(scope, UnitKind.PORT_HEALTH_STATION))
    if not units:
        raise PermissionDenied(_("You are not a member of a port health station."))
    unit = next((u for u in units if u.code == request.POST.get("unit")), units[0])
    from ..manifest_jobs import jobs_recent

    ctx: dict[str, Any] = {"units": units, "unit": unit, "report": None, "error": "", "file_name": "", "jobs": jobs_recent(scope)}
    status = 200
    if request.method == "POST":
        scope.require_write()
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise DomainError("file_required", _("Choose a manifest file (.csv or .xlsx)."), status=422)
            if upload.size > MAX_BYTES:
                raise too_large()
            name = upload.name or ""
            if "\x00" in name:
                raise DomainError("unsupported_file", _("Send a .csv or .xlsx file."), status=422)
            if upload.size > settings.GUOMEN_MANIFEST_BACKGROUND_BYTES:  # read by the worker, a batch at a time
                from ..manifest_jobs import job_submit

                job, new = job_submit(actor=request.user, port_unit=unit, file_name=name, chunks=upload.chunks, size=upload.size)
                if not new:
                    messages.info(request, _("This file was already sent to this port: here is its import."))
                return redirect("loop:manifest_job", job.public_id)
            report = manifest_import(actor=request.user, port_unit=unit, file_name=name, content=upload.read())
        except DomainError as e:
            ctx["error"] = e.message
            status = 422
        else:
            codes = [r["journey"] for r in (*report.taken, *report.unchanged)]  # the first REPORT_ROWS of each
            by_code = {j.code: j for j in Journey.objects.filter(code__in=codes).select_related("person")}
            for r in (*report.taken, *report.unchanged):
                r["j"] = by_code.get(r["journey"])
            ctx.update({"report": report, "file_name": name})
            _keep_refused(request, report)
            if report.n_taken:
                messages.success(
                    request,
                    ngettext("%(n)d arrival declared.", "%(n)d arrivals declared.", report.n_taken) % {"n": report.n_taken},
                )
    return render(request, "loop/manifest.html", ctx, status=status)


REFUSED_SESSION = "loop_manifest_refused"


def _keep_refused(request: HttpRequest, report: Any) -> None:
    """The last import's refused rows, sealed like every identifier at rest, for the correction file."""
    import json

    from guomen.people.crypto import seal

    if not report.rejected:
        request.session.pop(REFUSED_SESSION, None)
        return
    values = [{k: (v.isoformat(sep=" ") if isinstance(v, datetime) else v) for k, v in rec.items()} for rec in report.refused_values]
    request.session[REFUSED_SESSION] = seal(json.dumps({"rejected": report.rejected, "values": values}, default=str))


@loop_page
@opens_for(access.works_at_a_port, forbidden=True)
def manifest_refused(request: HttpRequest) -> HttpResponse:
    """The refused rows of the last import, as sent, with row and reason, to correct and import again."""
    import json

    from guomen.people.crypto import unseal

    from ..manifest_files import refused

    _require_role(Scope.of(request.user), Role.PORT_OFFICER)
    sealed = request.session.get(REFUSED_SESSION)
    if not sealed:
        raise Http404(_("No refused rows to download: import a manifest first."))
    kept = json.loads(unseal(sealed))
    response = HttpResponse(refused(kept["rejected"], kept["values"], get_language()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="manifest-refused.csv"'
    response["Cache-Control"] = "no-store"
    return response


@loop_page
def manifest_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """An empty manifest, headers in the language asked for (``?lang=zh-hans`` or ``en``; the page's by default)."""
    from ..manifest_files import template

    _require_role(Scope.of(request.user), Role.PORT_OFFICER)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    lang = "zh" if (request.GET.get("lang") or get_language() or "").lower().startswith("zh") else "en"
    types = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    response = HttpResponse(template(fmt, lang), content_type=types[fmt])
    response["Content-Disposition"] = f'attachment; filename="manifest-template-{lang}.{fmt}"'
    return response


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
        j.offer_form = _offer_form(j, initial={"to_unit": _offer_default(j)})
    handed = _decorate(_journeys(scope).filter(custodian__in=units, state=State.HANDOVER_OFFERED).order_by("due_at"))
    ctx = {"units": units, "offered": _offered_to(scope, units), "transit": transit, "handed": handed, "custody": _custody(scope, units)}
    return render(request, "loop/transfer.html", ctx)


def _quarantine_rows(scope: Scope, unit: Unit, now: datetime) -> list[Journey]:
    rows = _decorate(_journeys(scope).filter(custodian=unit, state=State.IN_FACILITY).order_by("room"), now)
    for j in rows:
        rules = s.rules_of(j)
        p = s.progress(j)
        start = j.facts.get("quarantine_started_at")
        j.day = (now - datetime.fromisoformat(start)).days + 1 if start else None
        j.released = bool(j.facts.get("released_at"))
        j.release_due = not j.released and quarantine_served(p, rules, j.risk, now)
        j.tests_ok = tests_satisfied(p, rules)
        j.due_today = j.due_at is not None and j.due_at < _end_of_today()
        j.awaiting_text = awaiting_label(j.awaiting, j.state)
        j.test_due = j.awaiting == "test"
    return rows


@loop_page
def facility_desk(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    _require_role(scope, Role.FACILITY_STAFF)
    now = clock.now()
    blocks = []
    units = _my_units(scope, UnitKind.QUARANTINE_FACILITY)
    for unit in units:
        rows = _quarantine_rows(scope, unit, now)
        staying = [j for j in rows if not j.released]
        for j in rows:
            if j.released:
                j.offer_form = _offer_form(j, initial={"to_unit": _offer_default(j)})
        blocks.append(
            {
                "unit": unit,
                "occupied": len(staying),
                "free": (unit.capacity - len(staying)) if unit.capacity is not None else None,
                "rows": staying,
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
        j.offer_form = _offer_form(j, initial={"to_unit": _offer_default(j)})
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
    now = clock.now()
    custody = _custody(scope, units)
    rows = sorted((j for j in custody if j.state == State.HOME_MONITORING), key=lambda j: j.due_at or now)
    for j in rows:
        start = j.facts.get("monitoring_started_at")
        j.day = (now - datetime.fromisoformat(start)).days + 1 if start else None
        j.served = monitoring_served(s.progress(j), s.rules_of(j), j.risk, now)
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
