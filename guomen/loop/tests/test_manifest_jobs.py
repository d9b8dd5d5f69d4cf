"""A large manifest is imported in the background: the upload is kept sealed in the database, the
page polls its progress, the refused rows come back as CSV or XLSX with their reason in the user's
language and can be corrected and sent again; the same file twice is one job; only the port's scope
sees the job."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from guomen.lib import clock
from guomen.loop.manifest_jobs import progress
from guomen.loop.models import Journey, ManifestChunk, ManifestJob, ManifestRefused
from guomen.loop.tests.factories import ahead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("background")]
RUN = {}  # the test's capture of on-commit callbacks: the commit queues the task, which runs at once in tests
AHEAD = ahead()
HEADER = "name_native,nationality,document_kind,document_number,expected_at"


@pytest.fixture
def background(django_capture_on_commit_callbacks):
    RUN["capture"] = django_capture_on_commit_callbacks
    with override_settings(GUOMEN_MANIFEST_BACKGROUND_BYTES=0):  # every file goes to the worker
        yield


def manifest(n: int = 30, bad: tuple[int, ...] = (4, 9)) -> bytes:
    """n rows; the rows at the indexes in ``bad`` are expected years ago."""
    lines = [HEADER]
    for i in range(n):
        at = "2019-04-02 10:30" if i in bad else f"{AHEAD} 1{i % 10}:30"
        lines.append(f"岩温{i},MMR,passport,MJ{i:07d},{at}")
    return ("\n".join(lines) + "\n").encode()


def send(c, content: bytes, name: str = "big.csv", lang: str = "en"):
    """Upload through the page; the transaction's commit queues the import and the worker runs it."""
    with RUN["capture"](execute=True):
        return c.post(reverse("loop:manifest"), {"file": SimpleUploadedFile(name, content)}, HTTP_ACCEPT_LANGUAGE=lang)


def poll(c, job, lang="en"):
    r = c.get(reverse("loop:manifest_job_progress", args=[job.public_id]), HTTP_ACCEPT_LANGUAGE=lang)
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    return r.json()


