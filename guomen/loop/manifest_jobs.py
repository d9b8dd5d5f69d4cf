"""Large manifests imported in the background by the database worker (``manage.py db_worker``, which
``manage.py serve`` and so ``make run`` start).

``job_submit`` keeps the upload in the database, sealed a megabyte at a time (never whole in
memory), and queues ``loop.tasks.manifest_job_run`` once the transaction commits. The worker writes
the file to a private temporary file, imports it through ``manifest.manifest_import`` (the same
checks, batches and outcomes as a file imported at once), records its progress after every batch,
keeps the refused rows sealed for the correction file, then deletes the upload. The same file sent
again to the same port answers the job already there: its rows are never declared twice (and each
row's own import is idempotent besides). A job is seen only inside the scope of its port.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.models import Role, Unit
from guomen.org.scoping import Scope

from .manifest import MAX_BYTES, ImportReport, manifest_import, too_large
from .models import ManifestChunk, ManifestJob, ManifestJobStatus, ManifestRefused

log = logging.getLogger(__name__)
CHUNK_BYTES = 1 << 20


def _fernet() -> Any:
    from guomen.people.crypto import fernet

    return fernet()


def _seal_json(value: Any) -> bytes:
    return _fernet().encrypt(json.dumps(value, default=str, ensure_ascii=False).encode("utf-8"))


def _unseal_json(data: Any) -> Any:
    return json.loads(_fernet().decrypt(bytes(data)).decode("utf-8"))


def job_submit(*, actor: Any, port_unit: Unit, file_name: str, chunks: Any, size: int) -> tuple[ManifestJob, bool]:
    """Keep an uploaded manifest for the worker and queue it: (the job, whether it is new).
    ``chunks()`` gives the file's bytes in pieces and may be called twice (an upload on disk)."""
    scope = Scope.of(actor)
    scope.require_write()
    scope.require_act_for(port_unit, Role.PORT_OFFICER)
    if size > MAX_BYTES:
        raise too_large()
    name = file_name or ""
    if "\x00" in name or not name.lower().endswith((".csv", ".xlsx")):
        raise DomainError("unsupported_file", _("Send a .csv or .xlsx file."), status=422)
    digest = hashlib.sha256()
    for piece in chunks():
        digest.update(piece)
    lookup = {"unit": port_unit, "digest": digest.hexdigest()}
    same = ManifestJob.objects.filter(**lookup).exclude(status=ManifestJobStatus.FAILED).first()
    if same is not None and _stalled(same):
        # its worker ended mid-way (a restart): it is closed, and the file imported again (a row taken is then "unchanged")
        ManifestJob.objects.filter(pk=same.pk).update(
            status=ManifestJobStatus.FAILED, error=_("The import stopped before the end; the file was sent again."), finished_at=clock.now()
        )
        ManifestChunk.objects.filter(job=same).delete()
    elif same is not None:
        return same, False
    try:
        with transaction.atomic():
            job = ManifestJob.objects.create(
                **lookup,
                jurisdiction_id=port_unit.jurisdiction_id,
                created_by=actor if getattr(actor, "pk", None) else None,
                language=translation.get_language() or settings.LANGUAGE_CODE,
                file_name=name[:200],
                size=size,
                created_at=clock.now(),
            )
            f = _fernet()
            for seq, piece in enumerate(_pieces(chunks())):
                ManifestChunk.objects.create(job=job, seq=seq, data=f.encrypt(piece))
            transaction.on_commit(lambda: _enqueue(job.pk))
    except IntegrityError:  # the same file, sent twice at once: the other request made the job
        return ManifestJob.objects.filter(**lookup).exclude(status=ManifestJobStatus.FAILED).get(), False
    return job, True


STALLED = timedelta(minutes=30)  # a running job with no batch written for this long has lost its worker


def _stalled(job: ManifestJob) -> bool:
    last = job.progress_at or job.started_at
    return job.status == ManifestJobStatus.RUNNING and last is not None and clock.now() - last > STALLED


def _pieces(chunks: Any) -> Iterator[bytes]:
    """The upload's pieces regrouped to ``CHUNK_BYTES`` each."""
    buf = b""
    for piece in chunks:
        buf += piece
        while len(buf) >= CHUNK_BYTES:
            yield buf[:CHUNK_BYTES]
            buf = buf[CHUNK_BYTES:]
    if buf:
        yield buf


def _enqueue(job_id: int) -> None:
    from .tasks import manifest_job_run

    manifest_job_run.enqueue(job_id)


