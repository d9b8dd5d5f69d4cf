"""Demo units and one demo user per role, on the real geography. Everything here is ``is_demo``."""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from guomen.core.levels import Level
from guomen.lib.zhnames import short_name_zh

from .models import Membership, Role, Unit, UnitKind


def _places_model(field_name: str) -> Any:
    """Places sits above org: its models are reached through the unit's foreign keys."""
    return Unit._meta.get_field(field_name).related_model


DEMO_PASSWORD = "guomen-demo-2020"  # noqa: S105 - the published demo password


def _unit(code: str, kind: str, jurisdiction: Any, name_zh: str, name_en: str, **extra) -> Unit:
    u, _ = Unit.objects.update_or_create(
        code=code, defaults={"kind": kind, "jurisdiction": jurisdiction, "name_zh": name_zh, "name_en": name_en, "is_demo": True, **extra}
    )
    return u


def _en(j: Any) -> str:
    return j.name_en.split()[0]


@transaction.atomic
def generate_demo_units(seed: int = 2020) -> int:
    Jurisdiction, Passage = _places_model("jurisdiction"), _places_model("passage")
    rng = random.Random(seed)
    province = Jurisdiction.objects.get(level=Level.PROVINCE)
    _unit(
        "yn-command",
        UnitKind.COMMAND_OFFICE,
        province,
        "云南省应对疫情工作领导小组指挥部",
        "Yunnan Provincial COVID-19 Command Headquarters",
    )
    _unit("yn-info", UnitKind.INFORMATION_OFFICE, province, "云南省指挥部新闻发布组", "Yunnan Command Information Office")
    for code, zh, en in [
        ("partner-mmr", "缅甸卫生部门联络处（示例）", "Myanmar health authority liaison (demo)"),
        ("partner-lao", "老挝卫生部门联络处（示例）", "Lao health authority liaison (demo)"),
        ("partner-vnm", "越南卫生部门联络处（示例）", "Vietnam health authority liaison (demo)"),
    ]:
        _unit(code, UnitKind.PARTNER_AGENCY, province, zh, en)
    for pref in Jurisdiction.objects.filter(level=Level.PREFECTURE):
        _unit(f"p{pref.code}-command", UnitKind.COMMAND_OFFICE, pref, f"{pref.name_zh}指挥部", f"{_en(pref)} Command Headquarters")
    for county in Jurisdiction.objects.filter(level=Level.COUNTY).order_by("code"):
        zh, en, c = short_name_zh(county.name_zh), _en(county), county.code
        _unit(f"c{c}-command", UnitKind.COMMAND_OFFICE, county, f"{zh}指挥部", f"{en} Command Headquarters")
        _unit(f"c{c}-transfer", UnitKind.TRANSFER_TEAM, county, f"{zh}转运专班", f"{en} Transfer Team")
        for n in (1, 2):
            _unit(
                f"c{c}-hotel{n}",
                UnitKind.QUARANTINE_FACILITY,
                county,
                f"{zh}集中隔离点{n}号酒店（示例）",
                f"{en} Quarantine Hotel {n} (demo)",
                capacity=rng.choice([40, 60, 80, 120]),
                lon=county.lon,
                lat=county.lat,
            )
        _unit(f"c{c}-hospital", UnitKind.HOSPITAL, county, f"{zh}定点医院", f"{en} Designated Hospital", capacity=rng.choice([20, 30, 50]))
        _unit(f"c{c}-patrol", UnitKind.PATROL_TEAM, county, f"{zh}边境巡逻队", f"{en} Border Patrol Team")
        _unit(f"c{c}-post", UnitKind.BORDER_POST, county, f"{zh}边境派出所", f"{en} Border Police Station")
    for port in (p for p in Passage.objects.select_related("county") if p.is_port):
        _unit(
            f"port-{port.code}",
            UnitKind.PORT_HEALTH_STATION,
            port.county,
            f"{port.name_zh}卫生检疫站",
            f"{port.name_en} Health Quarantine Station",
            passage=port,
            lon=port.lon,
            lat=port.lat,
        )
    _village_committees()
    return Unit.objects.filter(is_demo=True).count()


