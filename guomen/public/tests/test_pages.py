from __future__ import annotations

import datetime as dt

import feedparser
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from guomen.lib import clock
from guomen.public import cap
from guomen.public.abuse import LIMITS, form_token
from guomen.public.models import Bulletin, BulletinStatus, CitizenReport, Question, Refusal

from .helpers import point_on, published, report_near, ruili_segment

pytestmark = pytest.mark.django_db


def old_token() -> str:
    """A form token issued a minute ago: a person took their time."""
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1), tick=False):
        return form_token()


def report_data(**kw) -> dict:
    lat, lon = point_on(ruili_segment())
    local = clock.now().astimezone(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(hours=1)
    data = {
        "kind": "crossing",
        "what": "三人从河边小路过来",
        "occurred_at": local.strftime("%Y-%m-%dT%H:%M"),
        "lat": f"{lat:.6f}",
        "lon": f"{lon:.6f}",
        "phone": "",
        "website": "",
        "form_token": old_token(),
    }
    data.update(kw)
    return data


def test_atom_feed_parses_and_every_entry_link_resolves(world, client):
    published(title_en="Ruili port closed")
    published(title_en="Drill notice", exercise=True)
    resp = client.get(reverse("public:feed"))
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(resp.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert len(feed.entries) == 1
    for entry in feed.entries:
        path = entry.link.replace("http://testserver", "")
        assert client.get(path).status_code == 200


def test_exercise_bulletin_is_never_on_the_public_page_or_feed(world, client):
    drill = published(title_zh="演练通告", title_en="Drill notice", exercise=True)
    assert "Drill notice" not in client.get(reverse("public:feed")).content.decode()
    assert "演练通告" not in client.get(reverse("public:home")).content.decode()
    assert client.get(reverse("public:bulletin", args=[drill.public_id])).status_code == 404
    assert client.get(reverse("public:bulletin_cap", args=[drill.public_id])).status_code == 404


def test_public_cap_message_is_the_approved_one_and_valid(world, client):
    b = published()
    resp = client.get(reverse("public:bulletin_cap", args=[b.public_id]))
    assert resp.status_code == 200
    assert cap.parse(resp.content)["infos"][1]["headline"] == b.title_en


def test_corrected_bulletin_page_points_to_the_correction(world, client):
    from guomen.public import services

    from .helpers import who

    b = published()
    fix = services.bulletin_follow_up(actor=who("info"), bulletin=b, title_en="Ruili port closed (corrected)")
    services.bulletin_approve(actor=who("info2"), bulletin=services.bulletin_submit(actor=who("info"), bulletin=fix))
    html = client.get(reverse("public:bulletin", args=[b.public_id]) + "?lang=en").content.decode()
    assert "Ruili port closed (corrected)" in html


def test_four_eyes_holds_through_the_api(world, api_as):
    info = api_as("info")
    body = {"title_zh": "标题", "title_en": "Title", "body_zh": "正文", "body_en": "Text"}
    created = info.post("/api/public/bulletins", body, content_type="application/json")
    assert created.status_code == 201, created.content
    bid = created.json()["id"]
    assert info.post(f"/api/public/bulletins/{bid}/submit").status_code == 200
    refused = info.post(f"/api/public/bulletins/{bid}/approve")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "four_eyes"
    assert Bulletin.objects.get(public_id=bid).status == BulletinStatus.SUBMITTED
    ok = api_as("info2").post(f"/api/public/bulletins/{bid}/approve")
    assert ok.status_code == 200 and ok.json()["approver"] == "info2" and ok.json()["author"] == "info"


def test_report_form_gives_a_code_and_the_status_page_shows_no_personal_data(world, client):
    resp = client.post(reverse("public:report") + "?lang=my", report_data(phone="13800001111"))
    assert resp.status_code == 200, resp.content.decode()[:2000]
    r = CitizenReport.objects.get()
    assert r.code in resp.content.decode() and r.language == "my"
    page = client.get(reverse("public:report_status"), {"code": r.code}).content.decode()
    assert r.status in ("new",) and "13800001111" not in page and r.what not in page


def test_report_form_is_in_burmese_lao_and_vietnamese(world, client):
    for lang, word in (("my", "သတင်းပို့"), ("lo", "ລາຍງານ"), ("vi", "Báo cáo")):
        html = client.get(reverse("public:report"), {"lang": lang}).content.decode()
        assert f'<html lang="{lang}">' in html and word in html, lang


def test_the_village_list_reads_in_latin_letters_with_the_chinese_name_for_the_neighbours(world, client):
    from guomen.places.models import Jurisdiction, Level

    v = Jurisdiction.objects.filter(level=Level.VILLAGE).exclude(name_en="").select_related("parent__parent").first()
    for lang in ("my", "lo", "vi"):
        html = client.get(reverse("public:report"), {"lang": lang}).content.decode()
        assert f"{v.name_en} ({v.name_zh})" in html and f"{v.parent.name_en} ({v.parent.name_zh})" in html, lang
    assert (
        f">{v.parent.parent.name_zh} / {v.parent.name_zh} / {v.name_zh}<"
        in client.get(reverse("public:report"), {"lang": "zh-hans"}).content.decode()
    )
    assert (
        f">{v.parent.parent.name_en} / {v.parent.name_en} / {v.name_en}<"
        in client.get(reverse("public:report"), {"lang": "en"}).content.decode()
    )


def test_staff_pages_keep_their_two_languages(world, client_as):
    html = client_as("ruili").get("/").content.decode()
    assert "Tiếng Việt" not in html and "မြန်မာ" not in html


def test_report_rate_limit_per_address_answers_429_and_stores_nothing(world, client):
    limit = LIMITS["report"]["address"][0]
    for _ in range(limit):
        assert client.post(reverse("public:report"), report_data()).status_code == 200
    before = CitizenReport.objects.count()
    resp = client.post(reverse("public:report"), report_data())
    assert resp.status_code == 429
    assert CitizenReport.objects.count() == before
    assert Refusal.objects.get(form="report", reason="rate_address").n == 1


def test_report_rate_limit_per_phone_answers_429(world):
    limit = LIMITS["report"]["phone"][0]
    for i in range(limit):
        Client(REMOTE_ADDR=f"10.0.0.{i + 1}").post(reverse("public:report"), report_data(phone="+95 9 123 456"))
    before = CitizenReport.objects.count()
    resp = Client(REMOTE_ADDR="10.0.1.1").post(reverse("public:report"), report_data(phone="+959123456"))
    assert resp.status_code == 429 and CitizenReport.objects.count() == before


def test_question_rate_limit_in_total_answers_429_and_stores_nothing(world, monkeypatch):
    monkeypatch.setitem(LIMITS, "question", {"address": (5, 3600), "total": (2, 3600)})
    for i in range(2):
        Client(REMOTE_ADDR=f"10.1.0.{i}").post(reverse("public:questions"), {"text": "口岸什么时候开放？", "form_token": old_token()})
    assert Question.objects.count() == 2
    resp = Client(REMOTE_ADDR="10.1.0.9").post(reverse("public:questions"), {"text": "口岸什么时候开放？", "form_token": old_token()})
    assert resp.status_code == 429 and Question.objects.count() == 2


def test_honeypot_and_a_too_fast_form_are_refused_and_counted(world, client):
    assert client.post(reverse("public:report"), report_data(website="http://spam")).status_code == 429
    assert client.post(reverse("public:report"), report_data(form_token=form_token())).status_code == 429
    assert CitizenReport.objects.count() == 0
    reasons = dict(Refusal.objects.values_list("reason", "n"))
    assert reasons == {"honeypot": 1, "too_fast": 1}


def test_information_office_sees_refused_counts(world, client, client_as):
    client.post(reverse("public:report"), report_data(website="x"))
    html = client_as("info").get(reverse("public:office")).content.decode()
    assert 'id="refusals"' in html and "群众举报 · 隐藏字段被填写: 1" in html


def test_published_questions_are_searchable_and_grouped(world, client):
    from guomen.public import services

    from .helpers import who

    q = services.question_submit(text="磨憨口岸什么时候恢复通关？")
    services.question_moderate(actor=who("info"), question=q, accept=True, topic="ports")
    services.question_answer(actor=who("info"), question=q, answer_zh="请关注官方通告。", answer_en="Watch the official bulletins.")
    from guomen.public.rules import FourEyes

    with pytest.raises(FourEyes):
        services.question_approve(actor=who("info"), question=q)
    services.question_approve(actor=who("info2"), question=q)
    again = services.question_submit(text="磨憨口岸哪天开？")
    services.question_moderate(actor=who("info"), question=again, accept=True, same_as=q)
    html = client.get(reverse("public:questions"), {"q": "磨憨"}).content.decode()
    assert "请关注官方通告。" in html
    faq = client.get(reverse("public:questions")).content.decode()
    assert "(2)" in faq


def test_notices_of_ports_are_points_for_the_map(world, client):
    from guomen.places.models import Passage

    port = Passage.objects.filter(code__icontains="ruili", lat__isnull=False).first()
    b = published(topic="port", passage=port)
    data = client.get(reverse("public:notices_geojson")).json()
    urls = [f["properties"]["url"] for f in data["features"]]
    assert reverse("public:bulletin", args=[b.public_id]) in urls


def test_office_triage_pages_show_a_likely_duplicate(world, client_as):
    first = report_near(hours_ago=2)
    twin = report_near(dlat=0.0002)
    html = client_as("ruili").get(reverse("public:office_report", args=[twin.code])).content.decode()
    assert 'id="duplicates"' in html and first.code in html


def test_demo_data_is_published_through_the_services_and_loads_once(world, client):
    from guomen.public.demo_data import generate

    assert generate() > 0
    assert generate() == 0
    feed = feedparser.parse(client.get(reverse("public:feed")).content)
    assert len(feed.entries) == 4
    assert all(cap.parse(b.cap_xml) for b in Bulletin.objects.filter(status=BulletinStatus.PUBLISHED))


def test_staff_map_draws_approved_notices_through_the_places_extension_point(world, client_as):
    from guomen.places.models import Passage

    port = Passage.objects.filter(code__icontains="ruili", lat__isnull=False).first()
    published(topic="port", passage=port)
    html = client_as("ruili").get(reverse("places_map")).content.decode()
    assert 'id="map-extra-layers"' in html
    assert f'data-url="{reverse("public:notices_geojson")}"' in html


def test_the_office_counts_refusals_by_form_and_reason_in_words(world, client, client_as):
    limit = LIMITS["report"]["address"][0]
    for _ in range(limit + 1):
        client.post(reverse("public:report"), report_data())
    c = client_as("info")
    for language, words in (("zh-hans", "群众举报"), ("en", "Citizen reports · Too many from one address: 1")):
        c.cookies["django_language"] = language
        html = c.get(reverse("public:office")).content.decode()
        section = html.split('id="refusals"')[1].split("</section>")[0]
        assert words in section and "rate_address" not in section, section
