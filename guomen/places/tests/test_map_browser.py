"""The offline map in real Chromium: each layer's features are drawn, limited to the user's reach."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_map_draws_every_layer_within_the_users_reach_without_tiles(page, sign_in):
    from guomen.org.models import Unit
    from guomen.places.models import BorderSegment, Jurisdiction, Passage

    sign_in("ruili")
    ruili = "/530000/533100/533102/"
    n_segments = BorderSegment.objects.filter(county__path__startswith=ruili).count()
    n_ports = Passage.objects.filter(county__path__startswith=ruili, kind__endswith="_port").exclude(lon=None).count()
    n_passages = Passage.objects.filter(county__path__startswith=ruili, kind__in=["informal_path", "ford"]).count()
    n_villages = Jurisdiction.objects.filter(path__startswith=ruili, level="village").count()
    n_facilities = Unit.objects.filter(jurisdiction__path__startswith=ruili, kind="quarantine_facility").exclude(lon=None).count()
    assert min(n_segments, n_ports, n_passages, n_villages, n_facilities) > 0
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))

    page.goto(page.base_url + "/places/map/?date=2020-04-01")
    expect(page.locator("#map.gm-loaded")).to_have_count(1)
    expect(page.locator("path.gm-segment")).to_have_count(n_segments)
    expect(page.locator("img.leaflet-marker-icon.gm-port")).to_have_count(n_ports)
    expect(page.locator("img.leaflet-marker-icon.gm-port.gm-status-restricted")).to_have_count(
        n_ports
    )  # passenger traffic suspended on 1 April 2020
    expect(page.locator("path.gm-passage.gm-status-closed")).to_have_count(n_passages)
    expect(page.locator("path.gm-village")).to_have_count(n_villages)
    expect(page.locator("path.gm-facility")).to_have_count(n_facilities)
    expect(page.locator("path.gm-country")).to_have_count(4)
    expect(page.locator("path.gm-boundary").first).to_be_attached()
    expect(page.locator("img.leaflet-tile")).to_have_count(0)
    assert all(u.startswith(page.base_url) for u in requests), [u for u in requests if not u.startswith(page.base_url)]

    # Another date redraws the ports by their status then.
    page.fill("#map-date", "2020-03-01")
    page.dispatch_event("#map-date", "change")
    expect(page.locator("img.leaflet-marker-icon.gm-port.gm-status-open")).to_have_count(n_ports)

    # A popup links to the village's page.
    # Click, as a user does, a village whose centre is not under a marker or another shape, once
    # the map has stopped moving (a redraw may animate).
    page.wait_for_function(
        """() => new Promise((done) => {
            const p = document.querySelector("path.gm-village");
            const before = JSON.stringify(p.getBoundingClientRect());
            setTimeout(() => done(JSON.stringify(p.getBoundingClientRect()) === before), 400);
        })"""
    )
    index = page.evaluate(
        """() => [...document.querySelectorAll("path.gm-village")].findIndex((p) => {
            const r = p.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            return r.width > 0 && x > 0 && y > 0 && x < innerWidth && y < innerHeight
                && document.elementFromPoint(x, y) === p;
        })"""
    )
    assert index >= 0, "no village can be clicked on the map"
    page.locator("path.gm-village").nth(index).click()
    link = page.locator(".leaflet-popup-content a").first
    expect(link).to_have_attribute("href", re.compile(r"^/places/villages/533102\d{6}/$"))
    link.click()
    page.wait_for_url("**/places/villages/*/")
    expect(page.locator("h1")).to_contain_text("委员会")  # a real village committee of Ruili
    assert page.console_errors == []


def test_staff_map_draws_approved_public_notices_that_link_to_their_bulletin(page, sign_in):
    from guomen.places.models import Passage
    from guomen.public.tests.helpers import published

    port = Passage.objects.filter(code__icontains="ruili", lat__isnull=False).first()
    b = published(topic="port", passage=port)
    sign_in("ruili")
    page.goto(page.base_url + "/places/map/")
    expect(page.locator("#map.gm-loaded")).to_have_count(1)
    expect(page.locator("path.gm-notices")).to_have_count(1)
    # The port's marker stands on the same point: click the notice's lower edge, below the marker's tip.
    # Wait until the map has stopped moving (fitting the bounds animates), then click where it is.
    page.wait_for_function(
        """() => new Promise((done) => {
            const p = document.querySelector("path.gm-notices");
            const before = JSON.stringify(p.getBoundingClientRect());
            setTimeout(() => done(JSON.stringify(p.getBoundingClientRect()) === before), 400);
        })"""
    )
    # Click a point of the notice that no marker or other shape covers, as a user would.
    point = page.evaluate(
        """() => {
            const p = document.querySelector("path.gm-notices");
            const r = p.getBoundingClientRect();
            for (let fy = 0.95; fy > 0.05; fy -= 0.05)
                for (let fx = 0.5, k = 0; k < 19; k++, fx = 0.5 + (k % 2 ? 1 : -1) * Math.ceil(k / 2) * 0.05) {
                    const x = r.left + r.width * fx, y = r.top + r.height * fy;
                    if (document.elementFromPoint(x, y) === p) return [x, y];
                }
            return null;
        }"""
    )
    assert point, "the notice is covered everywhere"
    page.mouse.click(*point)
    link = page.locator(".leaflet-popup-content a").first
    expect(link).to_have_attribute("href", f"/public/bulletins/{b.public_id}/")
    assert page.console_errors == []