def _village_committees() -> None:
    """One demo committee unit per (real) village, inserted in bulk: thousands of villages."""
    villages = list(_places_model("jurisdiction").objects.filter(level=Level.VILLAGE))
    have = {u.code: u for u in Unit.objects.filter(code__in=[f"v{v.code}" for v in villages])}
    new, changed = [], []
    for v in villages:
        zh, en = f"{v.name_zh}（示例）", f"{v.name_en.removesuffix(' (demo)')} Committee (demo)"
        u = have.get(f"v{v.code}")
        if u is None:
            new.append(Unit(code=f"v{v.code}", kind=UnitKind.VILLAGE_COMMITTEE, jurisdiction=v, name_zh=zh, name_en=en, is_demo=True))
        elif (u.name_zh, u.name_en, u.jurisdiction_id) != (zh, en, v.pk):
            u.name_zh, u.name_en, u.jurisdiction = zh, en, v
            changed.append(u)
    Unit.objects.bulk_create(new, batch_size=500)
    Unit.objects.bulk_update(changed, ["name_zh", "name_en", "jurisdiction"], batch_size=500)


def _first_village(county_path: str, code: str) -> Any:
    """The demo grid worker's village: ``code`` (弄岛 by Ruili's port, 尚勇 by Mohan's), else the county's first village committee (村)."""
    qs = _places_model("jurisdiction").objects.filter(level=Level.VILLAGE, path__startswith=county_path).order_by("code")
    if qs.filter(code=code).exists():
        return qs.get(code=code)
    return qs.filter(name_zh__contains="村").first() or qs.first()


# (username, full name, role, unit code) — one per role; Ruili is the worked example, Mengla (Mohan port) its contrast.
def demo_users() -> list[tuple[str, str, str, str]]:
    ruili_village = _first_village("/530000/533100/533102/", "533102103201")
    mengla_village = _first_village("/530000/532800/532823/", "532823105201")
    return [
        ("admin", "管理员 Admin", Role.ADMINISTRATOR, "yn-command"),
        ("province", "省指挥部 张华", Role.PROVINCE_COMMAND, "yn-command"),
        ("dehong", "德宏州指挥部 李明", Role.PREFECTURE_COMMAND, "p533100-command"),
        ("xishuangbanna", "版纳州指挥部 岩温", Role.PREFECTURE_COMMAND, "p532800-command"),
        ("ruili", "瑞丽市指挥部 王芳", Role.COUNTY_COMMAND, "c533102-command"),
        ("mengla", "勐腊县指挥部 玉香", Role.COUNTY_COMMAND, "c532823-command"),
        ("ruili_port", "瑞丽口岸 赵军", Role.PORT_OFFICER, "port-ruili"),
        ("mohan_port", "磨憨口岸 刀勇", Role.PORT_OFFICER, "port-mohan"),
        ("ruili_transfer", "瑞丽转运 陈强", Role.TRANSFER_TEAM, "c533102-transfer"),
        ("mengla_transfer", "勐腊转运 波罕", Role.TRANSFER_TEAM, "c532823-transfer"),
        ("ruili_hotel", "瑞丽隔离酒店 刘丽", Role.FACILITY_STAFF, "c533102-hotel1"),
        ("mengla_hotel", "勐腊隔离酒店 玉罕", Role.FACILITY_STAFF, "c532823-hotel1"),
        ("ruili_hospital", "瑞丽定点医院 周医生", Role.HOSPITAL_STAFF, "c533102-hospital"),
        ("ruili_grid", "瑞丽网格员 岩保", Role.GRID_WORKER, f"v{ruili_village.code}"),
        ("mengla_grid", "勐腊网格员 岩应", Role.GRID_WORKER, f"v{mengla_village.code}"),
        ("ruili_patrol", "瑞丽巡逻队 杨兵", Role.PATROL_MEMBER, "c533102-patrol"),
        ("liaison", "国际联络 孙敏", Role.PARTNER_LIAISON, "yn-command"),
        ("info", "新闻发布 吴静", Role.INFORMATION_OFFICER, "yn-info"),
        ("info2", "新闻审核 郑平", Role.INFORMATION_OFFICER, "yn-info"),
        ("auditor", "审计 钱涛", Role.AUDITOR, "yn-command"),
    ]


@transaction.atomic
def generate_demo_users() -> list[tuple[str, str, str]]:
    User = get_user_model()
    hashed = make_password(DEMO_PASSWORD)  # one hash for all demo users: hashing is slow on purpose
    out = []
    for username, full_name, role, unit_code in demo_users():
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.password = hashed
        user.first_name = full_name[:150]
        user.is_staff = role == Role.ADMINISTRATOR
        user.is_superuser = role == Role.ADMINISTRATOR
        user.save()
        unit = Unit.objects.get(code=unit_code)
        Membership.objects.get_or_create(user=user, unit=unit, role=role)
        out.append((username, str(Role(role).label), unit.name))
    return out
