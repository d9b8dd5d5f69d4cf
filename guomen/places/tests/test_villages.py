"""Villages and grids: status history, grids without a worker, returnees found locally, public self-declaration."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from guomen.lib.errors import DomainError
from guomen.org.models import Role
from guomen.places.models import DeclarationState, Grid, Jurisdiction, Level, SelfDeclaration, VillageStatus, VillageStatusKind
from guomen.places.services import village_status_on, village_status_set

CST = dt.timezone(dt.timedelta(hours=8))
pytestmark = pytest.mark.django_db


def grid_village(user):
    """The village whose committee the demo grid worker ruili_grid belongs to."""
    m = user("ruili_grid").memberships.get(role=Role.GRID_WORKER)
    return m.unit.jurisdiction


def test_every_village_has_1_to_3_demo_grids_and_some_grids_have_no_worker(world):
    for v in Jurisdiction.objects.filter(level=Level.VILLAGE).prefetch_related("grids"):
        assert 1 <= len(v.grids.all()) <= 3, v.code
    assert Grid.objects.filter(worker__isnull=True).exists()
    assert Grid.objects.filter(worker__isnull=False).count() > Grid.objects.filter(worker__isnull=True).count()


def test_grids_without_worker_report_lists_only_those_within_reach(client_as):
    unnamed = Grid.objects.filter(worker__isnull=True).select_related("village")
    ruili = [g for g in unnamed if g.village.path.startswith("/530000/533100/533102/")]
    mengla = [g for g in unnamed if g.village.path.startswith("/530000/532800/532823/")]
    assert ruili and mengla
    page = client_as("ruili").get("/places/grids/without-worker/").content.decode()
    assert all(g.name in page for g in ruili)
    assert not any(g.name in page for g in mengla)
    named = Grid.objects.filter(worker__isnull=False, village__path__startswith="/530000/533100/533102/").first()
    assert named.name not in page


def test_village_status_history_closes_the_previous_period(world, user):
    v = Jurisdiction.objects.filter(level=Level.VILLAGE, code__startswith="533102").order_by("code").first()
    t1 = dt.datetime(2020, 4, 5, tzinfo=CST)
    t2 = dt.datetime(2020, 5, 1, tzinfo=CST)
    village_status_set(
        actor=user("ruili"), village=v, status=VillageStatusKind.CLOSED_MANAGEMENT, valid_from=t1, entrance_posts=2, reason="返乡人员增多"
    )
    village_status_set(actor=user("ruili"), village=v, status=VillageStatusKind.OPEN, valid_from=t2, reason="解除封闭")
    rows = list(VillageStatus.objects.filter(village=v).order_by("valid_from"))
    assert [r.valid_to for r in rows[-2:]] == [t2, None]
    assert all(a.valid_to == b.valid_from for a, b in itertools.pairwise(rows) if a.valid_to)
    assert village_status_on(v, dt.datetime(2020, 4, 20, tzinfo=CST)).entrance_posts == 2
    assert village_status_on(v, dt.datetime(2020, 5, 2, tzinfo=CST)).status == VillageStatusKind.OPEN
    with pytest.raises(DomainError):  # closed management keeps an entrance post
        village_status_set(actor=user("ruili"), village=v, status="closed_management", valid_from=t2 + dt.timedelta(days=1), reason="x")
    with pytest.raises(PermissionDenied):
        village_status_set(actor=user("mengla"), village=v, status="open", valid_from=t2 + dt.timedelta(days=2), reason="x")
    page = Client()
    page.force_login(user("ruili"))
    html = page.get(f"/places/villages/{v.code}/").content.decode()
    assert "返乡人员增多" in html and "解除封闭" in html


def test_village_page_shows_grids_workers_and_people_under_home_monitoring(client_as, user):
    from guomen.loop import services as loop
    from guomen.org.models import Unit
    from guomen.people.services import person_register

    village = grid_village(user)
    committee = Unit.objects.get(jurisdiction=village, kind="village_committee")
    port = Unit.objects.get(code="port-ruili")
    person = person_register(actor=user("ruili_port"), unit=port, name_native="岩温监测", nationality="CHN")
    j = loop.journey_arrive(actor=user("ruili_port"), unit=port, person=person, destination=village)
    loop.journey_dispose(actor=user("ruili_port"), journey=j, disposition="home", to_unit=committee)
    loop.handover_accept(actor=user("ruili_grid"), journey=j, unit=committee, card_code=j.code)
    html = client_as("ruili_grid").get(f"/places/villages/{village.code}/").content.decode()
    assert j.code in html
    for g in village.grids.all():
        assert g.name in html
    assert user("ruili_grid").get_full_name() in html
    assert client_as("ruili_grid").get("/places/villages/532823102201/").status_code == 404


def test_grid_worker_reports_a_returnee_found_locally_as_a_journey_in_village_custody(client_as, user):
    from guomen.loop.models import Journey, Origin

    village = grid_village(user)
    r = client_as("ruili_grid").post(
        "/places/returnees/new/",
        {
            "village": village.pk,
            "name": "李返乡",
            "phone": "13800000000",
            "nationality": "CHN",
            "came_from_country": "MMR",
            "came_from": "木姐",
            "risk": "high",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    j = Journey.objects.get(person__name_native="李返乡")
    assert j.origin == Origin.FOUND_LOCALLY
    assert j.custodian.jurisdiction == village and j.custodian.kind == "village_committee"


def _declaration(village, **extra):
    data = {
        "name": "张自报",
        "phone": "13900001111",
        "county": village.parent.parent.code,
        "village": village.code,
        "came_from_country": "MMR",
        "came_from": "缅甸木姐",
        "returned_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
    }
    return data | extra


def test_public_self_declaration_needs_no_sign_in_and_the_grid_worker_confirms_it_into_a_journey(world, user, client):
    from guomen.loop.models import Journey, Origin

    cache.clear()
    village = grid_village(user)
    assert client.get("/places/declare/").status_code == 200
    r = client.post("/places/declare/", _declaration(village))
    assert r.status_code == 302 and r["Location"].endswith("/places/declare/thanks/")
    d = SelfDeclaration.objects.get(name="张自报")
    assert d.state == DeclarationState.PENDING and d.village == village
    worker = Client()
    worker.force_login(user("ruili_grid"))
    assert "张自报" in worker.get("/places/declarations/").content.decode()
    assert worker.post(f"/places/declarations/{d.public_id}/confirm/").status_code == 302
    d.refresh_from_db()
    assert d.state == DeclarationState.CONFIRMED
    j = Journey.objects.get(code=d.journey_code)
    assert j.origin == Origin.FOUND_LOCALLY and j.custodian.jurisdiction == village
    other = Client()
    other.force_login(user("mengla_grid"))
    assert other.post(f"/places/declarations/{d.public_id}/confirm/").status_code == 404


def test_public_self_declaration_refuses_bad_input_with_a_translated_error(world, user, client):
    cache.clear()
    village = grid_village(user)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    r = client.post("/places/declare/", _declaration(village, returned_on=future), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 200
    assert "返回日期不能晚于今天。" in r.content.decode()
    r = client.post("/places/declare/", _declaration(village, phone="call me"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "电话号码只能包含数字和空格" in r.content.decode()
    r = client.post("/places/declare/", _declaration(village, phone="call me"), HTTP_ACCEPT_LANGUAGE="en")
    assert "A phone number is digits" in r.content.decode()
    assert not SelfDeclaration.objects.exists()


def test_public_self_declaration_is_rate_limited_per_address_per_hour(world, user, client):
    cache.clear()
    village = grid_village(user)
    codes = [client.post("/places/declare/", _declaration(village, name=f"居民{i}")).status_code for i in range(7)]
    assert codes[:5] == [302] * 5 and codes[5:] == [429, 429]
    assert SelfDeclaration.objects.count() == 5
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/places/declare/", _declaration(village, name="另一个")).status_code == 302


def test_public_self_declaration_is_protected_by_csrf(world, user):
    cache.clear()
    c = Client(enforce_csrf_checks=True)
    assert c.post("/places/declare/", _declaration(grid_village(user))).status_code == 403
    assert not SelfDeclaration.objects.exists()


def test_the_returnee_form_takes_a_document_number_and_preselects_the_workers_only_village(client_as, user):
    from guomen.loop.models import Journey

    village = grid_village(user)
    c = client_as("ruili_grid")
    html = c.get("/places/returnees/new/").content.decode()
    assert 'name="document_number"' in html
    assert f'<option value="{village.pk}" selected>' in html
    r = c.post(
        "/places/returnees/new/",
        {
            "village": village.pk,
            "name": "王返乡",
            "nationality": "CHN",
            "document_kind": "resident_id",
            "document_number": "12345",
            "risk": "high",
        },
    )
    assert r.status_code == 200 and "document_number" in r.content.decode()  # a resident card number is checked: shown at its field
    number = "533102199003070019"
    r = c.post(
        "/places/returnees/new/",
        {
            "village": village.pk,
            "name": "王返乡",
            "nationality": "CHN",
            "document_kind": "resident_id",
            "document_number": number,
            "risk": "high",
        },
    )
    assert r.status_code == 302, r.content.decode()[:1500]
    j = Journey.objects.get(person__name_native="王返乡")
    assert j.person.documents.get().last4 == number[-4:]


def test_the_pending_declarations_say_where_the_person_came_from_in_both_languages(world, user, client):
    cache.clear()
    village = grid_village(user)
    assert client.post("/places/declare/", _declaration(village)).status_code == 302
    worker = Client()
    worker.force_login(user("ruili_grid"))
    zh = worker.get("/places/declarations/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "来自 缅甸 · 缅甸木姐" in zh and "起始时间" not in zh
    en = worker.get("/places/declarations/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "from Myanmar · 缅甸木姐" in en


def test_a_confirmed_declaration_opens_its_journey_where_the_worker_screens_and_decides(world, user, client):
    from guomen.loop.models import Journey

    cache.clear()
    village = grid_village(user)
    assert client.post("/places/declare/", _declaration(village)).status_code == 302
    d = SelfDeclaration.objects.get(name="张自报")
    worker = Client()
    worker.force_login(user("ruili_grid"))
    r = worker.post(f"/places/declarations/{d.public_id}/confirm/")
    j = Journey.objects.get(code=SelfDeclaration.objects.get(pk=d.pk).journey_code)
    assert r.status_code == 302 and r["Location"] == f"/loop/j/{j.code}/"
    again = worker.post(f"/places/declarations/{d.public_id}/confirm/")  # already handled: back to the list
    assert again.status_code == 302 and again["Location"] == "/places/declarations/"
