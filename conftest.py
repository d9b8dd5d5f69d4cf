"""Fixtures for the whole suite. The demo world (real Yunnan geography, demo units and users)
is loaded once per test database and shared read-only; each test runs in a transaction."""

from __future__ import annotations

import pytest
from django.core.management import call_command


def _load_demo() -> None:
    from auditlog.context import disable_auditlog

    from guomen.core import registry

    with disable_auditlog():
        for step in registry.DEMO_STEPS:
            if step.order < 30:  # reference, places, units, users: not the generated loop history
                step.run()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _load_demo()


@pytest.fixture
def world(db):
    """The demo world, reloaded if a transactional (browser) test flushed it."""
    from guomen.places.models import Jurisdiction

    if not Jurisdiction.objects.exists():
        _load_demo()


@pytest.fixture
def user(db):
    from django.contrib.auth import get_user_model

    def get(username: str):
        return get_user_model().objects.get(username=username)

    return get


@pytest.fixture
def client_as(client, world, user):
    """A Django test client signed in as a demo user: ``client_as("ruili")``."""

    def sign_in(username: str):
        client.force_login(user(username))
        return client

    return sign_in


@pytest.fixture
def api_as(world, user):
    """A client that calls the API with a personal token of the demo user."""
    from django.test import Client

    from guomen.core.services import token_create

    def make(username: str) -> Client:
        _row, raw = token_create(user=user(username), name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


@pytest.fixture
def call():
    return call_command


# --- browser tests (real Chromium through Playwright) ------------------------------------------
@pytest.fixture(scope="session")
def chromium():
    import os

    from guomen.browser import ARGS, CHROMIUM, chromium_available

    if not chromium_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing at {CHROMIUM}: CI runs the browser tests, never skips them")
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (as root on Debian, `make test` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def chromium_with(chromium):
    """Another Chromium with extra command-line flags (a fake camera, say), closed after the test:
    ``chromium_with(["--use-fake-device-for-media-stream"])``."""
    from guomen.browser import ARGS, CHROMIUM

    opened = []

    def launch(extra: list[str]):
        browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=[*ARGS, *extra], headless=True)
        opened.append(browser)
        return browser

    yield launch
    for browser in opened:
        browser.close()


@pytest.fixture(autouse=True)
def _append_only_in_place(request, django_db_blocker):
    """A database test starts only on tables that are append-only as the migrations leave them.
    This checks (with the system check's own function) and never repairs: see ``flushable_events``."""
    if "django_db_setup" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("django_db_setup")
    from django.db import connection

    from guomen.core import append_only

    with django_db_blocker.unblock():
        gaps = {rule.table: append_only.missing(connection, rule.table) for rule in append_only.rules()}
    gaps = {table: names for table, names in gaps.items() if names}
    assert not gaps, f"append-only rule missing before the test: {gaps}"


@pytest.fixture
def flushable_events(transactional_db):
    """Let the flush that ends a transactional (browser) test through the append-only rule.

    Such a test cannot roll back; Django empties every table after it (``flush``: DELETE on SQLite,
    TRUNCATE on PostgreSQL), which the rule on custody events and the access audit refuses, as it
    must in normal operation. This fixture depends on ``transactional_db``, so its teardown runs
    just before that flush: it drops the rule's triggers, and nothing runs between the drop and the
    flush. The flush then sends ``post_migrate``, the signal every ``migrate`` sends, and its
    receiver ``core.append_only.restore`` re-creates the rule — the same mechanism that keeps the
    rule in production after a migration that rebuilds a table on SQLite. So the rule is stepped
    aside for the flush alone and is back by the production mechanism, not by a fixture; the next
    test's ``_append_only_in_place`` verifies it (a failed flush fails the next test instead of
    letting it run on a database that differs from the migrated one).
    """
    yield
    from django.db import connection

    from guomen.core import append_only

    for rule in append_only.rules():
        append_only.drop(connection, rule.table)


@pytest.fixture
def page(chromium, live_server, transactional_db, flushable_events, world):
    """A fresh browser page (phone-sized, Chinese by default) against the live test server."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.base_url = live_server.url
    pg.console_errors = errors
    yield pg
    context.close()


@pytest.fixture
def sign_in(page):
    from guomen.org.demo import DEMO_PASSWORD

    def go(username: str, password: str = DEMO_PASSWORD):
        page.goto(page.base_url + "/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(page.base_url + "/")
        return page

    return go


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the default language: a request through LocaleMiddleware leaves its
    language active in the thread, which would leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
