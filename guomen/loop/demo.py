"""Demo journeys: a few hundred people in every state, replayed through the real services.

Histories are replayed on a simulated clock (``guomen.lib.clock.at``) from up to 24 days ago, so
quarantine days, checks, tests, overdue handovers and escalated alerts are all real outcomes
of the flows, not rows written by hand. Deterministic (seeded).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from guomen.lib import clock as lib_clock
from guomen.org.models import Membership, Role, Unit, UnitKind
from guomen.people.services import person_register

from . import services as s
from .models import Disposition, Journey, State

PORTS = ["ruili", "wanding", "zhangfeng", "mohan", "hekou", "qingshuihe", "nansan", "houqiao", "daluo", "tianbao"]
NAMES = {
    "CHN": (
        ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "岩", "玉", "刀", "段"],
        ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "香", "罕", "温"],
    ),
    "MMR": (
        ["အောင်ကျော်", "မောင်မောင်", "ခင်မာ", "သန်းထွန်း", "ဇော်ဝင်း", "နန်းစိန်"],
        ["Aung Kyaw", "Maung Maung", "Khin Ma", "Than Tun", "Zaw Win", "Nang Sein"],
    ),
    "LAO": (["ສົມພອນ", "ບຸນມີ", "ຄຳພັນ", "ວັນນາ"], ["Somphone", "Bounmy", "Khamphan", "Vanna"]),
    "VNM": (
        ["Nguyễn Văn An", "Trần Thị Hoa", "Lê Văn Minh", "Phạm Thị Lan"],
        ["Nguyen Van An", "Tran Thi Hoa", "Le Van Minh", "Pham Thi Lan"],
    ),
}
# The pinyin of the characters above, as Chinese passports print names (no tone marks).
PINYIN = {
    **{"王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang", "赵": "zhao"},
    **{"黄": "huang", "周": "zhou", "吴": "wu", "岩": "yan", "玉": "yu", "刀": "dao", "段": "duan"},
    **{"伟": "wei", "芳": "fang", "娜": "na", "敏": "min", "静": "jing", "强": "qiang", "磊": "lei", "军": "jun"},
    **{"洋": "yang", "勇": "yong", "艳": "yan", "杰": "jie", "娟": "juan", "涛": "tao", "明": "ming", "香": "xiang"},
    **{"罕": "han", "温": "wen"},
}
# How far each demo journey gets; weights give every state a real share.
TARGETS = [
    ("declared", 3),
    ("declared_lapsed", 1),
    ("at_gate", 3),
    ("at_gate_overdue", 1),
    ("offered_transfer", 1),
    ("offered_never_accepted", 1),
    ("in_transit", 1),
    ("in_facility", 9),
    ("facility_missed_checks", 1),
    ("in_hospital", 1),
    ("home", 4),
    ("home_missed", 1),
    ("closed", 3),
]


class _Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


def _actor(unit: Unit, role: str) -> Any:
    """A member who acts for the unit: the demo user if there is one, else a demo staff account."""
    m = Membership.objects.filter(unit=unit).select_related("user").first()
    if m:
        return m.user
    user, created = get_user_model().objects.get_or_create(
        username=f"demo-{unit.code}"[:150], defaults={"first_name": f"{unit.name_zh} 值班员"}
    )
    if created:
        user.set_unusable_password()  # a name on the records, not a login
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, unit=unit, role=role)
    if hasattr(user, "_guomen_scope"):
        del user._guomen_scope
    return user


def _in_county(county_path: str, kind: str) -> list[Unit]:
    return list(Unit.objects.filter(kind=kind, jurisdiction__path__startswith=county_path, active=True).order_by("code"))


def demo_names(rng: random.Random, nat: str) -> tuple[str, str]:
    """A person's name in the script of their nationality and in Latin letters as in the passport:
    Chinese characters and their pinyin (surname, then the given name in one word) for a Chinese
    citizen; the native name and its passport spelling for a neighbour's."""
    if nat == "CHN":
        sur, giv = NAMES["CHN"]
        chars = [rng.choice(sur), rng.choice(giv)]
        chars += [rng.choice(giv)] if rng.random() < 0.5 else []
        given = "".join(PINYIN[c] for c in chars[1:])
        return "".join(chars), f"{PINYIN[chars[0]].capitalize()} {given.capitalize()}"
    i = rng.randrange(len(NAMES[nat][0]))
    return NAMES[nat][0][i], NAMES[nat][1][i]


