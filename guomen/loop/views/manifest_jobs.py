"""A manifest imported in the background: its page (a progress bar the page polls), the progress as
JSON, and its refused rows as CSV or XLSX to correct and upload again. Only the port's scope sees a job."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from guomen.core.links import opens_for
from guomen.org.models import Role
from guomen.org.scoping import Scope

from .. import access
from ..manifest_files import refused_csv_stream, refused_xlsx
from ..manifest_jobs import job_get, progress, refused_rows
from .plumbing import _require_role, loop_page


def _job(request: HttpRequest, public_id: Any) -> Any:
    scope = Scope.of(request.user)
    _require_role(scope, Role.PORT_OFFICER)
    return job_get(scope, public_id)


@loop_page
@opens_for(access.sees_manifest_job)
def manifest_job(request: HttpRequest, public_id: Any) -> HttpResponse:
    job = _job(request, public_id)
    return render(request, "loop/manifest_job.html", {"job": job, "p": progress(job)})


@loop_page
@opens_for(access.sees_manifest_job)
def manifest_job_progress(request: HttpRequest, public_id: Any) -> HttpResponse:
    response = JsonResponse(progress(_job(request, public_id)))
    response["Cache-Control"] = "no-store"
    return response


@loop_page
@opens_for(access.sees_manifest_job)
def manifest_job_refused(request: HttpRequest, public_id: Any, fmt: str) -> HttpResponse:
    """The refused rows as sent, with their row and reason, headers in the page's language."""
    job = _job(request, public_id)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    language = get_language() or "zh-hans"
    name = f"manifest-refused-{str(job.public_id)[:8]}.{fmt}"
    if fmt == "csv":
        response: HttpResponse = StreamingHttpResponse(
            refused_csv_stream(refused_rows(job), language), content_type="text/csv; charset=utf-8"
        )
    else:
        tmp = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - FileResponse closes it
        tmp.close()
        refused_xlsx(refused_rows(job), language, tmp.name)
        handle = Path(tmp.name).open("rb")  # noqa: SIM115 - FileResponse closes it
        Path(tmp.name).unlink()  # the open handle keeps the file readable; nothing stays on disk
        response = FileResponse(handle, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
