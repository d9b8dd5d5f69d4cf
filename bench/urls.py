"""The production URL conf plus ``POST /api/bench/noop``: a write that does nothing, behind the same
authentication and middleware, the baseline the ingest benchmark measures the check endpoints against.
It lives here so that the production API has no benchmark endpoint."""

from django.http import HttpRequest
from ninja import Router

from guomen.api import api

router = Router(tags=["bench"])


@router.post("/noop", response={200: dict}, summary="Does nothing: a baseline for measuring the write endpoints")
def noop(request: HttpRequest):
    return {"ok": True}


api.add_router("/bench", router)  # before the API's URLs are built, on the import below

from guomen.urls import urlpatterns  # noqa: E402, F401