def _person(rng: random.Random, port_unit: Unit, actor: Any, n: int) -> Any:
    nat = rng.choices(["CHN", "MMR", "LAO", "VNM"], weights=[6, 3, 1, 1])[0]
    native, latin = demo_names(rng, nat)
    number = f"{'EG' if nat == 'CHN' else nat[0] + 'P'}{port_unit.pk:03d}{n:05d}"
    return person_register(
        actor=actor,
        unit=port_unit,
        name_native=native,
        name_latin=latin,
        sex=rng.choice("FM"),
        birth_date=f"{rng.randint(1950, 2008)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        nationality=nat,
        category="returnee" if nat == "CHN" else rng.choice(["traveller", "border_resident", "driver"]),
        documents=[{"kind": "passport", "number": number, "issuing_country": nat, "valid_until": f"{rng.randint(2025, 2032)}-06-30"}],
    )


def _checks(j: Journey, actor: Any, clock: _Clock, until: datetime, every: timedelta, rng: random.Random, *, tests: bool) -> None:
    """Checks (and tests on the policy's days) from the start of the stay until ``until``."""
    j.refresh_from_db()
    start_key = "quarantine_started_at" if j.state == State.IN_FACILITY else "monitoring_started_at"
    start = datetime.fromisoformat(j.facts[start_key])
    test_days = set(s.rules_of(j).test_days) if tests else set()
    t = start + every - timedelta(minutes=rng.randint(10, 90))
    while t < until and j.state in (State.IN_FACILITY, State.HOME_MONITORING):
        clock.t = t
        s.health_check(actor=actor, journey=j, temperature=round(rng.uniform(36.1, 37.0), 1))
        day = (t - start).days + 1
        if day in test_days:
            test_days.discard(day)
            s.journey_test_result(actor=actor, journey=j, sample_id=f"{j.code}-D{day}", result="negative")
        j.refresh_from_db()
        t += every


@transaction.atomic
def generate_demo_journeys(seed: int = 2020, per_port: int = 24) -> int:
    if Journey.objects.exists():
        return 0
    rng = random.Random(seed)
    now = lib_clock.now()
    clock = _Clock(now)
    made = 0
    weights = [w for _t, w in TARGETS]
    with lib_clock.at(clock):
        for code in PORTS:
            port = Unit.objects.select_related("jurisdiction").get(code=f"port-{code}")
            county = port.jurisdiction.path
            hotels = _in_county(county, UnitKind.QUARANTINE_FACILITY)
            transfer = _in_county(county, UnitKind.TRANSFER_TEAM)[0]
            hospital = _in_county(county, UnitKind.HOSPITAL)[0]
            villages = _in_county(county, UnitKind.VILLAGE_COMMITTEE)
            officer = _actor(port, Role.PORT_OFFICER)
            for n in range(per_port):
                target = rng.choices([t for t, _w in TARGETS], weights=weights)[0]
                clock.t = now - timedelta(days=24)
                person = _person(rng, port, officer, n)
                made += 1
                _play(target, rng, clock, now, port, officer, person, hotels, transfer, hospital, villages)
        # People who came in outside a port: intercepted by a patrol, or found by a village.
        for n, code in enumerate(PORTS[:6]):
            port = Unit.objects.select_related("jurisdiction").get(code=f"port-{code}")
            county = port.jurisdiction.path
            patrol = _in_county(county, UnitKind.PATROL_TEAM)[0]
            village = _in_county(county, UnitKind.VILLAGE_COMMITTEE)[n % 3]
            for k, (unit, role, found) in enumerate([(patrol, Role.PATROL_MEMBER, False), (village, Role.GRID_WORKER, True)]):
                clock.t = now - timedelta(hours=rng.uniform(0.5, 6))
                who = _actor(unit, role)
                person = _person(rng, unit, who, 500 + 10 * n + k)
                s.journey_intercept(
                    actor=who,
                    unit=unit,
                    person=person,
                    found_locally=found,
                    origin_country=person.nationality,
                    place="村口（示例）" if found else "边境便道（示例）",
                )
                made += 1
    # The sweep, as the worker would have run it over the last day: alerts open, some escalated.
    for hours_ago in (30, 7, 3, 0):
        s.sweep(now=now - timedelta(hours=hours_ago))
    while s.escalate(now=now):
        pass
    return made