class JobReport(ImportReport):
    """What a background import keeps: counters (written to the job after each batch) and the
    refused rows of the batch (sealed, one row of ``ManifestRefused`` a batch); nothing grows with the file."""

    def __init__(self, job: ManifestJob) -> None:
        super().__init__()
        self.job = job
        self.pending: list[dict[str, Any]] = []
        self.read = 0
        self.n_refused = 0

    def add(self, outcome: str, entry: dict[str, Any], rec: dict[str, Any] | None = None) -> None:
        self.read += 1
        if outcome == "rejected":
            self.n_refused += 1
            values = {k: (v.isoformat(sep=" ") if isinstance(v, datetime) else v) for k, v in (rec or {}).items()}
            self.pending.append({**entry, "values": values})
        elif outcome == "taken":
            self.n_taken += 1
        else:
            self.n_unchanged += 1

    def counted(self) -> None:
        ManifestJob.objects.filter(pk=self.job.pk).update(rows_total=self.rows)

    def batch_done(self) -> None:
        if self.pending:
            ManifestRefused.objects.create(
                job=self.job, first_row=self.pending[0]["row"], n=len(self.pending), data=_seal_json(self.pending)
            )
            self.pending = []
        ManifestJob.objects.filter(pk=self.job.pk).update(
            rows_read=self.read, n_taken=self.n_taken, n_unchanged=self.n_unchanged, n_refused=self.n_refused, progress_at=clock.now()
        )


def job_run(job_id: int) -> str:
    """The worker's side: import a queued job's file. A job already started or finished is left as it is."""
    claimed = ManifestJob.objects.filter(pk=job_id, status=ManifestJobStatus.QUEUED).update(
        status=ManifestJobStatus.RUNNING, started_at=clock.now()
    )
    if not claimed:
        return "skipped"
    job = ManifestJob.objects.select_related("unit__jurisdiction", "unit__passage", "created_by").get(pk=job_id)
    suffix = ".xlsx" if job.file_name.lower().endswith(".xlsx") else ".csv"
    status, error = ManifestJobStatus.DONE, ""
    with translation.override(job.language), tempfile.TemporaryDirectory(prefix="manifest-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        try:
            f = _fernet()
            with path.open("wb") as out:
                for data in ManifestChunk.objects.filter(job=job).order_by("seq").values_list("data", flat=True).iterator(chunk_size=4):
                    out.write(f.decrypt(bytes(data)))
            manifest_import(
                actor=job.created_by, port_unit=job.unit, file_name=job.file_name, content=path, source=job.file_name, report=JobReport(job)
            )
        except DomainError as e:
            status, error = ManifestJobStatus.FAILED, e.message
        except Exception:
            log.exception("manifest job %s failed", job.public_id)
            status, error = (
                ManifestJobStatus.FAILED,
                _("The import stopped on an unexpected error; the rows counted as taken are declared."),
            )
    ManifestChunk.objects.filter(job=job).delete()  # the rows are declared or refused: the upload is no longer needed
    ManifestJob.objects.filter(pk=job.pk).update(status=status, error=error, finished_at=clock.now())
    return status


def job_get(scope: Scope, public_id: Any) -> ManifestJob:
    """A job inside the scope, or 404."""
    return scope.get(ManifestJob.objects.select_related("unit"), public_id=public_id)


def jobs_recent(scope: Scope, limit: int = 10) -> list[ManifestJob]:
    return list(scope.filter(ManifestJob.objects.select_related("unit")).order_by("-created_at")[:limit])


def progress(job: ManifestJob) -> dict[str, Any]:
    """What the page shows and polls: rows read, taken, unchanged, refused, the share done and the time left."""
    job.refresh_from_db()
    total, read = job.rows_total, job.rows_read
    left: int | None = None
    if job.status == ManifestJobStatus.RUNNING and total and read and job.started_at:
        spent = (clock.now() - job.started_at).total_seconds()
        left = max(0, round(spent / read * (total - read)))
    elif job.status in (ManifestJobStatus.DONE, ManifestJobStatus.FAILED):
        left = 0
    return {
        "id": str(job.public_id),
        "status": job.status,
        "status_label": str(ManifestJobStatus(job.status).label),
        "file_name": job.file_name,
        "rows_total": total,
        "rows_read": read,
        "taken": job.n_taken,
        "unchanged": job.n_unchanged,
        "refused": job.n_refused,
        "percent": 100 if job.status == ManifestJobStatus.DONE else (round(100 * read / total) if total else 0),
        "seconds_left": left,
        "time_left": _duration(left),
        "error": job.error,
        "finished": job.status in (ManifestJobStatus.DONE, ManifestJobStatus.FAILED),
    }


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return _("estimating…")
    t = timedelta(seconds=seconds)
    minutes, secs = divmod(int(t.total_seconds()), 60)
    return _("%(m)d min %(s)02d s") % {"m": minutes, "s": secs} if minutes else _("%(s)d s") % {"s": secs}


def refused_rows(job: ManifestJob) -> Iterator[dict[str, Any]]:
    """The job's refused rows in file order, one batch in memory at a time."""
    for data in ManifestRefused.objects.filter(job=job).order_by("first_row").values_list("data", flat=True).iterator(chunk_size=8):
        yield from _unseal_json(data)
