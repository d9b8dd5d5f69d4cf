"""The steps a journey page offers: which ones the journey's state and the user's role allow, and
which one comes first.

One table (``STEPS``) says, for each step, who takes it (the custodian, the unit it is offered
to, or command) and in which states; ``guide`` reads it with the journey's projection and returns
the primary step and the rest. The journey page and its actions (``views.actions``) both use it,
so a page never offers a step its action would not take.
"""

from __future__ import annotations

from dataclasses import dataclass

from guomen.lib import clock
from guomen.org.models import UnitKind
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope

from . import services as s
from .models import EventKind, Journey, State
from .projection import flags, monitoring_served, quarantine_served, tests_satisfied

GATE = (State.AT_GATE, State.INTERCEPTED)
HOLDER, RECEIVER, COMMAND = "holder", "receiver", "command"


@dataclass(frozen=True)
class Step:
    name: str
    who: str
    states: tuple[str, ...]
    released: bool | None = None  # in quarantine: only before (False) or after (True) release
    confirm: bool = False  # irreversible: the page asks before it is taken
    custodians: tuple[str, ...] = ()  # only when the custodian is a unit of these kinds


STEPS: tuple[Step, ...] = (
    Step("arrive", HOLDER, (State.DECLARED,), confirm=True),
    Step("accept", RECEIVER, (State.HANDOVER_OFFERED,)),
    Step("withdraw", HOLDER, (State.HANDOVER_OFFERED,)),
    Step("redirect", HOLDER, (State.HANDOVER_OFFERED,)),
    Step("refuse", RECEIVER, (State.HANDOVER_OFFERED,)),
    Step("document", HOLDER, (State.DECLARED, *GATE)),
    Step("screen", HOLDER, GATE),
    Step("check", HOLDER, (State.IN_FACILITY, State.HOME_MONITORING), released=False),
    Step("sample", HOLDER, (*GATE, State.IN_FACILITY, State.IN_HOSPITAL, State.HOME_MONITORING), released=False),
    Step("result", HOLDER, (*GATE, State.IN_FACILITY, State.IN_HOSPITAL, State.HOME_MONITORING), released=False),
    Step("home_here", HOLDER, GATE, custodians=(UnitKind.VILLAGE_COMMITTEE,)),
    Step("dispose", HOLDER, GATE),
    Step("report", HOLDER, (State.IN_HOSPITAL,)),
    Step("release", HOLDER, (State.IN_FACILITY,), released=False, confirm=True),
    Step("offer", HOLDER, (*GATE, State.IN_TRANSIT, State.IN_FACILITY, State.IN_HOSPITAL), released=True),
    Step("close", HOLDER, (State.IN_HOSPITAL, State.HOME_MONITORING), confirm=True),
    Step("override_release", COMMAND, (State.IN_FACILITY,), released=False, confirm=True),
    Step("override_close", COMMAND, tuple(s for s in State.values if s != State.CLOSED), confirm=True),
)
BY_NAME = {step.name: step for step in STEPS}
CONFIRM = frozenset(step.name for step in STEPS if step.confirm)


@dataclass(frozen=True)
class Guide:
    primary: str | None
    others: list[str]

    @property
    def all(self) -> set[str]:
        return ({self.primary} if self.primary else set()) | set(self.others)


def _roles(scope: Scope, j: Journey) -> set[str]:
    if scope.read_only:
        return set()
    roles = set()
    if scope.acts_for(j.custodian):
        roles.add(HOLDER)
    if j.pending_unit is not None and scope.acts_for(j.pending_unit):
        roles.add(RECEIVER)
    if scope.has_role(*COMMAND_ROLES):
        roles.add(COMMAND)
    return roles


def allowed(scope: Scope, j: Journey) -> list[str]:
    """The steps this user may take on this journey now, in the table's order."""
    roles = _roles(scope, j)
    released = bool(j.facts.get("released_at"))
    out = []
    for step in STEPS:
        if step.who not in roles or j.state not in step.states:
            continue
        if step.released is not None and j.state == State.IN_FACILITY and step.released != released:
            continue
        if step.custodians and j.custodian.kind not in step.custodians:
            continue
        out.append(step.name)
    return out


def _primary(j: Journey, steps: list[str]) -> str | None:
    """What the person at the desk most likely does next."""
    if "arrive" in steps:
        return "arrive"
    if "accept" in steps:
        return "accept"
    if j.state in GATE and "dispose" in steps:
        done = set(j.events.filter(kind__in=(EventKind.DOCUMENT_CHECKED, EventKind.SCREENED)).values_list("kind", flat=True))
        if EventKind.DOCUMENT_CHECKED not in done and j.person.documents.exists():
            return "document"
        if EventKind.SCREENED not in done:
            return "screen"
        # a village's own returnee with nothing against staying home: monitored here; else decide
        return "home_here" if "home_here" in steps and not flags(j.facts or {}) else "dispose"
    p, rules, now = s.progress(j), s.rules_of(j), clock.now()
    if j.state == State.IN_FACILITY and "release" in steps:
        return "release" if quarantine_served(p, rules, j.risk, now) and tests_satisfied(p, rules) else "check"
    if j.state == State.HOME_MONITORING and "check" in steps:
        return "close" if monitoring_served(p, rules, j.risk, now) else "check"
    if j.state == State.IN_HOSPITAL and "report" in steps:
        last = j.events.filter(kind=EventKind.HOSPITAL_REPORT).order_by("-seq").first()
        return "close" if last is not None and last.data.get("condition") == "recovered" else "report"
    for name in ("offer", "withdraw"):
        if name in steps:
            return name
    return None


def guide(scope: Scope, j: Journey) -> Guide:
    steps = allowed(scope, j)
    primary = _primary(j, steps)
    return Guide(primary=primary, others=[n for n in steps if n != primary])