def _play(
    target: str,
    rng: random.Random,
    clock: _Clock,
    now: datetime,
    port: Unit,
    officer: Any,
    person: Any,
    hotels: list[Unit],
    transfer: Unit,
    hospital: Unit,
    villages: list[Unit],
) -> None:
    if target in ("declared", "declared_lapsed"):
        clock.t = now - timedelta(hours=rng.uniform(2, 20))
        expected = now + timedelta(hours=rng.uniform(1, 30)) if target == "declared" else now - timedelta(hours=rng.uniform(26, 40))
        s.journey_declare(
            actor=officer, port_unit=port, person=person, expected_at=expected, origin_country=person.nationality, source="demo manifest"
        )
        return
    days_back = {
        "at_gate": 0,
        "at_gate_overdue": 0,
        "offered_transfer": 0,
        "offered_never_accepted": 1,
        "in_transit": 0,
        "in_facility": rng.uniform(1, 13),
        "facility_missed_checks": rng.uniform(2, 10),
        "in_hospital": rng.uniform(1, 8),
        "home": rng.uniform(15, 20),
        "home_missed": rng.uniform(15, 19),
        "closed": rng.uniform(22, 23.5),
    }[target]
    hours_back = {
        "at_gate": rng.uniform(0.3, 3),
        "at_gate_overdue": rng.uniform(5, 9),
        "offered_transfer": rng.uniform(1, 2),
        "offered_never_accepted": 10,
        "in_transit": rng.uniform(2.5, 4),
    }.get(target, 0)
    clock.t = now - timedelta(days=days_back, hours=hours_back)
    j = s.journey_arrive(
        actor=officer, unit=port, person=person, origin_country=person.nationality, risk=rng.choice(["low", "medium", "medium", "high"])
    )
    clock.t += timedelta(minutes=rng.randint(5, 25))
    doc = person.documents.first()
    s.document_check(actor=officer, journey=j, document=doc)
    s.journey_screen(actor=officer, journey=j, temperature=38.1 if target == "in_hospital" else round(rng.uniform(36.0, 37.0), 1))
    s.journey_sample(actor=officer, journey=j, sample_id=f"{j.code}-G")
    if target in ("at_gate", "at_gate_overdue"):
        return
    clock.t += timedelta(minutes=rng.randint(10, 40))
    hotel = rng.choice(hotels)
    if target == "in_hospital":
        s.journey_dispose(actor=officer, journey=j, disposition=Disposition.HOSPITAL, to_unit=hospital, via_unit=transfer)
    else:
        s.journey_dispose(actor=officer, journey=j, disposition=Disposition.QUARANTINE, to_unit=hotel, via_unit=transfer)
    if target in ("offered_transfer", "offered_never_accepted"):
        return
    crew = _actor(transfer, Role.TRANSFER_TEAM)
    clock.t += timedelta(minutes=rng.randint(10, 30))
    s.handover_accept(actor=crew, journey=j, unit=transfer, card_code=j.code)
    if target == "in_transit":
        return
    clock.t += timedelta(hours=rng.uniform(1, 3))
    dest = hospital if target == "in_hospital" else hotel
    s.handover_offer(actor=crew, journey=j, to_unit=dest)
    clock.t += timedelta(minutes=rng.randint(5, 40))
    if target == "in_hospital":
        staff = _actor(hospital, Role.HOSPITAL_STAFF)
        s.handover_accept(actor=staff, journey=j, unit=hospital, card_code=j.code)
        t = clock.t
        while t + timedelta(hours=23) < now:
            t += timedelta(hours=rng.uniform(20, 23))
            clock.t = t
            s.hospital_report(actor=staff, journey=j, condition=rng.choice(["stable", "improving"]))
        return
    staff = _actor(hotel, Role.FACILITY_STAFF)
    room = _free_room(hotel, rng)
    if room is None:
        return
    s.handover_accept(actor=staff, journey=j, unit=hotel, room=room, card_code=j.code)
    j.refresh_from_db()
    qstart = datetime.fromisoformat(j.facts["quarantine_started_at"])
    until = now - timedelta(hours=rng.uniform(20, 40)) if target == "facility_missed_checks" else min(now, qstart + timedelta(days=14))
    _checks(j, staff, clock, until, timedelta(hours=12), rng, tests=True)
    if target in ("in_facility", "facility_missed_checks"):
        return
    clock.t = qstart + timedelta(days=14, minutes=rng.randint(5, 90))
    s.journey_release(actor=staff, journey=j)
    village = rng.choice(villages)
    s.handover_offer(actor=staff, journey=j, to_unit=village)
    clock.t += timedelta(hours=rng.uniform(1, 4))
    grid = _actor(village, Role.GRID_WORKER)
    s.handover_accept(actor=grid, journey=j, unit=village, card_code=j.code)
    j.refresh_from_db()
    mstart = datetime.fromisoformat(j.facts["monitoring_started_at"])
    until = now - timedelta(hours=rng.uniform(32, 50)) if target == "home_missed" else min(now, mstart + timedelta(days=7))
    _checks(j, grid, clock, until, timedelta(hours=24), rng, tests=False)
    if target == "closed":
        clock.t = mstart + timedelta(days=7, minutes=30)
        s.journey_close(actor=grid, journey=j)


def _free_room(hotel: Unit, rng: random.Random) -> str | None:
    taken = set(Journey.objects.filter(custodian=hotel, state=State.IN_FACILITY).values_list("room", flat=True))
    if hotel.capacity is not None and len(taken) >= hotel.capacity:
        return None
    free = [f"{floor}{n:02d}" for floor in range(1, 7) for n in range(1, 21) if f"{floor}{n:02d}" not in taken]
    return rng.choice(free[:60])
