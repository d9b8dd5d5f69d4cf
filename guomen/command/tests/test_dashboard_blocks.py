"""The blocks other apps register for the dashboard are rendered with what a page's template may use."""

from __future__ import annotations

import re

import pytest
from django.template import engines

from guomen.core import registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def block_with_a_form():
    template = engines["django"].from_string(
        '<form method="post" id="block-form">{% csrf_token %}</form><p id="block-user">{{ request.user.username }}</p>'
    )
    block = registry.DashboardBlock(template, lambda scope, node: {}, order=99)
    registry.DASHBOARD.append(block)
    yield
    registry.DASHBOARD.remove(block)


def test_a_registered_block_gets_the_csrf_token_and_the_request(block_with_a_form, client_as):
    c = client_as("province")
    r = c.get("/command/")
    assert r.status_code == 200
    html = r.content.decode()
    form = re.search(r'<form method="post" id="block-form"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"></form>', html)
    assert form is not None, "the block's form has no CSRF token"
    assert '<p id="block-user">province</p>' in html
