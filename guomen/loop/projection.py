"""A journey's current state as a fold over its events — pure, no database.

``apply(p, event)`` gives the next projection; ``replay(events)`` folds them all. The services
store the result on the journey row; tests replay the events and compare.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from .models import EventKind, State
from .policy import Rules

# What a journey waits for in each open state (the `awaiting` field).
AWAIT_ARRIVAL = "arrival"
AWAIT_DISPOSITION = "disposition"
AWAIT_ACCEPTANCE = "acceptance"
AWAIT_DELIVERY = "delivery"
AWAIT_CHECK = "health_check"
AWAIT_TEST = "test"
AWAIT_RELEASE = "release"
AWAIT_HANDOVER = "onward_handover"
AWAIT_REPORT = "hospital_report"
AWAIT_CLOSURE = "closure"


@dataclass(frozen=True)
class Ev:
    """The parts of a custody event the projection reads."""

    seq: int
    kind: str
    occurred_at: datetime
    unit_id: int
    data: dict[str, Any]


@dataclass(frozen=True)
class Projection:
    state: str = ""
    state_since: datetime | None = None
    custodian_id: int | None = None
    due_at: datetime | None = None
    awaiting: str = ""
    pending_unit_id: int | None = None
    expected_at: datetime | None = None
    room: str = ""
    closed_at: datetime | None = None
    last_seq: int = 0
    facts: dict[str, Any] = field(default_factory=dict)


def _iso(t: datetime) -> str:
    return t.isoformat()


def _t(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


def apply(p: Projection, e: Ev, rules: Rules, risk: str) -> Projection:
    n = _apply(p, e, rules, risk)
    return n if n.state == p.state else replace(n, state_since=e.occurred_at)


def _apply(p: Projection, e: Ev, rules: Rules, risk: str) -> Projection:
    if e.seq != p.last_seq + 1:
        raise ValueError(f"event #{e.seq} does not follow #{p.last_seq}")
    f = dict(p.facts)
    n = replace(p, last_seq=e.seq, facts=f)
    k, t, d = e.kind, e.occurred_at, e.data
    if k == EventKind.DECLARED:
        exp = _t(d["expected_at"])
        return replace(
            n,
            state=State.DECLARED,
            custodian_id=e.unit_id,
            expected_at=exp,
            due_at=exp + rules.hours("declared_grace_hours"),
            awaiting=AWAIT_ARRIVAL,
        )
    if k == EventKind.ARRIVED:
        f["arrived_at"] = _iso(t)
        return replace(
            n,
            state=State.AT_GATE,
            custodian_id=e.unit_id,
            expected_at=None,
            due_at=t + rules.hours("gate_hours"),
            awaiting=AWAIT_DISPOSITION,
        )
    if k in (EventKind.INTERCEPTED, EventKind.FOUND_LOCALLY):
        f["held_at"] = _iso(t)
        return replace(n, state=State.INTERCEPTED, custodian_id=e.unit_id, due_at=t + rules.hours("gate_hours"), awaiting=AWAIT_DISPOSITION)
    if k == EventKind.SCREENED:
        _reading(f, d, rules)
        return n
    if k in (EventKind.DOCUMENT_CHECKED, EventKind.SAMPLED, EventKind.DISPOSED):
        if k == EventKind.DISPOSED:
            f["disposition"] = d["disposition"]
            if d.get(HERE):  # home monitoring by the custodian committee itself: no handover
                f["monitoring_started_at"] = _iso(t)
                return _timed(replace(n, state=State.HOME_MONITORING, pending_unit_id=None, expected_at=None), rules, risk)
        return n
    if k == EventKind.TEST_RESULT:
        tests = [*f.get("tests", []), {"at": _iso(t), "result": d["result"], "in_facility": p.state == State.IN_FACILITY}]
        f["tests"] = tests
        if d["result"] == "positive":
            f["positive"] = True
        else:
            f.pop("positive", None)  # a later negative result clears an earlier positive
        return _timed(n, rules, risk)
    if k in (EventKind.HANDOVER_OFFERED, EventKind.HANDOVER_REDIRECTED):
        if p.state != State.HANDOVER_OFFERED:
            f["offer_from"] = p.state
            f["offer_from_awaiting"] = p.awaiting
        exp = _t(d["expected_at"])
        return replace(
            n,
            state=State.HANDOVER_OFFERED,
            pending_unit_id=d["to_unit"],
            expected_at=exp,
            due_at=exp + rules.hours("handover_grace_hours"),
            awaiting=AWAIT_ACCEPTANCE,
        )
    if k in (EventKind.HANDOVER_REFUSED, EventKind.HANDOVER_WITHDRAWN):
        back = f.pop("offer_from", State.AT_GATE)
        f.pop("offer_from_awaiting", None)
        return replace(
            n, state=back, pending_unit_id=None, expected_at=None, due_at=t + rules.hours("gate_hours"), awaiting=AWAIT_DISPOSITION
        )
    if k == EventKind.HANDOVER_ACCEPTED:
        to = d["to_state"]
        f.pop("offer_from", None)
        f.pop("offer_from_awaiting", None)
        f["accepted_at"] = _iso(t)
        if to == State.IN_FACILITY:
            f.setdefault("quarantine_started_at", _iso(t))
            f.pop("released_at", None)
        if to == State.HOME_MONITORING:
            f.setdefault("monitoring_started_at", _iso(t))
        room = d.get("room", "") if to == State.IN_FACILITY else ""
        m = replace(n, state=to, custodian_id=e.unit_id, pending_unit_id=None, expected_at=None, room=room)
        if to in (State.AT_GATE, State.INTERCEPTED):
            return replace(m, due_at=t + rules.hours("gate_hours"), awaiting=AWAIT_DISPOSITION)
        return _timed(m, rules, risk)
    if k == EventKind.HEALTH_CHECK:
        if d.get(CUSTODY_MOVED):
            return n  # done before the person left the checker's custody, arrived after: on the timeline only
        last = _t(f.get("last_check_at"))
        if last and t < last:
            # An older reading that arrived after a newer one (made offline): the newer stands,
            # except that a fever or symptom is never ignored.
            _reading(f, d, rules, raise_only=True)
            return n
        f["last_check_at"] = _iso(t)
        _reading(f, d, rules)
        return _timed(n, rules, risk)
    if k == EventKind.HOSPITAL_REPORT:
        f["last_report_at"] = _iso(t)
        if d.get("condition") == "recovered":  # the hospital's clearance ends every flag
            for key in FLAGS:
                f.pop(key, None)
        return _timed(n, rules, risk)
    if k == EventKind.RELEASED:
        # Released from quarantine: the room is free for the next person, though the facility
        # keeps custody until the onward handover is accepted.
        f["released_at"] = _iso(t)
        return replace(n, due_at=t + rules.hours("gate_hours"), awaiting=AWAIT_HANDOVER, room="")
    if k == EventKind.UNDONE:  # the journey as it stood before the undone step (``services.undo``)
        r = d["restore"]
        return replace(
            n,
            state=r["state"],
            custodian_id=r["custodian_id"],
            due_at=_t(r.get("due_at")),
            awaiting=r.get("awaiting", ""),
            pending_unit_id=r.get("pending_unit_id"),
            expected_at=_t(r.get("expected_at")),
            room=r.get("room", ""),
            closed_at=None,
            facts=dict(r.get("facts") or {}),
        )
    if k in (EventKind.CLOSED, EventKind.OVERRIDE_CLOSED):
        return replace(n, state=State.CLOSED, closed_at=t, due_at=None, awaiting="", pending_unit_id=None, expected_at=None, room="")
    raise ValueError(f"unknown event kind {k!r}")


# The person's health flags kept in ``facts``: each stands until a later reading or result clears it.
FEVER, SYMPTOMS, POSITIVE = "fever", "symptoms", "positive"
FLAGS = (FEVER, SYMPTOMS, POSITIVE)


# A disposition's data key: home monitoring by the village committee that already holds the person.
HERE = "here"


# A health check's data key: it was done while the checker held the person, and arrived after the
# person had moved on (e.g. to hospital): kept on the timeline, it changes nothing.
CUSTODY_MOVED = "custody_moved"


def _reading(f: dict[str, Any], d: dict[str, Any], rules: Rules, *, raise_only: bool = False) -> None:
    """A screening or health check: the latest reading decides whether fever and symptoms stand
    (``raise_only``: an older reading that arrived late may raise a flag, never clear one)."""
    t = d.get("temperature")
    fever = t >= rules.fever_celsius if isinstance(t, int | float) else bool(d.get("fever"))
    for key, on in ((FEVER, fever), (SYMPTOMS, bool(d.get("symptoms")))):
        if on:
            f[key] = True
        elif not raise_only:
            f.pop(key, None)


def flags(facts: dict[str, Any]) -> list[str]:
    """What stands against moving the person anywhere but a hospital: fever or symptoms at the
    latest screening or check, a positive result with no later negative (or recovery report).
    The one definition every moving path, page and API answer uses."""
    return [key for key in FLAGS if facts.get(key)]


@dataclass(frozen=True)
class CheckPlan:
    """What a normal health check does to a journey under checks, fixed until another kind of event:
    the next check is due ``step`` after the later of the check and ``start``, unless ``other_due``
    (the next test, the release, the end of monitoring: ``other_awaiting``) comes first."""

    start: datetime
    step: timedelta
    other_due: datetime
    other_awaiting: str

    def due(self, last_check: datetime | None) -> tuple[datetime, str]:
        check = (max(last_check, self.start) if last_check else self.start) + self.step
        return (check, AWAIT_CHECK) if check <= self.other_due else (self.other_due, self.other_awaiting)


def check_plan(p: Projection, rules: Rules, risk: str) -> CheckPlan | None:
    """The ``CheckPlan`` of a journey in quarantine (not yet released) or under home monitoring;
    None in any other state."""
    f = p.facts
    if p.state == State.IN_FACILITY and not f.get("released_at"):
        start = _t(f["quarantine_started_at"])
        others = []
        taken = sum(1 for x in f.get("tests", []) if x.get("in_facility"))
        if taken < len(rules.test_days):
            others.append((start + timedelta(days=rules.test_days[taken]), AWAIT_TEST))
        others.append((start + timedelta(days=rules.quarantine_days[risk]), AWAIT_RELEASE))
        other, what = min(others, key=lambda o: o[0])  # the first of equals: a test before the release
        return CheckPlan(start, rules.check_interval + rules.hours("check_grace_hours"), other, what)
    if p.state == State.HOME_MONITORING:
        start = _t(f["monitoring_started_at"])
        step = timedelta(days=1) + rules.hours("home_check_grace_hours")
        return CheckPlan(start, step, start + timedelta(days=rules.home_days[risk]), AWAIT_CLOSURE)
    return None


def _timed(p: Projection, rules: Rules, risk: str) -> Projection:
    """Due time and what is awaited, for the states whose deadline follows the calendar."""
    f = p.facts
    if p.state == State.IN_FACILITY and f.get("released_at"):
        return p  # released: waiting for the onward handover, due already set
    plan = check_plan(p, rules, risk)
    if plan is not None:
        due, what = plan.due(_t(f.get("last_check_at")))
        return replace(p, due_at=due, awaiting=what)
    if p.state == State.IN_HOSPITAL:
        start = _t(f.get("accepted_at"))
        last = _t(f.get("last_report_at"))
        base = max(x for x in (start, last) if x)
        return replace(p, due_at=base + rules.hours("hospital_report_hours"), awaiting=AWAIT_REPORT)
    if p.state == State.IN_TRANSIT:
        return replace(p, due_at=_t(f["accepted_at"]) + rules.hours("transfer_hours"), awaiting=AWAIT_DELIVERY)
    return p


def replay(events: list[Ev], rules: Rules, risk: str) -> Projection:
    p = Projection()
    for e in events:
        p = apply(p, e, rules, risk)
    return p


def quarantine_served(p: Projection, rules: Rules, risk: str, now: datetime) -> bool:
    start = _t(p.facts.get("quarantine_started_at"))
    return bool(start) and now >= start + timedelta(days=rules.quarantine_days[risk])


def tests_satisfied(p: Projection, rules: Rules) -> bool:
    tests = [x for x in p.facts.get("tests", []) if x.get("in_facility")]
    return len(tests) >= len(rules.test_days) and all(x["result"] == "negative" for x in tests)


def monitoring_served(p: Projection, rules: Rules, risk: str, now: datetime) -> bool:
    start = _t(p.facts.get("monitoring_started_at"))
    return bool(start) and now >= start + timedelta(days=rules.home_days[risk])
