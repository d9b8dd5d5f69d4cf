"""Pages of the information office (bulletins, questions, refused submissions) and of the command
and the people who handle citizen reports. Every change goes through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.models import Unit
from guomen.org.scoping import Scope

from . import queries, services
from . import reports as report_rules
from .models import CitizenReport, MsgType, NoticeTopic, Question, QuestionStatus, QuestionTopic
from .rules import is_information_office, is_triager


def _office(request: HttpRequest) -> Scope:
    scope = Scope.of(request.user)
    if not is_information_office(scope):
        raise Http404(_("Not found."))
    return scope


def _attempt(request: HttpRequest, fn: Callable[[], Any], done: str) -> bool:
    try:
        fn()
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
        return False
    messages.success(request, done)
    return True


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@login_required
def bulletins(request: HttpRequest) -> HttpResponse:
    _office(request)
    if request.method == "POST":
        p = request.POST
        made: list[Any] = []
        if p.get("action") == "figures":
            try:
                day = date.fromisoformat(p.get("day") or "")
            except ValueError:
                messages.error(request, _("Choose a day."))
                return redirect("public:office")
            ok = _attempt(
                request,
                lambda: made.append(services.bulletin_draft_figures(actor=request.user, day=day)),
                _("Draft written from the figures."),
            )
        else:
            ok = _attempt(
                request,
                lambda: made.append(
                    services.bulletin_draft(
                        actor=request.user,
                        title_zh=p.get("title_zh", ""),
                        title_en=p.get("title_en", ""),
                        body_zh=p.get("body_zh", ""),
                        body_en=p.get("body_en", ""),
                        topic=p.get("topic") or NoticeTopic.GENERAL,
                    )
                ),
                _("Draft saved."),
            )
        if ok:
            return redirect("public:office_bulletin", public_id=made[0].public_id)
    ctx = {
        "bulletins": list(queries.office_bulletins()[:100]),
        "topics": NoticeTopic.choices,
        "today": clock.today().isoformat(),
        "refusals": queries.refusals(),
    }
    return render(request, "public/office/bulletins.html", ctx)


@login_required
def bulletin(request: HttpRequest, public_id: Any) -> HttpResponse:
    _office(request)
    b = queries.bulletin_get(public_id)
    if request.method == "POST":
        p, actor = request.POST, request.user
        action = p.get("action")
        texts = {k: p.get(k, "") for k in ("title_zh", "title_en", "body_zh", "body_en")}
        target = [b]
        steps: dict[str, tuple[Callable[[], Any], str]] = {
            "edit": (lambda: services.bulletin_edit(actor=actor, bulletin=b, **texts), _("Saved.")),
            "submit": (lambda: services.bulletin_submit(actor=actor, bulletin=b), _("Sent for approval.")),
            "approve": (lambda: services.bulletin_approve(actor=actor, bulletin=b, site=_site(request)), _("Approved and published.")),
            "correct": (
                lambda: target.__setitem__(0, services.bulletin_follow_up(actor=actor, bulletin=b, msg_type=MsgType.UPDATE)),
                _("Correction drafted: edit it and send it for approval."),
            ),
            "cancel": (
                lambda: target.__setitem__(0, services.bulletin_follow_up(actor=actor, bulletin=b, msg_type=MsgType.CANCEL)),
                _("Withdrawal drafted: send it for approval."),
            ),
        }
        if action in steps:
            _attempt(request, *steps[action])
        return redirect("public:office_bulletin", public_id=target[0].public_id)
    return render(request, "public/office/bulletin.html", {"b": b, "newer": queries.latest_of(b)})


@login_required
def bulletin_cap(request: HttpRequest, public_id: Any) -> HttpResponse:
    _office(request)
    b = queries.bulletin_get(public_id)
    if not b.cap_xml:
        raise Http404(_("Not found."))
    return HttpResponse(b.cap_xml.encode(), content_type="application/cap+xml; charset=utf-8")


@login_required
def questions(request: HttpRequest) -> HttpResponse:
    _office(request)
    if request.method == "POST":
        p, actor = request.POST, request.user
        try:
            q = Question.objects.get(public_id=p.get("question"))
        except (Question.DoesNotExist, ValueError, DomainError) as exc:
            raise Http404(_("Not found.")) from exc
        same = Question.objects.filter(public_id=p.get("same_as"), status=QuestionStatus.PUBLISHED).first() if p.get("same_as") else None
        steps: dict[str, tuple[Callable[[], Any], str]] = {
            "accept": (
                lambda: services.question_moderate(actor=actor, question=q, accept=True, topic=p.get("topic", ""), same_as=same),
                _("Accepted."),
            ),
            "reject": (lambda: services.question_moderate(actor=actor, question=q, accept=False), _("Rejected.")),
            "answer": (
                lambda: services.question_answer(
                    actor=actor, question=q, answer_zh=p.get("answer_zh", ""), answer_en=p.get("answer_en", "")
                ),
                _("Answer sent for approval."),
            ),
            "approve": (lambda: services.question_approve(actor=actor, question=q), _("Answer approved and published.")),
        }
        if p.get("action") in steps:
            _attempt(request, *steps[p["action"]])
        return redirect("public:office_questions")
    ctx = {
        "questions": list(queries.questions_to_handle()[:100]),
        "topics": QuestionTopic.choices,
        "published": list(queries.published_questions()[:100]),
    }
    return render(request, "public/office/questions.html", ctx)


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    rows = list(queries.reports(scope)[:200])
    return render(request, "public/office/reports.html", {"reports": rows})


def _user(username: str) -> Any:
    return get_user_model().objects.filter(username=username).first() if username else None


@login_required
def report(request: HttpRequest, code: str) -> HttpResponse:
    scope = Scope.of(request.user)
    r = queries.report_get(scope, code)
    if request.method == "POST":
        p, actor = request.POST, request.user
        other = CitizenReport.objects.filter(code=p.get("duplicate_of", "")).first()
        unit = Unit.objects.filter(code=p.get("unit", "")).first() if p.get("unit") else None
        steps: dict[str, tuple[Callable[[], Any], str]] = {
            "check": (lambda: services.report_check(actor=actor, report=r, note=p.get("note", "")), _("Checked.")),
            "duplicate": (lambda: services.report_dismiss(actor=actor, report=r, duplicate_of=other), _("Marked as already reported.")),
            "unfounded": (lambda: services.report_dismiss(actor=actor, report=r, note=p.get("note", "")), _("Closed as not confirmed.")),
            "assign": (lambda: services.report_assign(actor=actor, report=r, unit=unit, user=_user(p.get("user", ""))), _("Assigned.")),
            "start": (lambda: services.report_start(actor=actor, report=r), _("You are handling this report.")),
            "resolve": (lambda: services.report_resolve(actor=actor, report=r, note=p.get("note", "")), _("Resolved.")),
            "verify": (lambda: services.report_verify(actor=actor, report=r, note=p.get("note", "")), _("Verified and closed.")),
            "intake": (
                lambda: services.report_intake(
                    actor=actor,
                    report=r,
                    name_native=p.get("name_native", ""),
                    nationality=p.get("nationality", ""),
                    name_latin=p.get("name_latin", ""),
                ),
                _("The person found is in the loop."),
            ),
        }
        if p.get("action") in steps:
            _attempt(request, *steps[p["action"]])
        return redirect("public:office_report", code=r.code)
    unit, person = report_rules.assignment_proposal(r)
    ctx = {
        "r": r,
        "steps": r.steps.select_related("actor"),
        "duplicates": report_rules.likely_duplicates(r),
        "proposal_unit": unit,
        "proposal_person": person,
        "triager": is_triager(scope),
        "handler": request.user.pk == r.assigned_to_id or (r.assigned_unit_id in scope.unit_ids),
        "office_url": reverse("public:office_reports"),
    }
    return render(request, "public/office/report.html", ctx)


@login_required
def report_photo(request: HttpRequest, code: str) -> HttpResponse:
    r = queries.report_get(Scope.of(request.user), code)
    if not r.photo:
        raise Http404(_("Not found."))
    return HttpResponse(bytes(r.photo), content_type=r.photo_type)
