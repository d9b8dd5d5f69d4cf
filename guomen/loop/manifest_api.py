"""The manifest endpoints of the loop's API: a file imported at once, or a large one in the background."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from guomen.core.schemas import ERRORS

from .api import _scope, _unit

router = Router(tags=["loop"])


class ManifestRow(Schema):
    row: int
    journey: str | None = None
    code: str | None = None
    reason: str | None = None
    field: str | None = None


class ManifestOut(Schema):
    rows: int
    taken: list[ManifestRow]
    unchanged: list[ManifestRow]
    rejected: list[ManifestRow]


@router.post("/manifests", response={200: ManifestOut, **ERRORS}, summary="Import a pre-arrival manifest (CSV or XLSX)")
def manifest(request: HttpRequest, port_unit: Form[str], file: File[UploadedFile]):
    from .manifest import manifest_import

    report = manifest_import(actor=request.auth, port_unit=_unit(request, port_unit), file_name=file.name or "", content=file.read())
    return report.as_dict()


class ManifestJobOut(Schema):
    id: str
    status: str = Field(description="queued, running, done or failed (refused whole: see error)")
    status_label: str
    file_name: str
    rows_total: int | None
    rows_read: int
    taken: int
    unchanged: int
    refused: int
    percent: int
    seconds_left: int | None
    time_left: str
    error: str
    finished: bool
    rejected: list[ManifestRow] = Field(default_factory=list, description="the refused rows with their reasons, once finished")


def _job_out(job: Any) -> dict[str, Any]:
    from .manifest_jobs import progress, refused_rows

    out = progress(job)
    if out["finished"]:
        out["rejected"] = [{k: r.get(k) for k in ("row", "code", "reason", "field")} for r in refused_rows(job)]
    return out


@router.post(
    "/manifests/jobs",
    response={202: ManifestJobOut, **ERRORS},
    summary="Import a large manifest in the background (the same file again answers the same job)",
)
def manifest_job_create(request: HttpRequest, port_unit: Form[str], file: File[UploadedFile]):
    from .manifest_jobs import job_submit

    job, _new = job_submit(
        actor=request.auth, port_unit=_unit(request, port_unit), file_name=file.name or "", chunks=file.chunks, size=file.size or 0
    )
    return Status(202, _job_out(job))


@router.get("/manifests/jobs/{uuid:job_id}", response={200: ManifestJobOut, **ERRORS}, summary="Progress of a background manifest import")
def manifest_job_read(request: HttpRequest, job_id: uuid.UUID):
    from .manifest_jobs import job_get

    return _job_out(job_get(_scope(request), job_id))
