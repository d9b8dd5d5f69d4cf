"""Public pages, no account, phone first: bulletins, the Atom feed, CAP messages, questions and
answers, the report form and a report's status by its code."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET

from guomen.lib.errors import DomainError
from guomen.places.reference import geojson

from . import queries, services
from .abuse import HONEYPOT, Refused, client_address, form_token
from .forms import QuestionForm, ReportForm
from .language import PUBLIC_LANGUAGES, REPORT_LANGUAGES, public_language
from .models import QuestionTopic, ReportStatus

PUBLIC_STATUS_ORDER = [
    ReportStatus.NEW,
    ReportStatus.CHECKED,
    ReportStatus.ASSIGNED,
    ReportStatus.IN_PROGRESS,
    ReportStatus.RESOLVED,
    ReportStatus.CLOSED,
]


def _ctx(request: HttpRequest, languages: list[tuple[str, str]] = PUBLIC_LANGUAGES, **kw: Any) -> dict[str, Any]:
    return {"public_languages": languages, "public_lang": getattr(request, "public_lang", ""), **kw}


@public_language
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", _ctx(request, bulletins=list(queries.public_bulletins()[:20])))


@public_language
def bulletin(request: HttpRequest, public_id: Any) -> HttpResponse:
    b = queries.public_bulletin(public_id)
    thread = []
    x = b.references
    while x is not None:
        thread.append(x)
        x = x.references
    return render(request, "public/bulletin.html", _ctx(request, b=b, thread=thread, newer=queries.latest_of(b)))


@require_GET
def bulletin_cap(request: HttpRequest, public_id: Any) -> HttpResponse:
    b = queries.public_bulletin(public_id)
    return HttpResponse(b.cap_xml.encode(), content_type="application/cap+xml; charset=utf-8")


@require_GET
def notices_geojson(request: HttpRequest) -> JsonResponse:
    """Published notices of ports and villages as points: the map links each to its page."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [n["lon"], n["lat"]]},
            "properties": {"title": n["title"], "topic": n["topic"], "url": reverse("public:bulletin", args=[n["id"]])},
        }
        for n in queries.notices_on_map()
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@require_GET
def base_map(request: HttpRequest) -> JsonResponse:
    """The shipped Natural Earth countries, for the report form's offline map."""
    return JsonResponse(geojson("ne_50m_admin0_chn_mmr_lao_vnm.geojson"))


def _refused(request: HttpRequest, template: str, ctx: dict[str, Any], exc: Refused) -> HttpResponse:
    ctx["refused"] = exc.message
    return render(request, template, ctx, status=429)


@csrf_protect
@public_language
def questions(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    topic = request.GET.get("topic") if request.GET.get("topic") in QuestionTopic.values else ""
    form = QuestionForm(request.POST or None, initial={"form_token": form_token()})
    ctx = _ctx(request, form=form, q=q, topic=topic, honeypot=HONEYPOT, topics=QuestionTopic.choices)
    if request.method == "POST":
        try:
            services.check_form("question", request.POST)
            services.throttle("question", address=client_address(request))
            if form.is_valid():
                services.question_submit(text=form.cleaned_data["text"], language=request.public_lang)
                return redirect(reverse("public:questions") + "?sent=1")
        except Refused as exc:
            return _refused(request, "public/questions.html", {**ctx, "form": QuestionForm(initial={"form_token": form_token()})}, exc)
        except DomainError as exc:
            form.add_error("text", exc.message)
        form.data = form.data.copy()
        form.data["form_token"] = form_token()
    ctx["sent"] = request.GET.get("sent") == "1"
    ctx["results"] = list(queries.published_questions(q, topic)[:50]) if (q or topic) else []
    ctx["groups"] = queries.frequent_questions()
    return render(request, "public/questions.html", ctx)


def _photo(form: ReportForm) -> bytes | None:
    f = form.cleaned_data.get("photo")
    if not f:
        return None
    from .photos import MAX_BYTES

    data = f.read(MAX_BYTES + 1)
    return data


@csrf_protect
@public_language
def report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None, request.FILES or None, initial={"form_token": form_token(), "kind": "crossing"})
    ctx = _ctx(request, REPORT_LANGUAGES, form=form, honeypot=HONEYPOT)
    if request.method == "POST":
        try:
            services.check_form("report", request.POST)
            services.throttle("report", address=client_address(request), phone=request.POST.get("phone", ""))
            if form.is_valid():
                d = form.cleaned_data
                occurred = d["occurred_at"]
                if timezone.is_naive(occurred):
                    occurred = timezone.make_aware(occurred)
                r = services.report_submit(
                    kind=d["kind"],
                    what=d["what"],
                    occurred_at=occurred,
                    lat=d.get("lat"),
                    lon=d.get("lon"),
                    village=d.get("village"),
                    phone=d.get("phone") or "",
                    photo=_photo(form),
                    language=request.public_lang,
                )
                return render(request, "public/report_sent.html", _ctx(request, REPORT_LANGUAGES, code=r.code))
        except Refused as exc:
            return _refused(request, "public/report.html", ctx, exc)
        except DomainError as exc:
            field = (exc.details or {}).get("field")
            form.add_error(field if field in form.fields else None, exc.message)
        form.data = form.data.copy()
        form.data["form_token"] = form_token()
    return render(request, "public/report.html", ctx)


@public_language
def report_status(request: HttpRequest) -> HttpResponse:
    code = (request.GET.get("code") or "").strip().upper()[:12]
    r = queries.report_by_code(code) if code else None
    steps = []
    if r is not None:
        done = {s.status: s.at for s in r.steps.all()}
        steps = [{"label": s.label, "at": done.get(s.value), "current": s.value == r.status} for s in PUBLIC_STATUS_ORDER]
    ctx = _ctx(request, REPORT_LANGUAGES, code=code, code_param=code, r=r, steps=steps, not_found=bool(code) and r is None)
    return render(request, "public/report_status.html", ctx, status=404 if code and r is None else 200)


def not_found(request: HttpRequest) -> HttpResponse:
    raise Http404(_("Not found."))