@pytest.mark.parametrize(("lang", "reason", "extra"), [("en", "too far in the past", "refused_because"), ("zh-hans", "过早", "拒收原因")])
def test_a_large_file_is_queued_sealed_then_imported_by_the_worker_with_its_progress_and_refused_rows(
    client_as, django_capture_on_commit_callbacks, lang, reason, extra
):
    c = client_as("mohan_port")
    content = manifest()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        r = c.post(reverse("loop:manifest"), {"file": SimpleUploadedFile("big.csv", content)}, HTTP_ACCEPT_LANGUAGE=lang)
    job = ManifestJob.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("loop:manifest_job", args=[job.public_id])
    # kept in the database, sealed: no document number readable at rest, and nothing declared yet
    stored = b"".join(bytes(d) for d in ManifestChunk.objects.filter(job=job).values_list("data", flat=True))
    assert stored and b"MJ0000001" not in stored
    assert poll(c, job, lang) | {} == poll(c, job, lang) and poll(c, job, lang)["status"] == "queued"
    assert not Journey.objects.filter(custodian__code="port-mohan").exists()
    page = c.get(r["Location"], HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert 'id="job-bar"' in page and "big.csv" in page and "manifest_job.js" in page

    for callback in queued:  # the commit queues the task; in tests the task backend runs it at once
        callback()
    p = poll(c, job, lang)
    assert (p["status"], p["rows_total"], p["rows_read"], p["taken"], p["refused"], p["percent"], p["finished"]) == (
        "done",
        30,
        30,
        28,
        2,
        100,
        True,
    )
    assert Journey.objects.filter(custodian__code="port-mohan").count() == 28
    assert not ManifestChunk.objects.filter(job=job).exists()  # the upload is gone once read

    got = c.get(reverse("loop:manifest_job_refused", args=[job.public_id, "csv"]), HTTP_ACCEPT_LANGUAGE=lang)
    assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(got.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-1] == extra and [r[-2] for r in rows[1:]] == ["6", "11"] and all(reason in r[-1] for r in rows[1:])
    assert "MJ0000004" in rows[1]

    x = c.get(reverse("loop:manifest_job_refused", args=[job.public_id, "xlsx"]), HTTP_ACCEPT_LANGUAGE=lang)
    sheet = load_workbook(io.BytesIO(b"".join(x.streaming_content)), read_only=True).active
    values = [list(v) for v in sheet.iter_rows(values_only=True)]
    assert values[0][-1] == extra and len(values) == 3 and reason in values[1][-1] and "MJ0000009" in values[2]


def test_the_refused_rows_corrected_and_sent_again_are_taken(client_as):
    c = client_as("mohan_port")
    send(c, manifest())
    job = ManifestJob.objects.get()
    x = c.get(reverse("loop:manifest_job_refused", args=[job.public_id, "xlsx"]))
    wb = load_workbook(io.BytesIO(b"".join(x.streaming_content)))
    ws = wb.active
    col = [cell.value for cell in ws[1]].index("预计入境时间") + 1
    for row in range(2, ws.max_row + 1):
        ws.cell(row=row, column=col, value=f"{AHEAD} 09:00")  # the correction
    out = io.BytesIO()
    wb.save(out)
    r = send(c, out.getvalue(), name="corrected.xlsx")
    again = ManifestJob.objects.get(file_name="corrected.xlsx")
    assert r.status_code == 302 and progress(again)["taken"] == 2 and progress(again)["refused"] == 0
    assert Journey.objects.filter(custodian__code="port-mohan").count() == 30


def test_the_same_file_sent_again_is_the_same_job_and_declares_nothing_twice(client_as):
    c = client_as("mohan_port")
    first = send(c, manifest())
    journeys = Journey.objects.count()
    second = send(c, manifest())
    assert ManifestJob.objects.count() == 1 and second["Location"] == first["Location"]
    assert Journey.objects.count() == journeys


def test_a_file_refused_whole_says_why_and_may_be_sent_again(client_as):
    c = client_as("mohan_port")
    send(c, b"name,phone\nx,1\n", lang="en")
    job = ManifestJob.objects.get()
    p = poll(c, job)
    assert p["status"] == "failed" and "Columns missing" in p["error"] and p["finished"]
    send(c, b"name,phone\nx,1\n")
    assert ManifestJob.objects.count() == 2  # a job refused whole does not hold the file back


def test_only_the_ports_scope_sees_the_job_and_its_refused_rows(client_as, client):
    c = client_as("mohan_port")
    send(c, manifest())
    job = ManifestJob.objects.get()
    assert ManifestRefused.objects.filter(job=job).exists()
    other = client_as("ruili_port")  # a port officer of another port
    for url in (
        reverse("loop:manifest_job", args=[job.public_id]),
        reverse("loop:manifest_job_progress", args=[job.public_id]),
        reverse("loop:manifest_job_refused", args=[job.public_id, "csv"]),
        reverse("loop:manifest_job_refused", args=[job.public_id, "xlsx"]),
    ):
        assert other.get(url).status_code == 404, url
    assert "big.csv" not in other.get(reverse("loop:manifest")).content.decode()
    mohan = client_as("mohan_port").get(reverse("loop:manifest")).content.decode()
    assert "big.csv" in mohan and reverse("loop:manifest_job", args=[job.public_id]) in mohan


def test_time_left_is_estimated_from_the_rows_read_so_far(world, django_capture_on_commit_callbacks, client_as):
    c = client_as("mohan_port")
    with django_capture_on_commit_callbacks(execute=False):
        c.post(reverse("loop:manifest"), {"file": SimpleUploadedFile("big.csv", manifest())})
    job = ManifestJob.objects.get()
    ManifestJob.objects.filter(pk=job.pk).update(
        status="running", started_at=clock.now() - timedelta(seconds=60), rows_total=400, rows_read=100
    )
    p = poll(c, job)
    assert p["percent"] == 25 and 170 <= p["seconds_left"] <= 190 and p["time_left"].startswith("3 min")


def test_the_api_queues_a_large_manifest_and_answers_its_progress_in_the_callers_scope(api_as, django_capture_on_commit_callbacks):
    mohan = api_as("mohan_port")

    def post():
        f = io.BytesIO(manifest())
        f.name = "big.csv"
        with django_capture_on_commit_callbacks(execute=True):
            return mohan.post("/api/loop/manifests/jobs", {"port_unit": "port-mohan", "file": f}, HTTP_ACCEPT_LANGUAGE="en")

    r = post()
    assert r.status_code == 202, r.content
    job_id = r.json()["id"]
    got = mohan.get(f"/api/loop/manifests/jobs/{job_id}").json()
    assert (got["status"], got["rows_read"], got["taken"], got["refused"]) == ("done", 30, 28, 2)
    assert [(x["row"], x["code"]) for x in got["rejected"]] == [(6, "expected_at_past"), (11, "expected_at_past")]
    assert "too far in the past" in got["rejected"][0]["reason"]
    assert post().json()["id"] == job_id and ManifestJob.objects.count() == 1  # the same file: the same job
    assert api_as("ruili_port").get(f"/api/loop/manifests/jobs/{job_id}").status_code == 404


def test_a_job_whose_worker_stopped_mid_way_is_closed_when_the_file_is_sent_again(client_as, django_capture_on_commit_callbacks):
    c = client_as("mohan_port")
    with django_capture_on_commit_callbacks(execute=False):
        c.post(reverse("loop:manifest"), {"file": SimpleUploadedFile("big.csv", manifest())})
    stuck = ManifestJob.objects.get()
    ManifestJob.objects.filter(pk=stuck.pk).update(status="running", started_at=clock.now() - timedelta(hours=2))
    send(c, manifest())
    stuck.refresh_from_db()
    assert stuck.status == "failed" and stuck.error and not ManifestChunk.objects.filter(job=stuck).exists()
    again = ManifestJob.objects.exclude(pk=stuck.pk).get()
    assert again.status == "done" and again.n_taken == 28
    # a job still moving is not taken for stopped
    ManifestJob.objects.filter(pk=again.pk).update(status="running", progress_at=clock.now())
    send(c, manifest())
    assert ManifestJob.objects.count() == 2
