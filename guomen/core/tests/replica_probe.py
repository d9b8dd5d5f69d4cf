"""Run in its own process against a primary and its streaming replica (see test_replica.py):
signs in as the province command, reads the dashboard, dispatches a task, reads again, then holds
the replica back, and prints what each read did as JSON."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from guomen.core import replica  # noqa: E402


def caught_up() -> bool:
    for _ in range(300):
        if replica.lag_seconds() == 0:
            return True
        time.sleep(0.1)
    return False


def read(client: Client, url: str) -> dict:
    replica.health.reset()
    with CaptureQueriesContext(connections["replica"]) as r, CaptureQueriesContext(connections["default"]) as p:
        resp = client.get(url)

    def app_reads(captured: list[dict]) -> int:
        return sum(1 for q in captured if '"loop_' in q["sql"] or '"command_' in q["sql"])

    return {
        "status": resp.status_code,
        "replica_queries": app_reads(r.captured_queries),
        "primary_app_reads": app_reads(p.captured_queries),
        "dispatch": resp.context["d"].dispatch if resp.context and "d" in resp.context else None,
    }


def main() -> None:
    setup_test_environment()  # the test client records each page's context
    out: dict = {}
    province = get_user_model().objects.get(username="province")
    browser = Client()
    browser.force_login(province)
    out["caught_up"] = caught_up()
    out["before"] = read(browser, "/command/")

    # A write through the page: the dispatch form. Its own next read stays on the primary.
    from guomen.command import queries
    from guomen.org.scoping import Scope

    scope = Scope.of(province)
    unit = queries.assignable_units(scope, queries.node_for(scope, None)).order_by("code").first()
    from guomen.lib import clock

    due = (clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    resp = browser.post("/command/tasks/new/", {"unit": unit.code, "title": "Check the replica", "due_at": due})
    out["write_status"] = resp.status_code
    out["pinned"] = bool(browser.cookies.get(replica.PIN_COOKIE) and browser.cookies[replica.PIN_COOKIE].value)
    out["after_write"] = read(browser, "/command/")

    # Another browser, not pinned, once the replica has caught up, reads there again.
    other = Client()
    other.force_login(province)
    out["caught_up_again"] = caught_up()
    out["other_browser"] = read(other, "/command/")

    # The replica held back (replay paused) while the primary writes on: reads fall back.
    with connections["replica"].cursor() as c:
        c.execute("SELECT pg_wal_replay_pause()")
    with connections["default"].cursor() as c:
        c.execute("CREATE TABLE replica_probe_tick (n int)")
        c.execute("INSERT INTO replica_probe_tick VALUES (1)")
    time.sleep(replica.max_lag() + 1.5)
    out["lag_when_paused"] = replica.lag_seconds()
    out["while_behind"] = read(other, "/command/")
    with connections["replica"].cursor() as c:
        c.execute("SELECT pg_wal_replay_resume()")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
