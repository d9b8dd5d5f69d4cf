"""A manifest imported in the background, watched in Chromium: the page shows the job queued, polls
its progress while the worker imports it, then offers the refused rows, whose CSV download carries
the reason in the page's language."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import expect

from guomen.loop.models import Journey, ManifestJob
from guomen.loop.tests.factories import ahead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def content() -> bytes:
    lines = ["name_native,nationality,document_kind,document_number,expected_at"]
    lines += [f"岩温{i},MMR,passport,MW{i:07d},{'2019-04-02 10:30' if i == 7 else ahead() + ' 10:30'}" for i in range(40)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(("lang", "status", "reason"), [("zh-hans", "已完成", "过早"), ("en", "Done", "too far in the past")])
def test_the_job_page_follows_the_worker_and_offers_the_refused_rows(page, sign_in, tmp_path, lang, status, reason):
    # the queue in the database and its worker, as `make run` has them (tests otherwise run tasks at once)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}, GUOMEN_MANIFEST_BACKGROUND_BYTES=0):
        _watch(page, sign_in, tmp_path, lang, status, reason)


def _watch(page, sign_in, tmp_path, lang, status, reason):
    file = tmp_path / "lao.csv"
    file.write_bytes(content())
    sign_in("mohan_port")
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": page.base_url}])
    page.goto(f"{page.base_url}/loop/port/manifest/")
    page.set_input_files("#id_file", str(file))
    with page.expect_navigation():
        page.locator("#manifest-form button[type=submit]").click()
    job = ManifestJob.objects.get()
    assert page.url.endswith(f"/loop/port/manifest/jobs/{job.public_id}/") and job.status == "queued"
    expect(page.locator("#job-read")).to_have_text("0")
    expect(page.locator("#job-downloads")).to_be_hidden()

    call_command("db_worker", "--batch", "--no-startup-delay")  # the worker empties the queue; the page learns of it by polling
    expect(page.locator("#job-status")).to_have_text(status, timeout=20000)
    expect(page.locator("#job-read")).to_have_text("40")
    expect(page.locator("#job-taken")).to_have_text("39")
    expect(page.locator("#job-refused")).to_have_text("1")
    assert page.locator("#job-bar").evaluate("el => el.value") == 100
    expect(page.locator("#job-downloads")).to_be_visible()

    with page.expect_download() as got:
        page.locator("#job-refused-csv").click()
    rows = list(csv.reader(io.StringIO(Path(got.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == 2 and rows[1][-2] == "9" and reason in rows[1][-1]
    assert Journey.objects.filter(custodian__code="port-mohan").count() == 39
    assert ManifestJob.objects.get(pk=job.pk).status == "done"
    assert not page.console_errors
