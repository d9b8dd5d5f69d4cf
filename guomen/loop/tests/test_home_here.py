"""A returnee found in the grid worker's own village stays at home there under monitoring: the
village committee keeps custody (no handover to itself), after a screening and only without
fever, symptoms or a positive result — those still go to hospital."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from guomen.lib.errors import DomainError
from guomen.loop import projection as proj
from guomen.loop import services as s
from guomen.loop import steps
from guomen.loop.models import Disposition, EventKind, Journey, State
from guomen.loop.tests.factories import person, u, who
from guomen.org.models import Role
from guomen.org.scoping import Scope

pytestmark = pytest.mark.django_db


def committee():
    return who("ruili_grid").memberships.get(role=Role.GRID_WORKER).unit


def returnee(client, name: str = "李返乡") -> Journey:
    village = committee().jurisdiction
    r = client.post(
        "/places/returnees/new/",
        {"village": village.pk, "name": name, "nationality": "CHN", "came_from_country": "MMR", "came_from": "木姐", "risk": "high"},
    )
    assert r.status_code == 302, r.content.decode()[:1500]
    return Journey.objects.get(person__name_native=name)


def page(client, j: Journey) -> str:
    return client.get(reverse("loop:journey", args=[j.code])).content.decode()


def primary(html: str) -> str | None:
    m = re.search(r'<section class="card step[^"]* primary" id="([a-z_]+)"', html)
    return m.group(1) if m else None


def test_the_grid_worker_keeps_their_own_returnee_at_home_as_the_guided_next_step(client_as):
    c = client_as("ruili_grid")
    j = returnee(c)
    assert primary(page(c, j)) == "screen"
    c.post(reverse("loop:act", args=[j.code, "screen"]), {"temperature": "36.6"})
    html = page(c, j)
    assert primary(html) == "home_here"
    assert "Stays at home here under monitoring" in html or "留在本村居家健康监测" in html
    r = c.post(reverse("loop:act", args=[j.code, "home_here"]), {"note": "家中独居"})
    assert r.status_code == 302
    j.refresh_from_db()
    assert j.state == State.HOME_MONITORING and j.custodian == committee() and j.pending_unit is None
    assert j.awaiting == "health_check" and j.due_at is not None and j.facts["monitoring_started_at"]
    disposed = j.events.get(kind=EventKind.DISPOSED)
    assert disposed.data["disposition"] == Disposition.HOME and disposed.data["here"] is True
    # the projection stored is the fold of the events
    events = [proj.Ev(e.seq, e.kind, e.occurred_at, e.unit_id, e.data) for e in j.events.order_by("seq")]
    assert proj.replay(events, s.rules_of(j), j.risk).state == State.HOME_MONITORING
    # the village desk lists them under monitoring with the daily check; the journey guides the check
    desk = c.get(reverse("loop:village")).content.decode()
    assert j.code in desk.split('id="monitoring"')[1]
    assert primary(page(c, j)) == "check"


def test_fever_still_sends_the_returnee_to_hospital_and_home_here_is_refused(client_as):
    c = client_as("ruili_grid")
    j = returnee(c)
    c.post(reverse("loop:act", args=[j.code, "screen"]), {"temperature": "38.4"})
    assert primary(page(c, j)) == "dispose"
    r = c.post(reverse("loop:act", args=[j.code, "home_here"]), {})
    assert r.status_code == 422
    assert "定点医院" in r.content.decode() or "hospital" in r.content.decode()
    j.refresh_from_db()
    assert j.state == State.INTERCEPTED and not j.events.filter(kind=EventKind.DISPOSED).exists()
    with pytest.raises(DomainError) as e:
        s.journey_dispose(actor=who("ruili_grid"), journey=j, disposition=Disposition.HOME, to_unit=j.custodian)
    assert e.value.code == "flagged_goes_to_hospital"


def test_home_here_needs_a_screening_first(client_as):
    c = client_as("ruili_grid")
    j = returnee(c)
    with pytest.raises(DomainError) as e:
        s.journey_dispose(actor=who("ruili_grid"), journey=j, disposition=Disposition.HOME, to_unit=j.custodian)
    assert e.value.code == "screen_first"
    j.refresh_from_db()
    assert j.state == State.INTERCEPTED and j.last_seq == 1


def test_only_a_village_committee_keeps_a_person_home_itself_and_only_its_own_members(client_as):
    port = u("port-ruili")
    j = s.journey_arrive(actor=who("ruili_port"), unit=port, person=person(), origin_country="MMR")
    s.journey_screen(actor=who("ruili_port"), journey=j, temperature=36.5)
    j = Journey.objects.select_related("custodian").get(pk=j.pk)
    assert "home_here" not in steps.allowed(Scope.of(who("ruili_port")), j)
    with pytest.raises(DomainError) as e:
        s.journey_dispose(actor=who("ruili_port"), journey=j, disposition=Disposition.HOME, to_unit=port)
    assert e.value.code == "not_a_village"
    c = client_as("ruili_grid")
    r = returnee(c, name="王返乡")
    s.journey_screen(actor=who("ruili_grid"), journey=r, temperature=36.5)
    with pytest.raises(PermissionDenied):
        s.journey_dispose(actor=who("mengla_grid"), journey=r, disposition=Disposition.HOME, to_unit=r.custodian)
    r.refresh_from_db()
    assert r.state == State.INTERCEPTED


def test_where_the_returnee_came_from_shows_on_the_journey_the_village_page_and_the_desk_in_both_languages(client_as):
    c = client_as("ruili_grid")
    j = returnee(c)
    assert (j.origin_country, j.origin_place) == ("MMR", "木姐")
    village = committee().jurisdiction
    for lang, country in (("zh-hans", "缅甸"), ("en", "Myanmar")):
        html = c.get(reverse("loop:journey", args=[j.code]), HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        assert re.search(rf'id="coming-from">{country} · 木姐<', html), lang
        listed = c.get(f"/places/villages/{village.code}/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        assert j.code in listed.split('id="found"')[1] and f"{country} · 木姐" in listed, lang
        desk = c.get(reverse("loop:village"), HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        assert f"{country} · 木姐" in desk.split('id="to-decide"')[1], lang


def test_over_the_api_a_village_records_where_a_person_came_from_and_keeps_them_home(api_as):
    import json

    grid = api_as("ruili_grid")
    p = person(unit_code=committee().code)

    def post(path, body):
        return grid.post(path, data=json.dumps(body), content_type="application/json")

    r = post(
        "/api/loop/interceptions",
        {"unit": committee().code, "person": str(p.public_id), "found_locally": True, "origin_country": "LAO", "origin_place": "磨丁"},
    )
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    j = Journey.objects.get(code=code)
    assert (j.origin_country, j.origin_place) == ("LAO", "磨丁")
    assert post(f"/api/loop/journeys/{code}/screenings", {"temperature": 36.4}).status_code == 201
    r = post(f"/api/loop/journeys/{code}/disposition", {"disposition": "home", "to_unit": committee().code})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "home_monitoring" and r.json()["custodian"] == committee().code


def test_a_village_journey_waits_for_a_decision_on_where_the_person_goes_not_at_the_gate(client_as):
    c = client_as("ruili_grid")
    j = returnee(c)
    en = c.get(reverse("loop:journey", args=[j.code]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "a decision on where the person goes" in en and "at the gate" not in en
    zh = c.get(reverse("loop:journey", args=[j.code]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "口岸" not in zh.split('id="status"')[1].split("</section>")[0]
    port = s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person(), origin_country="MMR")
    en = client_as("ruili_port").get(reverse("loop:journey", args=[port.code]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "a decision at the gate" in en


def test_an_english_journey_page_of_a_returnee_speaks_english_where_it_was_found(client_as):
    c = client_as("ruili_grid")
    j = returnee(c)
    timeline = c.get(reverse("loop:journey", args=[j.code]), HTTP_ACCEPT_LANGUAGE="en").content.decode().split('id="timeline"')[1]
    assert "Nongdao Village Committee" in timeline and committee().jurisdiction.name_zh not in timeline


def test_a_unit_picker_prefilled_with_a_code_shows_the_units_name_beside_it(client_as):
    from guomen.loop.forms import OfferForm
    from guomen.org.models import Unit

    units = Unit.objects.filter(code__in=[committee().code, "c533102-hotel1"])
    form = OfferForm(units=units, initial={"to_unit": committee().code}, picker=True)
    html = str(form["to_unit"])
    assert f'value="{committee().code}"' in html
    assert re.search(r'class="small muted unit-picked"[^>]*>[^<]*' + re.escape(committee().name), html)
