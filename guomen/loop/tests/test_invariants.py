"""Property-based: random sequences of flows never break the loop's invariants.

- events of a journey are contiguous (1..n) and the stored projection equals their replay, with
  the plan of the next normal check;
- every open journey has exactly one custodian and a due time;
- after a sweep, every overdue journey has exactly one open alert, and no journey that is not
  overdue keeps one (alerts close themselves when the awaited event arrives);
- the counts by state add up to the number of journeys in each state, and the open alerts to their counters.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Sum
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from guomen.alerts.models import Alert, AlertCount
from guomen.core.services import token_create
from guomen.lib import clock as lib_clock
from guomen.lib.errors import DomainError
from guomen.lib.localtime import local_day
from guomen.loop import handover as h
from guomen.loop import projection as proj
from guomen.loop import services as s
from guomen.loop.alerting import AlertKind
from guomen.loop.models import CustodyEvent, DailyCount, Disposition, Journey, JourneyCount, State
from guomen.loop.services.engine import _plan_stored
from guomen.loop.tests.factories import person, u, who

pytestmark = pytest.mark.django_db

UNITS = {
    "port": "port-ruili",
    "transfer": "c533102-transfer",
    "hotel": "c533102-hotel1",
    "hospital": "c533102-hospital",
    "village": "v533102103201",
}
ACTORS = {"port": "ruili_port", "transfer": "ruili_transfer", "hotel": "ruili_hotel", "hospital": "ruili_hospital", "village": "ruili_grid"}


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


class LoopMachine(RuleBasedStateMachine):
    journeys = Bundle("journeys")

    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.clock = Clock(timezone.now())
        self.clock_ctx = lib_clock.at(self.clock)
        self.clock_ctx.__enter__()
        self.units = {k: u(v) for k, v in UNITS.items()}
        self.actors = {k: who(v) for k, v in ACTORS.items()}
        self.api = {k: Client(HTTP_AUTHORIZATION=f"Bearer {token_create(user=a, name='machine')[1]}") for k, a in self.actors.items()}
        self.rooms = 0

    def teardown(self) -> None:
        self.clock_ctx.__exit__(None, None, None)
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _try(self, fn, **kw):
        """Flows may refuse (wrong state, wrong unit…): a refusal must change nothing."""
        j = kw.get("journey")
        before = (j.pk, Journey.objects.filter(pk=j.pk).values_list("last_seq", flat=True).first()) if j else None
        try:
            with transaction.atomic():
                fn(**kw)
        except (DomainError, PermissionDenied):
            if before:
                assert Journey.objects.get(pk=before[0]).last_seq == before[1]

    def _holder(self, j: Journey) -> str:
        j.refresh_from_db()
        for key, unit in self.units.items():
            if unit.pk == j.custodian_id:
                return key
        return "port"

    @initialize(target=journeys)
    def first_arrival(self):
        return s.journey_arrive(actor=self.actors["port"], unit=self.units["port"], person=person())

    @rule(target=journeys)
    def arrival(self):
        return s.journey_arrive(actor=self.actors["port"], unit=self.units["port"], person=person())

    @rule(target=journeys, hours=st.floats(-30, 30))
    def declaration(self, hours):
        return s.journey_declare(
            actor=self.actors["port"], port_unit=self.units["port"], person=person(), expected_at=self.clock.t + timedelta(hours=hours)
        )

    @rule(j=journeys)
    def declared_arrives(self, j):
        self._try(s.journey_arrive, actor=self.actors["port"], unit=self.units["port"], journey=j)

    @rule(j=journeys, t=st.sampled_from([36.4, 36.9, 38.4]))
    def screen(self, j, t):
        self._try(s.journey_screen, actor=self.actors["port"], journey=j, temperature=t)

    @rule(j=journeys, where=st.sampled_from(["hotel", "hospital", "village", "release"]), via=st.booleans())
    def dispose(self, j, where, via):
        disposition = {
            "hotel": Disposition.QUARANTINE,
            "hospital": Disposition.HOSPITAL,
            "village": Disposition.HOME,
            "release": Disposition.RELEASE,
        }[where]
        self._try(
            s.journey_dispose,
            actor=self.actors["port"],
            journey=j,
            disposition=disposition,
            to_unit=None if where == "release" else self.units[where],
            via_unit=self.units["transfer"] if via else None,
        )

    @rule(j=journeys)
    def accept(self, j):
        j.refresh_from_db()
        key = next((k for k, unit in self.units.items() if unit.pk == j.pending_unit_id), None)
        if key is None:
            return
        self.rooms += 1
        self._try(s.handover_accept, actor=self.actors[key], journey=j, unit=self.units[key], room=str(self.rooms), card_code=j.code)

    @rule(j=journeys, to=st.sampled_from(["transfer", "hotel", "hospital", "village"]))
    def redirect(self, j, to):
        """The sender names another receiver for an offer not yet accepted (fever rule applies)."""
        self._try(h.handover_redirect, actor=self.actors[self._holder(j)], journey=j, to_unit=self.units[to], reason="满员")

    @rule(j=journeys)
    def withdraw(self, j):
        self._try(h.handover_withdraw, actor=self.actors[self._holder(j)], journey=j, reason="无回应")

    @rule(j=journeys)
    def override_offer(self, j):
        """Command sends a flagged person elsewhere than hospital, with a reason."""
        self._try(s.handover_offer, actor=who("ruili"), journey=j, to_unit=self.units["hotel"], override_reason="专家组评估")

    @rule(j=journeys)
    def refuse(self, j):
        j.refresh_from_db()
        key = next((k for k, unit in self.units.items() if unit.pk == j.pending_unit_id), None)
        if key is not None:
            self._try(s.handover_refuse, actor=self.actors[key], journey=j, unit=self.units[key], reason="no room")

    @rule(j=journeys, to=st.sampled_from(["hotel", "hospital", "village"]))
    def offer_onward(self, j, to):
        holder = self._holder(j)
        self._try(s.handover_offer, actor=self.actors[holder], journey=j, to_unit=self.units[to])

    @rule(j=journeys, t=st.sampled_from([36.5, 36.8, 37.8]))
    def check(self, j, t):
        self._try(s.health_check, actor=self.actors[self._holder(j)], journey=j, temperature=t)

    @rule(j=journeys, t=st.sampled_from([36.5, 37.8]))
    def check_by_code(self, j, t):
        """The API's way in: by loop code (on PostgreSQL a normal check is written optimistically)."""
        j.refresh_from_db()
        self._try(s.health_check_by_code, actor=self.actors[self._holder(j)], code=j.code, temperature=t)
        j.refresh_from_db()

    @rule(j=journeys, t=st.sampled_from([36.5, 37.8]), earlier=st.sampled_from([0, 0, 2]))
    def check_over_api(self, j, t, earlier):
        """The API with a personal token: on PostgreSQL a normal check is written in the token's own
        statement; ``earlier`` hours back, a reading made offline that may arrive after a newer one."""
        j.refresh_from_db()
        before = j.last_seq
        body = {"temperature": t} | ({"occurred_at": (self.clock.t - timedelta(hours=earlier)).isoformat()} if earlier else {})
        r = self.api[self._holder(j)].post(f"/api/loop/journeys/{j.code}/checks", data=json.dumps(body), content_type="application/json")
        j.refresh_from_db()
        if r.status_code == 201:  # a fever adds the offer to hospital after the check
            assert j.last_seq >= before + 1 and r.json()["seq"] == before + 1, r.content
        else:  # refused (no custody, not under checks…): nothing changed
            assert 400 <= r.status_code < 500 and j.last_seq == before, r.content

    @rule(j=journeys, positive=st.booleans())
    def test_result(self, j, positive):
        self._try(
            s.journey_test_result,
            actor=self.actors[self._holder(j)],
            journey=j,
            sample_id="S",
            result="positive" if positive else "negative",
        )

    @rule(j=journeys)
    def release(self, j):
        self._try(s.journey_release, actor=self.actors[self._holder(j)], journey=j)

    @rule(j=journeys)
    def override_close(self, j):
        self._try(s.journey_close, actor=who("ruili"), journey=j, override_reason="审核 review")

    @rule(j=journeys)
    def close(self, j):
        self._try(s.journey_close, actor=self.actors[self._holder(j)], journey=j)

    @rule(hours=st.sampled_from([1, 3, 7, 13, 30]))
    def time_passes(self, hours):
        self.clock.t += timedelta(hours=hours)

    @rule()
    def sweep_and_escalate(self):
        s.sweep(now=self.clock.t)
        s.escalate(now=self.clock.t)

    # --- invariants ---------------------------------------------------------------------------------
    @invariant()
    def events_contiguous_and_replay_equals_projection(self):
        for j in Journey.objects.select_related("policy"):
            events = list(CustodyEvent.objects.filter(journey=j).order_by("seq"))
            assert [e.seq for e in events] == list(range(1, len(events) + 1)) and j.last_seq == len(events)
            p = proj.replay([proj.Ev(e.seq, e.kind, e.occurred_at, e.unit_id, e.data) for e in events], s.rules_of(j), j.risk)
            assert (p.state, p.state_since, p.custodian_id, p.due_at, p.awaiting, p.pending_unit_id, p.room, p.closed_at) == (
                j.state,
                j.state_since,
                j.custodian_id,
                j.due_at,
                j.awaiting,
                j.pending_unit_id,
                j.room,
                j.closed_at,
            )
            assert p.facts == j.facts
            # what the single check over the API applies in SQL is the projection's own plan, and current
            rules = s.rules_of(j)
            plan = _plan_stored(proj.check_plan(p, rules, j.risk), rules)
            assert (j.check_plan_seq, j.check_plan) == ((j.last_seq if plan else None), plan)
            assert j.jurisdiction_id == j.custodian.jurisdiction_id

    @invariant()
    def open_journeys_have_one_custodian_and_a_due_time(self):
        assert not Journey.objects.filter(closed_at__isnull=True, due_at__isnull=True).exists()
        assert not Journey.objects.filter(closed_at__isnull=True, custodian__isnull=True).exists()
        assert not Journey.objects.exclude(state=State.CLOSED).filter(closed_at__isnull=False).exists()

    @invariant()
    def after_a_sweep_every_overdue_journey_has_exactly_one_open_alert(self):
        s.sweep(now=self.clock.t)
        for j in Journey.objects.all():
            open_alerts = Alert.objects.filter(ref=j.pk, kind=AlertKind.OVERDUE, closed_at__isnull=True).count()
            overdue = j.closed_at is None and j.due_at < self.clock.t
            assert open_alerts == (1 if overdue else 0), (j.code, j.state, j.due_at, self.clock.t)
            assert j.alert_open == bool(open_alerts)

    @invariant()
    def counts_by_state_add_up(self):
        counted = {r["state"]: r["n"] for r in Journey.objects.values("state").annotate(n=Count("id"))}
        kept = {r["state"]: r["n"] for r in JourneyCount.objects.values("state").annotate(n=Sum("n")) if r["n"]}
        assert counted == kept

    @invariant()
    def open_alerts_add_up(self):
        counted = {
            (r["unit_id"], r["kind"], r["level"]): r["n"]
            for r in Alert.objects.filter(closed_at__isnull=True).values("unit_id", "kind", "level").annotate(n=Count("id"))
        }
        kept = {(c.unit_id, c.kind, c.level): c.n for c in AlertCount.objects.all() if c.n}
        assert counted == kept

    @invariant()
    def daily_counts_match_the_events(self):
        counted: dict[tuple, int] = {}
        for e in CustodyEvent.objects.filter(kind__in=["arrived", "test_result"]):
            if e.kind == "arrived" or e.data.get("result") == "positive":
                what = DailyCount.ARRIVED if e.kind == "arrived" else DailyCount.POSITIVE
                key = (e.unit_id, local_day(e.occurred_at), what)
                counted[key] = counted.get(key, 0) + 1
        assert counted == {(c.unit_id, c.day, c.what): c.n for c in DailyCount.objects.all()}


def test_random_flows_keep_every_invariant(world):
    run_state_machine_as_test(
        LoopMachine,
        settings=settings(max_examples=15, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)),
    )
