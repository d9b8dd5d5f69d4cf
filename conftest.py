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


def _trigger_sql():
    from importlib import import_module

    return import_module("guomen.loop.migrations.0002_custody_events_append_only")


@pytest.fixture(autouse=True)
def _append_only_events(request, django_db_blocker):
    """Put the SQLite append-only triggers back if a transactional test's flush took them away."""
    uses_db = "django_db_setup" in request.fixturenames or request.node.get_closest_marker("django_db")
    if not uses_db or "flushable_events" in request.fixturenames:
        return
    request.getfixturevalue("django_db_setup")
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "sqlite" or not connection.settings_dict["NAME"]:
            return
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE 'loop_custodyevent_%'")
            if cur.fetchone()[0] < 2:
                for sql in _trigger_sql().SQLITE_DROP + _trigger_sql().SQLITE:
                    cur.execute(sql)


@pytest.fixture
def flushable_events(transactional_db):
    """Transactional tests end with a flush. PostgreSQL's TRUNCATE passes the append-only trigger
    on custody events; SQLite's DELETE does not, so the trigger steps aside for the flush only."""
    from django.db import connection

    m = _trigger_sql()
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            for sql in m.SQLITE_DROP + m.SQLITE:
                cur.execute(sql)
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            for sql in m.SQLITE_DROP:
                cur.execute(sql)


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
