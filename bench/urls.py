"""The production URL conf plus the benchmarks' references, behind the same middleware:

- ``POST /api/bench/noop``: a write that does nothing, through the API (ninja) with its
  authentication — the baseline the ingest benchmark measures the check endpoints against;
- ``POST /bench/bare``: a plain Django view that authenticates the caller exactly as the API does
  (the same ``TokenAuth``) and answers the same JSON — what the no-op costs without the API layer;
- ``GET /bench/signed-in``: a page that only requires a signed-in user (session, user) and answers
  a few bytes — the reference the command dashboard is measured against;
- ``POST /api/bench/checks-read-apart/{code}``: the single check's own view behind the API's plain
  authentication, so that the journey is read in a statement of its own after the token's lookup
  instead of in it — what the single check cost before its read travelled with the token.

They live here so that the production URL conf has no benchmark endpoint."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from ninja import Router

from guomen.api import api
from guomen.core.apiauth import AUTH, TokenAuth
from guomen.core.schemas import ERRORS
from guomen.loop import api as loop_api

router = Router(tags=["bench"])


@router.post("/noop", response={200: dict}, summary="Does nothing: a baseline for measuring the write endpoints")
def noop(request: HttpRequest):
    return {"ok": True}


router.post(
    "/checks-read-apart/{code}",
    response={201: loop_api.EventOut, **ERRORS},
    auth=AUTH,
    operation_id="bench_checks_read_apart",
    url_name="bench_checks_read_apart",
    summary="The single check with its journey read apart from the token's lookup (a reference)",
)(loop_api.check)

api.add_router("/bench", router)  # before the API's URLs are built, on the import below

_token = TokenAuth()


@csrf_exempt  # a bearer token, as the API: no cookie, no CSRF
@require_POST
def bare(request: HttpRequest) -> HttpResponse:
    if _token(request) is None:  # the API's own check of the Authorization header
        return JsonResponse({"detail": "Unauthorized"}, status=401)
    return JsonResponse({"ok": True})


@require_GET
@login_required
def signed_in(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


from guomen.urls import urlpatterns as _production  # noqa: E402

urlpatterns = [path("bench/bare", bare), path("bench/signed-in", signed_in), *_production]
