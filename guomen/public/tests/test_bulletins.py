from __future__ import annotations

import pytest

from guomen.public import cap, queries, services
from guomen.public.models import BulletinStatus, MsgType
from guomen.public.rules import FourEyes, PublicError

from .helpers import published, who

pytestmark = pytest.mark.django_db


def test_author_cannot_approve_their_own_bulletin(world):
    b = services.bulletin_draft(actor=who("info"), title_zh="标题", title_en="Title", body_zh="正文", body_en="Text")
    b = services.bulletin_submit(actor=who("info"), bulletin=b)
    with pytest.raises(FourEyes):
        services.bulletin_approve(actor=who("info"), bulletin=b)
    b.refresh_from_db()
    assert b.status == BulletinStatus.SUBMITTED and b.approver is None and b.cap_xml == ""


def test_last_editor_cannot_approve_either(world):
    b = services.bulletin_draft(actor=who("info"), title_zh="标题", title_en="Title", body_zh="正文", body_en="Text")
    b = services.bulletin_edit(actor=who("info2"), bulletin=b, body_en="Better text")
    b = services.bulletin_submit(actor=who("info2"), bulletin=b)
    with pytest.raises(FourEyes):
        services.bulletin_approve(actor=who("info2"), bulletin=b)


def test_second_officer_approves_and_both_are_recorded(world):
    b = published()
    assert b.status == BulletinStatus.PUBLISHED
    assert (b.author.username, b.approver.username) == ("info", "info2")
    assert b.published_at is not None


def test_only_an_information_officer_may_draft(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.bulletin_draft(actor=who("ruili"), title_zh="标题", title_en="Title", body_zh="正文", body_en="Text")


def test_published_bulletin_is_never_edited(world):
    b = published()
    with pytest.raises(PublicError) as e:
        services.bulletin_edit(actor=who("info"), bulletin=b, body_en="changed")
    assert e.value.code == "published"


def test_cap_message_is_valid_and_has_one_info_per_language(world):
    b = published()
    parsed = cap.parse(b.cap_xml)
    assert parsed["status"] == "Actual" and parsed["msgType"] == "Alert"
    assert [i["language"] for i in parsed["infos"]] == ["zh-CN", "en-US"]
    # The published message re-parses to what was approved.
    assert parsed["infos"][0]["headline"] == b.title_zh and parsed["infos"][1]["description"] == b.body_en


def test_schema_refuses_a_message_missing_its_status(world):
    b = published()
    broken = b.cap_xml.replace("<status>Actual</status>", "")
    with pytest.raises(cap.CapInvalid):
        cap.validate(broken)


def test_update_references_the_original_and_goes_through_approval(world):
    original = published()
    fix = services.bulletin_follow_up(
        actor=who("info2"), bulletin=original, body_en="From today the Ruili port is closed to passengers and goods."
    )
    assert fix.msg_type == MsgType.UPDATE and fix.status == BulletinStatus.DRAFT
    fix = services.bulletin_submit(actor=who("info2"), bulletin=fix)
    with pytest.raises(FourEyes):
        services.bulletin_approve(actor=who("info2"), bulletin=fix)
    fix = services.bulletin_approve(actor=who("info"), bulletin=fix)
    parsed = cap.parse(fix.cap_xml)
    assert parsed["msgType"] == "Update"
    assert parsed["references"].startswith(cap.SENDER)
    _sender, identifier, sent = parsed["references"].split(",")
    assert identifier == original.cap_identifier and sent == cap.cap_time(original.published_at)
    original.refresh_from_db()
    assert original.body_en == "From today the Ruili port is closed to passengers."  # never silently edited
    assert queries.latest_of(original) == fix


def test_cancel_references_the_whole_thread(world):
    original = published()
    fix = services.bulletin_submit(
        actor=who("info"), bulletin=services.bulletin_follow_up(actor=who("info"), bulletin=original, title_en="Fixed")
    )
    fix = services.bulletin_approve(actor=who("info2"), bulletin=fix)
    cancel = services.bulletin_follow_up(actor=who("info"), bulletin=fix, msg_type=MsgType.CANCEL)
    cancel = services.bulletin_approve(actor=who("info2"), bulletin=services.bulletin_submit(actor=who("info"), bulletin=cancel))
    refs = cap.parse(cancel.cap_xml)["references"].split()
    assert [r.split(",")[1] for r in refs] == [original.cap_identifier, fix.cap_identifier]


def test_a_corrected_bulletin_cannot_be_corrected_twice(world):
    original = published()
    fix = services.bulletin_follow_up(actor=who("info"), bulletin=original)
    services.bulletin_approve(actor=who("info2"), bulletin=services.bulletin_submit(actor=who("info"), bulletin=fix))
    with pytest.raises(PublicError):
        services.bulletin_follow_up(actor=who("info"), bulletin=original)


def test_exercise_bulletin_is_cap_exercise_and_never_public(world):
    b = published(exercise=True)
    assert cap.parse(b.cap_xml)["status"] == "Exercise"
    assert b not in queries.public_bulletins()


def test_figures_draft_reads_the_loop_counters(world):
    from datetime import date

    from guomen.loop.models import DailyCount
    from guomen.org.models import Unit

    day = date(2026, 11, 28)
    DailyCount.objects.create(unit=Unit.objects.get(code="port-ruili"), day=day, what=DailyCount.ARRIVED, n=37)
    DailyCount.objects.create(unit=Unit.objects.get(code="port-ruili"), day=day, what=DailyCount.POSITIVE, n=2)
    b = services.bulletin_draft_figures(actor=who("info"), day=day)
    dehong = next(r for r in b.figures["rows"] if r["code"] == "533100")
    assert dehong["arrivals"] == 37 and dehong["positives"] == 2
    assert b.figures["totals"]["arrivals"] == 37
    assert "37" in b.body_zh and "37 arrivals" in b.body_en
    b = services.bulletin_approve(actor=who("info2"), bulletin=services.bulletin_submit(actor=who("info"), bulletin=b))
    assert cap.parse(b.cap_xml)["status"] == "Actual"


def test_the_shipped_schema_is_the_oasis_file_unchanged():
    import hashlib

    data = cap.SCHEMA_PATH.read_bytes()
    assert b"Copyright OASIS Open 2010 All Rights Reserved" in data
    assert hashlib.sha256(data).hexdigest() == "f6c6ed7537a463968b7b36110f7e8bba1f86ad2257a8b84619d7dce530e57401"


def test_schema_refuses_a_utc_z_time_and_an_unknown_code(world):
    b = published()
    sent = b.cap_xml.split("<sent>")[1].split("</sent>")[0]
    with pytest.raises(cap.CapInvalid):
        cap.validate(b.cap_xml.replace(f"<sent>{sent}</sent>", "<sent>2026-11-30T08:00:00Z</sent>"))
    with pytest.raises(cap.CapInvalid):
        cap.validate(b.cap_xml.replace("<category>Health</category>", "<category>Epidemic</category>", 1))
