"""Demo plans for the four scenarios of the border, bilingual, approved, each with its exercise script."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from guomen.lib import clock
from guomen.lib.localtime import local_day
from guomen.org.models import Role, Unit

from . import services
from .models import Plan, Scenario, TriggerKind

P, T, F, C, H, PA = Role.PORT_OFFICER, Role.TRANSFER_TEAM, Role.FACILITY_STAFF, Role.COUNTY_COMMAND, Role.HOSPITAL_STAFF, Role.PATROL_MEMBER


def _s(code, kind, zh, en, role, unit, minutes, after=(), checklist=()):
    return {"code": code, "kind": kind, "title_zh": zh, "title_en": en, "role": role, "unit": unit, "target_minutes": minutes,
            "after": list(after), "checklist": list(checklist)}  # fmt: skip


def plans_spec() -> list[dict[str, Any]]:
    return [
        {
            "code": "mohan-port-positive",
            "owner": "c532823-command",
            "user": "mengla",
            "facility": "port-mohan",
            "scenario": Scenario.PORT_POSITIVE,
            "trigger": (TriggerKind.PORT_POSITIVE, 0),
            "name_zh": "磨憨口岸发现阳性病例应急预案",
            "name_en": "Positive case found at Mohan port",
            "steps": [
                _s("S1", "notify_command", "报告县指挥部", "Notify the county command", P, "port-mohan", 15, (), ("电话报告", "书面快报")),
                _s("S2", "isolate_lane", "封闭通道并消杀", "Isolate the lane and disinfect", P, "port-mohan", 30, (), ("关闭通道", "消杀")),
                _s(
                    "S3", "transfer_case", "闭环转运病例至定点医院", "Transfer the case to the hospital", T, "c532823-transfer", 60, ("S2",)
                ),
                _s("S4", "trace_contacts", "排查同车人员", "Trace contacts on the same vehicle", C, "c532823-command", 120, ("S1",)),
                _s("S5", "prepare_rooms", "准备隔离房间", "Prepare quarantine rooms", F, "c532823-hotel1", 90),
            ],
            "injects": [
                {
                    "offset_minutes": 10,
                    "kind": "arrival",
                    "text_zh": "一名发热旅客抵达磨憨口岸",
                    "text_en": "A traveller with fever arrives at Mohan",
                    "data": {"name": "演练旅客甲", "temperature": 38.6, "symptoms": ["cough"]},
                },
                {
                    "offset_minutes": 40,
                    "kind": "result",
                    "text_zh": "隔离酒店报告核酸阳性",
                    "text_en": "The hotel reports a positive result",
                    "data": {"result": "positive"},
                },
            ],
        },
        {
            "code": "ruili-village-cluster",
            "owner": "c533102-command",
            "user": "ruili",
            "facility": "c533102-hotel1",
            "scenario": Scenario.VILLAGE_CLUSTER,
            "trigger": (TriggerKind.FACILITY_FEVERS, 3),
            "name_zh": "瑞丽边境村寨聚集性疫情应急预案",
            "name_en": "Cluster in a border village (Ruili)",
            "steps": [
                _s("S1", "notify_command", "报告市指挥部", "Notify the city command", F, "c533102-hotel1", 15),
                _s("S2", "seal_village", "村寨封控", "Seal the village", C, "c533102-command", 60, ("S1",)),
                _s("S3", "transfer_case", "转运发热人员", "Transfer people with fever", T, "c533102-transfer", 90, ("S1",)),
                _s("S4", "hospital_ready", "定点医院准备床位", "Hospital readies beds", H, "c533102-hospital", 60),
            ],
            "injects": [],
        },
        {
            "code": "ruili-mass-crossing",
            "owner": "c533102-command",
            "user": "ruili",
            "facility": None,
            "scenario": Scenario.MASS_CROSSING,
            "trigger": (TriggerKind.SEGMENT_INTERCEPTIONS, 20),
            "name_zh": "瑞丽段大规模非法越境应急预案",
            "name_en": "Mass illegal crossing on a Ruili segment",
            "steps": [
                _s("S1", "reinforce_patrol", "增派巡逻力量", "Reinforce the patrol", PA, "c533102-patrol", 30),
                _s("S2", "transfer_case", "集中转运", "Transfer those intercepted", T, "c533102-transfer", 90, ("S1",)),
                _s("S3", "prepare_rooms", "准备集中隔离房间", "Prepare rooms", F, "c533102-hotel1", 120),
            ],
            "injects": [],
        },
        {
            "code": "mengla-capacity-surge",
            "owner": "c532823-command",
            "user": "mengla",
            "facility": None,
            "scenario": Scenario.CAPACITY_SURGE,
            "trigger": (TriggerKind.CAPACITY_FORECAST, 0),
            "name_zh": "勐腊县隔离能力超限应急预案",
            "name_en": "Surge beyond Mengla's quarantine capacity",
            "steps": [
                _s("S1", "notify_command", "报请州指挥部调配", "Ask the prefecture for rooms", C, "c532823-command", 30),
                _s("S2", "prepare_rooms", "启用备用隔离点", "Open the reserve facility", F, "c532823-hotel1", 240, ("S1",)),
            ],
            "injects": [],
        },
    ]


@transaction.atomic
def build(spec: dict[str, Any], *, is_demo: bool = False) -> Plan:
    actor = get_user_model().objects.get(username=spec["user"])
    owner = Unit.objects.get(code=spec["owner"])
    plan = services.plan_create(
        actor=actor,
        code=spec["code"],
        name_zh=spec["name_zh"],
        name_en=spec["name_en"],
        owner_unit=owner,
        scenario=spec["scenario"],
        facility=Unit.objects.get(code=spec["facility"]) if spec["facility"] else None,
        trigger_kind=spec["trigger"][0],
        trigger_threshold=spec["trigger"][1],
    )
    units = {s["unit"] for s in spec["steps"]}
    by_code = {u.code: u for u in Unit.objects.filter(code__in=units)}
    steps = [{**s, "unit": by_code[s["unit"]]} for s in spec["steps"]]
    version = services.version_create(
        actor=actor, plan=plan, review_due=local_day(clock.now()) + timedelta(days=180), steps=steps, injects=spec["injects"], note="初版"
    )
    services.version_approve(actor=actor, version=version)
    if is_demo:
        Plan.objects.filter(pk=plan.pk).update(is_demo=True)
    return plan


def generate_demo_plans() -> int:
    made = 0
    for spec in plans_spec():
        if not Plan.objects.filter(code=spec["code"]).exists():
            build(spec, is_demo=True)
            made += 1
    return made
