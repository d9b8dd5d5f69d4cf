"""The liaison desk's forms: each message type composed in a page, errors shown at the form, and
a liaison writes only to the partners their unit is a liaison unit of."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guomen.org.models import Unit

from .. import services, signing
from ..models import Direction, Message, Partner, Thread
from .helpers import partner

pytestmark = pytest.mark.django_db
AHEAD = (timezone.localdate() + timedelta(days=3)).isoformat()  # the day of an expected arrival a few days from now
TEXTS = {"text_zh": "防疫物资", "text_en": "Protective supplies", "text_local": "ကာကွယ်ရေးပစ္စည်း"}


def test_every_type_that_opens_a_thread_is_composed_in_a_page(client_as):
    partner()
    c = client_as("liaison")
    forms = {
        "case_notice": {"category": "contact", "name_latin": "AUNG KYAW", "birth_year": "1988", "crossed_at": "2020-04-01T10:00", "port": "Ruili"},
        "aid_offer": {"items": "N95 口罩; 1000; box\n防护服；200；set"},
        "aid_request": {"items": "N95; 10; box"},
        "team_deployment": {"name": "云南医疗队", "members": "李医生; ICU, 感染科\n王护士", "from_date": "2020-04-05", "to_date": "2020-05-05", "where": "Muse"},
        "handover_offer": {"name_latin": "AUNG KYAW", "port": "Ruili", "at": "2020-04-03T10:00", "from_unit": "瑞丽口岸"},
        "manifest": {"port": "muse-105", "rows": f"name_native,nationality,document_kind,document_number,expected_at\nအောင်ကျော်,MMR,passport,MB1,{AHEAD}T10:00:00+08:00"},
    }  # fmt: skip
    for type_, data in forms.items():
        r = c.get(f"/exchange/compose/{type_}/")
        assert r.status_code == 200
        r = c.post(f"/exchange/compose/{type_}/", {"partner": "mm-muse", **TEXTS, **data})
        assert r.status_code == 302, (type_, r.content.decode()[:3000])
    sent = {m.type: m.message["body"] for m in Message.objects.filter(direction=Direction.OUT)}
    assert set(sent) == set(forms)
    assert sent["aid_offer"]["items"] == [
        {"item": "N95 口罩", "quantity": 1000, "unit": "box"},
        {"item": "防护服", "quantity": 200, "unit": "set"},
    ]
    assert sent["case_notice"]["text"] == {"zh-Hans": "防疫物资", "en": "Protective supplies", "my": "ကာကွယ်ရေးပစ္စည်း"}
    assert sent["team_deployment"]["members"][1] == {"name": "王护士", "skills": []}
    assert sent["manifest"]["rows"][0]["document_number"] == "MB1"


def test_errors_show_at_the_form_in_the_users_language_and_nothing_is_queued(client_as):
    partner()
    c = client_as("liaison")
    r = c.post("/exchange/compose/aid_offer/", {"partner": "mm-muse", **TEXTS, "items": "N95; many; box"})
    assert r.status_code == 422 and "数量为整数" in r.content.decode()
    r = c.post("/exchange/compose/aid_offer/", {"partner": "mm-muse", **TEXTS, "items": ""})
    assert r.status_code == 422 and "至少填写一项" in r.content.decode()
    r = c.post("/exchange/compose/case_notice/", {"partner": "mm-muse", "text_zh": "x", "category": "contact"})
    assert r.status_code == 422
    c.cookies.load({"django_language": "en"})
    r = c.post("/exchange/compose/handover_offer/", {"partner": "mm-muse", **TEXTS, "journey": "GMNOSUCH1", "name_latin": "A", "port": "Ruili", "at": "2020-04-03T10:00", "from_unit": "x"})  # fmt: skip
    assert r.status_code == 422 and "No person with this loop code within your reach." in r.content.decode()
    assert not Message.objects.exists() and not Thread.objects.exists()


def test_a_thread_is_continued_from_the_desk_with_its_next_steps(client_as):
    partner()
    c = client_as("liaison")
    c.post("/exchange/compose/aid_offer/", {"partner": "mm-muse", **TEXTS, "items": "N95; 1000; box"})
    t = Thread.objects.get()
    html = c.get("/exchange/").content.decode()
    assert f"/exchange/compose/aid_commitment/?ref={t.ref}" in html
    r = c.post(
        f"/exchange/compose/aid_commitment/?ref={t.ref}", {"partner": "mm-muse", "ref": str(t.ref), **TEXTS, "items": "N95; 2000; box"}
    )
    assert r.status_code == 422 and "超过" in r.content.decode()
    r = c.post(
        f"/exchange/compose/aid_commitment/?ref={t.ref}", {"partner": "mm-muse", "ref": str(t.ref), **TEXTS, "items": "N95; 800; box"}
    )
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.status == "committed"
    assert c.get(f"/exchange/compose/aid_receipt/?ref={t.ref}").status_code == 404  # not a step we may take now


def test_a_liaison_writes_only_to_the_partners_of_their_unit(client_as, user):
    partner()
    other = Unit.objects.exclude(code="yn-command").filter(kind=Unit.objects.get(code="yn-command").kind).first() or Unit.objects.get(
        code="port-ruili"
    )
    lao = services.partner_register(
        actor=None, authority="la-luangnamtha", name_zh="老挝南塔省", name_en="Luang Namtha", country="LA", base_url="https://la.example",
        public_key=signing.public_b64(signing.new_private_key()), languages=["lo"], liaison_units=[other],
    )  # fmt: skip
    c = client_as("liaison")
    page = c.get("/exchange/compose/case_notice/").content.decode()
    assert "mm-muse" in page and "la-luangnamtha" not in page
    assert "Luang Namtha" not in c.get("/exchange/").content.decode()
    r = c.post("/exchange/compose/aid_request/", {"partner": "la-luangnamtha", **TEXTS, "items": "N95; 1; box"})
    assert r.status_code == 422 and not Message.objects.exists()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.message_send(
            actor=user("liaison"),
            partner=lao,
            type="aid_request",
            body={
                "ref": "3f1c7c3e-8d0c-4e7e-9a53-000000000001",
                "items": [{"item": "N95", "quantity": 1, "unit": "box"}],
                "text": {"en": "x"},
            },
        )
    assert "Luang Namtha" in client_as("province").get("/exchange/").content.decode()
    assert Partner.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value", "zh", "en"),
    [
        ("birth_year", str(timezone.localdate().year + 5), "出生年份在未来", "The year of birth is in the future."),
        ("nationality", "QQQ", "ISO 3166", "is not an ISO 3166 alpha-3 country code."),
        (
            "crossed_at",
            (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "该时间在未来",
            "This time is in the future.",
        ),
        ("tested_at", (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "该时间在未来", "This time is in the future."),
    ],
)
def test_a_case_notice_with_a_value_we_can_tell_is_wrong_is_refused_at_its_field_and_not_sent(client_as, field, value, zh, en):
    partner()
    c = client_as("liaison")
    good = {"partner": "mm-muse", **TEXTS, "category": "contact", "name_latin": "AUNG KYAW", "birth_year": "1988", "nationality": "MMR"}
    good |= {"crossed_at": "2020-04-01T10:00", "port": "Ruili"}
    for language, message in (("zh-hans", zh), ("en", en)):
        c.cookies.load({"django_language": language})
        r = c.post("/exchange/compose/case_notice/", {**good, field: value})
        assert r.status_code == 422 and message in r.content.decode(), (language, r.content.decode()[:2000])
    assert not Message.objects.exists() and not Thread.objects.exists()
