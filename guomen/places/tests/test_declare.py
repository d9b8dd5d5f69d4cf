"""The public self-declaration: county → township → village with type-ahead, a privacy notice, a
link from the sign-in page, and declarations deleted when the notice says."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from guomen.places.declare import purge_declarations
from guomen.places.models import DeclarationState, Jurisdiction, SelfDeclaration

pytestmark = pytest.mark.django_db


def _post(client, **fields):
    data = {
        "name": "岩自报",
        "phone": "13900002222",
        "county": "533102",
        "township": "",
        "village": "",
        "came_from_country": "MMR",
        "came_from": "木姐",
        "returned_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
    }
    return client.post("/places/declare/", data | fields, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_the_page_lists_counties_not_thousands_of_villages_and_shows_the_privacy_notice(world, client):
    html = client.get("/places/declare/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert html.count("<option") < 40  # 25 counties and blanks; villages come per county
    assert 'list="village-options"' in html
    assert 'id="privacy-notice"' in html and "隐私声明" in html and "30" in html


def test_a_countys_townships_and_villages_come_as_json(world, client):
    data = client.get("/places/declare/places.json?county=533102").json()
    towns = {t["code"]: t for t in data["townships"]}
    assert towns["533102103"]["name"] == "弄岛镇"
    assert {"code": "533102103201", "name": "弄岛村民委员会", "short": "弄岛村"} in towns["533102103"]["villages"]
    assert client.get("/places/declare/places.json?county=999999").status_code == 404


def test_a_village_typed_by_name_or_picked_by_code_is_found_and_ambiguity_asks_for_the_township(world, client):
    cache.clear()
    assert _post(client, village="弄岛村").status_code == 302  # the short name, typed without script
    assert SelfDeclaration.objects.get().village.code == "533102103201"
    assert _post(client, village="533102104201", name="二").status_code == 302  # a suggestion picked: its code
    r = _post(client, village="没有这个村", name="三")
    assert r.status_code == 200 and "没有这个名字的村" in r.content.decode()
    # A name that two villages of one county share needs the township.
    dup = (
        Jurisdiction.objects.filter(level="village", path__startswith="/530000/533100/533123/")
        .values("name_zh")
        .order_by()
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("name_zh")
        .first()
    )
    if dup:
        r = _post(client, county="533123", village=dup["name_zh"], name="四")
        assert "请先选择乡镇" in r.content.decode()
    # A village of another county is not accepted under Ruili.
    r = _post(client, village="532823102201", name="五")
    assert r.status_code == 200
    assert SelfDeclaration.objects.count() == 2


def test_the_sign_in_page_links_to_the_self_declaration(client):
    html = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'href="/places/declare/"' in html


def test_declarations_are_deleted_after_the_retention_period(world):
    village = Jurisdiction.objects.get(code="533102103201")
    now = timezone.now()
    fresh = SelfDeclaration.objects.create(name="a", phone="1390000", village=village, came_from="x", returned_on=dt.date(2020, 4, 1))
    old = SelfDeclaration.objects.create(name="b", phone="1390000", village=village, came_from="x", returned_on=dt.date(2020, 4, 1))
    handled = SelfDeclaration.objects.create(name="c", phone="1390000", village=village, came_from="x", returned_on=dt.date(2020, 4, 1))
    SelfDeclaration.objects.filter(pk__in=[old.pk, handled.pk]).update(submitted_at=now - dt.timedelta(days=40))
    SelfDeclaration.objects.filter(pk=handled.pk).update(state=DeclarationState.REJECTED, handled_at=now - dt.timedelta(days=5))
    assert purge_declarations(now) == 1
    assert set(SelfDeclaration.objects.values_list("name", flat=True)) == {"a", "c"}
    assert purge_declarations(now + dt.timedelta(days=26)) == 1  # the handled one, 31 days after handling
    assert list(SelfDeclaration.objects.values_list("pk", flat=True)) == [fresh.pk]
