"""The planner's pages: a plan made, its steps written as a version, approved and activated; bad
input re-shows the form with the reason in the reader's language and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from guomen.emergency.models import Activation, Plan, PlanVersion, Step, TriggerKind
from guomen.lib import clock

pytestmark = pytest.mark.django_db

NEW = {
    "code": "mengla-editor",
    "name_zh": "勐腊编辑预案",
    "name_en": "Mengla editor plan",
    "scenario": "port_positive",
    "owner_unit": "c532823-command",
    "jurisdiction": "",
    "facility": "port-mohan",
    "trigger_kind": "manual",
    "trigger_threshold": "0",
}


def _rows(*rows: dict, total: int | None = None) -> dict:
    data = {"s-TOTAL_FORMS": str(total or len(rows)), "s-INITIAL_FORMS": "0", "s-MIN_NUM_FORMS": "0", "s-MAX_NUM_FORMS": "200"}
    for i, row in enumerate(rows):
        data.update({f"s-{i}-{k}": v for k, v in row.items()})
    return data


S1 = {"code": "S1", "kind": "isolate_lane", "title_zh": "封闭通道", "title_en": "Isolate the lane", "role": "port_officer", "unit": "port-mohan",
      "target_minutes": "30", "after": "", "checklist": "设置警戒线\n通知海关"}  # fmt: skip
S2 = {"code": "S2", "kind": "transfer_case", "title_zh": "转运病例", "title_en": "", "role": "transfer_team", "unit": "c532823-transfer",
      "target_minutes": "120", "after": "S1", "checklist": ""}  # fmt: skip


def _script(*rows: dict) -> dict:
    data = {"i-TOTAL_FORMS": str(len(rows)), "i-INITIAL_FORMS": "0", "i-MIN_NUM_FORMS": "0", "i-MAX_NUM_FORMS": "50"}
    for i, row in enumerate(rows):
        data.update({f"i-{i}-{k}": v for k, v in row.items()})
    return data


def _version(*rows: dict, script: tuple = (), **extra: str) -> dict:
    return {
        "do": "version",
        "version-review_due": (clock.today() + timedelta(days=180)).isoformat(),
        "version-note": "初版",
        **_rows(*rows),
        **_script(*script),
        **extra,
    }


FEVER = {"offset_minutes": "10", "kind": "arrival", "text_zh": "发热旅客抵达", "text_en": "A traveller with fever arrives",
         "name": "演练旅客乙", "temperature": "38.4", "symptoms": "cough", "result": ""}  # fmt: skip


def test_a_plan_is_made_written_approved_and_activated_from_its_pages(client_as):
    c = client_as("mengla")
    assert 'id="plan-new-link"' in c.get("/emergency/").content.decode()
    r = c.post("/emergency/new/", NEW)
    assert r.status_code == 302 and r["Location"] == "/emergency/plans/mengla-editor/"
    plan = Plan.objects.get(code="mengla-editor")
    assert plan.facility.code == "port-mohan" and plan.jurisdiction.code == "532823"
    page = c.get(r["Location"]).content.decode()
    assert 'id="version-form"' in page and 'id="row-2"' in page  # three empty rows to start

    r = c.post("/emergency/plans/mengla-editor/", _version(S1, S2, {}, script=(FEVER, {})))
    assert r.status_code == 302
    v = PlanVersion.objects.get(plan=plan)
    assert v.number == 1 and v.approved_at is None and plan.current_version() is None
    s1, s2 = v.steps.order_by("order")
    assert s1.checklist == ["设置警戒线", "通知海关"] and [d.code for d in s2.depends_on.all()] == ["S1"]
    assert s2.kind == "transfer_case" and s2.target_minutes == 120 and s2.unit.code == "c532823-transfer"
    [inj] = v.injects.all()
    assert (inj.offset_minutes, inj.kind) == (10, "arrival")
    assert inj.data == {"name": "演练旅客乙", "temperature": 38.4, "symptoms": ["cough"]}

    page = c.get("/emergency/plans/mengla-editor/").content.decode()
    assert 'id="approve-1"' in page and 'value="S2"' in page  # the editor starts from the latest version
    assert 'value="演练旅客乙"' in page and 'id="shown-script"' in page
    assert c.post("/emergency/plans/mengla-editor/", {"do": "approve", "number": "1"}).status_code == 302
    v.refresh_from_db()
    assert v.approved_by.username == "mengla" and plan.current_version() == v

    # the next version: S2 changed, a third step added after both; v1 stays as it was
    r = c.post(
        "/emergency/plans/mengla-editor/",
        _version(S1, {**S2, "target_minutes": "90"}, {**S2, "code": "S3", "after": "S1, S2"}, script=(FEVER,)),
    )
    assert r.status_code == 302, [x for x in r.content.decode().split("<") if "error" in x]
    v2 = PlanVersion.objects.get(plan=plan, number=2)
    assert v2.steps.count() == 3 and plan.current_version() == v  # a draft until approved
    assert v.steps.get(code="S2").target_minutes == 120
    c.post("/emergency/plans/mengla-editor/", {"do": "approve", "number": "2"})
    r = c.post("/emergency/", {"plan": "mengla-editor", "exercise": "1"})
    assert Activation.objects.get().steps.count() == 3

    r = c.post(
        "/emergency/plans/mengla-editor/",
        {"do": "plan", "plan-name_zh": "勐腊编辑预案（修订）", "plan-name_en": "", "plan-scenario": "capacity_surge",
         "plan-facility": "", "plan-trigger_kind": "capacity_forecast", "plan-trigger_threshold": "7"},
    )  # fmt: skip
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.trigger_kind == TriggerKind.CAPACITY_FORECAST and plan.trigger_threshold == 7 and plan.facility is None


def _refused(c, url, data, text):
    before = (Plan.objects.count(), PlanVersion.objects.count(), Step.objects.count())
    r = c.post(url, data)
    assert r.status_code == 422, (r.status_code, data)
    shown = [x for x in r.content.decode().split("<") if "error" in x]
    assert text in " ".join(shown), shown
    assert (Plan.objects.count(), PlanVersion.objects.count(), Step.objects.count()) == before
    return r


def test_bad_input_is_refused_clearly_and_changes_nothing(client_as, settings):
    c = client_as("mengla")
    _refused(c, "/emergency/new/", {**NEW, "name_zh": ""}, "此项为必填项")
    _refused(c, "/emergency/new/", {**NEW, "code": "有 空格"}, "连字符")
    _refused(c, "/emergency/new/", {**NEW, "facility": "port-ruili"}, "port-ruili")  # another county's port
    _refused(c, "/emergency/new/", {**NEW, "jurisdiction": "533102"}, "只能覆盖本指挥部")
    _refused(c, "/emergency/new/", {**NEW, "trigger_kind": "facility_fevers"}, "正整数")
    _refused(c, "/emergency/new/", {**NEW, "trigger_threshold": "99999999999"}, "1000000")
    _refused(c, "/emergency/new/", {**NEW, "owner_unit": "c533102-command"}, "c533102-command")  # not the user's command
    assert c.post("/emergency/new/", NEW).status_code == 302
    _refused(c, "/emergency/new/", NEW, "已存在")  # the code is taken

    url = "/emergency/plans/mengla-editor/"
    _refused(c, url, _version({**S1, "after": "S2"}, S2), "循环")
    _refused(c, url, _version(S1, {**S2, "after": "S9"}), "不存在")
    _refused(c, url, _version(S1, {**S2, "unit": "port-ruili"}), "port-ruili")
    _refused(c, url, _version(S1, {**S2, "target_minutes": "0"}), "1")
    _refused(c, url, _version(S1, {**S2, "title_zh": ""}), "此项为必填项")
    _refused(c, url, _version(S1, {**S2, "code": "S1"}), "唯一的编码")
    _refused(c, url, _version({}), "至少")
    _refused(c, url, {**_version(S1), "version-review_due": "next year"}, "日期")
    _refused(c, url, {**_version(S1), "s-TOTAL_FORMS": "x"}, "")
    _refused(c, url, _version(S1, script=({**FEVER, "temperature": "98.6"},)), "45")
    _refused(c, url, _version(S1, script=({**FEVER, "text_zh": ""},)), "此项为必填项")
    _refused(c, url, _version(S1, script=({**FEVER, "kind": "parade"},)), "parade")
    _refused(c, url, {"do": "approve", "number": "7"}, "")
    _refused(c, url, {"do": "nonsense"}, "未知")
    _refused(
        c,
        url,
        {"do": "plan", "plan-name_zh": "x", "plan-scenario": "nope", "plan-trigger_kind": "manual", "plan-trigger_threshold": "0"},
        "nope",
    )

    # the same refusal in English for an English reader
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _refused(c, url, _version({**S1, "after": "S2"}, S2), "go round in a circle")


def test_the_plan_page_is_scoped_and_only_a_command_over_the_plan_edits_it(client_as, mohan_plan):
    url = "/emergency/plans/mohan-port-positive/"
    assert client_as("ruili").get(url).status_code == 404  # another county's plan
    assert client_as("ruili").get("/emergency/plans/no-such-plan/").status_code == 404
    page = client_as("auditor").get(url).content.decode()
    assert 'id="steps"' in page and 'id="version-form"' not in page  # the auditor reads, never edits
    before = PlanVersion.objects.count()
    r = client_as("auditor").post(url, _version(S1))
    assert r.status_code == 422 and PlanVersion.objects.count() == before
    page = client_as("xishuangbanna").get(url).content.decode()  # the prefecture above edits
    assert 'id="version-form"' in page
    assert client_as("mohan_port").get("/emergency/new/").status_code == 403


def test_the_editor_suggests_the_kinds_of_step_in_use_within_reach(client_as, all_plans):
    import re

    from guomen.emergency import queries
    from guomen.loop.tests.factories import who
    from guomen.org.scoping import Scope

    page = client_as("xishuangbanna").get("/emergency/plans/mohan-port-positive/").content.decode()
    listed = set(re.findall(r'<option value="([a-z0-9_-]+)">', page.split('<datalist id="step-kinds">', 1)[1].split("</datalist>", 1)[0]))
    reach = queries.plans(Scope.of(who("xishuangbanna"))).values("pk")
    within = set(Step.objects.filter(version__plan__in=reach).values_list("kind", flat=True))
    beyond = set(Step.objects.exclude(version__plan__in=reach).values_list("kind", flat=True)) - within
    assert listed == within and within and not (listed & beyond)
    assert 'list="step-kinds"' in page and 'id="kinds-hint"' in page  # every kind field offers them
