"""Keyboard users reach the content first: a skip link is the first thing on every page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/loop/port/"])
def test_the_first_link_of_the_page_skips_to_the_content(client_as, path):
    html = client_as("ruili_port").get(path).content.decode()
    body = html.split("<body", 1)[1]
    first_link = body.split("<a ", 1)[1]
    assert first_link.startswith('class="skip-link" href="#main"')
    assert '<main id="main" tabindex="-1">' in html
