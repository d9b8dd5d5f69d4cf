"""A page shows a link only when its view lets the user in (core.links: one rule for both)."""

from __future__ import annotations

import re

import pytest

from guomen.core.links import href, may_open

pytestmark = pytest.mark.django_db

PLACE_LINK = re.compile(r'href="(/places/[^"?#]+/)"')


def _place_links_open(client, url: str) -> list[str]:
    page = client.get(url)
    assert page.status_code == 200, url
    return [link for link in set(PLACE_LINK.findall(page.content.decode())) if client.get(link).status_code != 200]


def test_auditor_is_shown_no_dispatch_link_and_the_dispatch_page_refuses(client_as, user):
    web = client_as("auditor")
    for url in ("/command/", "/command/list/alerts/", "/command/list/segments/", "/command/list/handovers/"):
        assert "/command/tasks/new/" not in web.get(url).content.decode(), url
    assert web.get("/command/tasks/new/").status_code == 404
    assert not may_open(user("auditor"), "/command/tasks/new/?source=alert")


def test_county_command_is_shown_dispatch_links_it_can_follow(client_as, user):
    web = client_as("ruili")
    assert "/command/tasks/new/" in web.get("/command/list/segments/").content.decode()
    assert web.get("/command/tasks/new/").status_code == 200
    assert href(user("ruili"), "command:task_new") == "/command/tasks/new/"


def test_village_page_breadcrumb_links_only_a_reachable_parent(client_as, user):
    from guomen.places.models import Jurisdiction, Level
    from guomen.places.queries import grids

    worker = user("ruili_grid")
    village = grids(worker).first().village
    assert village.level == Level.VILLAGE
    web = client_as("ruili_grid")
    assert _place_links_open(web, f"/places/villages/{village.code}/") == []
    parent = Jurisdiction.objects.get(pk=village.parent_id)
    if not may_open(worker, f"/places/{parent.code}/"):
        assert f'href="/places/{parent.code}/"' not in web.get(f"/places/villages/{village.code}/").content.decode()


@pytest.mark.parametrize("username", ["ruili_port", "ruili_patrol", "ruili_grid", "ruili", "mohan_port"])
def test_passage_and_segment_pages_link_only_pages_the_user_reaches(client_as, user, username):
    from guomen.org.scoping import Scope
    from guomen.places.models import BorderSegment, Passage

    scope = Scope.of(user(username))
    web = client_as(username)
    for p in scope.filter(Passage.objects.filter(segment__isnull=False))[:5]:
        assert _place_links_open(web, f"/places/passages/{p.code}/") == [], p.code
    for s in scope.filter(BorderSegment.objects.all())[:3]:
        assert _place_links_open(web, f"/places/segments/{s.code}/") == [], s.code


def test_admin_is_not_shown_the_port_desk_forms_of_a_port_officer(client_as):
    web = client_as("admin")
    body = web.get("/loop/port/").content.decode()
    assert "/loop/port/register/" not in body and "/loop/port/manifest/" not in body
    assert web.get("/loop/port/register/").status_code == 403
    port = client_as("ruili_port").get("/loop/port/").content.decode()
    assert "/loop/port/register/" in port and "/loop/port/manifest/" in port
