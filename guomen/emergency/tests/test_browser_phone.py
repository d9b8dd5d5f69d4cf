"""The plans page on a phone: wide tables scroll in their box, the page itself never scrolls sideways."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_plans_page_fits_a_phone_in_both_languages(page, sign_in, all_plans):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("province")
    for lang in ("zh-hans", "en"):
        page.context.add_cookies([{"name": "django_language", "value": lang, "url": page.base_url}])
        page.goto(page.base_url + "/emergency/")
        assert page.locator("table").count() > 0
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 390, f"{lang}: the page is {width}px wide on a 390px phone"
