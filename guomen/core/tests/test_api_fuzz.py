"""A bounded schemathesis run over the OpenAPI document: generated requests (valid and invalid) to
every operation, with a demo user's token, answer without a server error and with a status code
the document declares. Writes land in the test transaction and are rolled back."""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("GUOMEN_FUZZ_EXAMPLES", "3"))  # per operation and mode
BUDGET_S = float(os.environ.get("GUOMEN_FUZZ_SECONDS", "85"))  # the whole run, whatever the count


def _schema():
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


def _run(username: str, api_as_token: str) -> list[str]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import status_code_conformance

    schema = _schema()
    problems: list[str] = []
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {api_as_token}"}
    for result in schema.get_all_operations():
        op = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if time.monotonic() - started > BUDGET_S:
                return problems

            @given(case=op.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def probe(case):
                response = case.call(headers=headers)
                for check in (not_a_server_error, status_code_conformance):
                    try:
                        case.validate_response(response, checks=[check], headers=headers)
                    except Exception as exc:  # one line per finding, the run goes on
                        line = f"{username} {case.method} {case.formatted_path} {case.meta.generation.mode.value if case.meta else ''}: {response.status_code} {type(exc).__name__}: {str(exc)[:300]}"
                        problems.append(line)

            try:
                probe()
            except Unsatisfiable:  # nothing to generate in this mode (e.g. no input to make invalid)
                continue
    return problems


@pytest.fixture
def keep_connection():
    """The WSGI handler closes the database connection after each request; the test transaction
    must survive, so the run does what Django's test client does: it keeps the connection open."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_generated_requests_cause_no_server_error_and_only_documented_statuses(world, user, keep_connection):
    from guomen.core.services import token_create

    _row, raw = token_create(user=user("ruili"), name="fuzz")
    problems = _run("ruili", raw)
    assert not problems, "\n".join(problems)
