"""The command map in real Chromium: a choropleth with a legend, labels that do not overlap, and a
click on a county that opens its own map with its villages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _overlaps(page) -> int:
    return page.evaluate(
        """() => {
        const r = [...document.querySelectorAll('.map-label:not(.gm-hidden)')].map((e) => e.getBoundingClientRect());
        let n = 0;
        for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++)
          if (!(r[i].right <= r[j].left || r[j].right <= r[i].left || r[i].bottom <= r[j].top || r[j].bottom <= r[i].top)) n++;
        return n;
      }"""
    )


def test_province_map_has_a_legend_and_clicking_ruili_opens_ruilis_villages(page, sign_in):
    from guomen.places.models import Jurisdiction

    page.set_viewport_size({"width": 1280, "height": 800})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    sign_in("province")
    page.goto(page.base_url + "/command/map/?figure=open")
    expect(page.locator("#command-map.gm-loaded")).to_have_count(1, timeout=30000)
    expect(page.locator("path.gm-county")).to_have_count(25)
    legend = page.locator("#map-legend")
    for part in ("#legend-fill", "#legend-segments", "#legend-passages", "#legend-symbols"):
        expect(legend.locator(part)).to_be_visible()
    expect(legend).to_contain_text("在管人员")  # the chosen figure, in Chinese
    expect(legend).to_contain_text("高风险")
    expect(legend).to_contain_text("限制通行")
    assert int(page.locator("#command-map").get_attribute("data-labels-shown")) > 0
    assert _overlaps(page) == 0
    assert all(u.startswith(page.base_url) for u in requests), "nothing is fetched from outside"

    page.locator("path.gm-county-533102").dispatch_event("click")  # under a label or a segment: the polygon's own click
    page.wait_for_url("**/command/map/?j=533102*")
    expect(page.locator("#command-map.gm-loaded")).to_have_count(1, timeout=30000)
    n = Jurisdiction.objects.filter(level="village", path__startswith="/530000/533100/533102/").count()
    expect(page.locator("path.gm-village")).to_have_count(n)
    expect(page.locator("#map-villages-count")).to_have_text(str(n))
    expect(page.locator("#map-villages-list")).to_contain_text("弄岛村民委员会")
    expect(page.locator(".map-label.village:not(.gm-hidden)").first).to_be_visible()
    assert _overlaps(page) == 0
    expect(page.locator("#map-legend")).to_contain_text("村委会")
    assert page.console_errors == []
