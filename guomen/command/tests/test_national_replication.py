"""Two provinces and the nation, each its own PostgreSQL cluster on loopback: the provinces publish
their counts table by logical replication, the national database subscribes to both, and the
national view equals the sum of the two provinces' own dashboards — live, as arrivals go on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from guomen.core.tests import pgcluster
from guomen.loop import services as s
from guomen.loop.tests.factories import person, u, who

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)

FIGURES = """
import json
from guomen.command import national
from guomen.command.queries import dashboard
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction
from django.contrib.auth import get_user_model
out = {"national": {}, "own": {}}
f = national.national_figures()
out["national"] = {"total": f.total.figures, "provinces": {p.code: p.figures for p in f.provinces}}
root = Jurisdiction.objects.filter(level="province").first()
if root is not None:
    d = dashboard(Scope.of(get_user_model().objects.get(username="province")), root)
    out["own"] = {"code": root.code, "open": d.open_total, "arrived": d.arrivals_total, "at_gate": d.states.get("at_gate", 0)}
print(json.dumps(out))
"""

ARRIVE = """
from guomen.command import national
from guomen.loop import services as s
from guomen.loop.tests.factories import person, u, who
s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person("port-ruili"), origin_country="MMR")
national.publish()
"""


def _manage(cluster: pgcluster.Cluster, *args: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "guomen.settings_test", "DATABASE_URL": cluster.url()}
    r = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, (args[:2], r.stdout[-2000:], r.stderr[-3000:])
    return r.stdout


def _figures(cluster: pgcluster.Cluster) -> dict:
    return json.loads(_manage(cluster, "shell", "-c", FIGURES).strip().splitlines()[-1])


def _arrive(n: int) -> None:
    for _ in range(n):
        s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person("port-ruili"), origin_country="MMR")


def _wait(cluster: pgcluster.Cluster, check, seconds: float = 90) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        figures = _figures(cluster)
        if check(figures) or time.monotonic() > deadline:
            return figures
        time.sleep(1)


def test_the_national_view_is_the_sum_of_two_provinces_gathered_by_logical_replication(flushable_events, world):
    pgcluster.require()
    with pgcluster.clusters("yunnan", "guangxi", "nation") as c:
        for name in ("yunnan", "guangxi"):
            c[name].init(wal_level="logical")
            c[name].start()
        c["nation"].init()
        c["nation"].start()

        # The second province: the demo world under Guangxi's codes (45…), with three arrivals.
        _arrive(3)
        c["guangxi"].load_test_database()
        c["guangxi"].psql(
            "UPDATE places_jurisdiction SET code = '45' || substr(code, 3), path = regexp_replace(path, '/53', '/45', 'g'), "
            "name_zh = CASE WHEN level = 'province' THEN '广西壮族自治区' ELSE name_zh END, "
            "name_en = CASE WHEN level = 'province' THEN 'Guangxi' ELSE name_en END"
        )
        # Yunnan: two more arrivals than that.
        _arrive(2)
        c["yunnan"].load_test_database()
        c["nation"].load_test_database(schema_only=True)

        for name in ("yunnan", "guangxi"):
            assert "publication guomen_national" in _manage(c[name], "national_publication")
            assert "created" in _manage(c["nation"], "national_subscription", name, c[name].conninfo())
        # Idempotent: again, nothing new.
        assert "exists" in _manage(c["nation"], "national_subscription", "yunnan", c["yunnan"].conninfo())

        yn, gx = _figures(c["yunnan"])["own"], _figures(c["guangxi"])["own"]
        assert (yn["code"], gx["code"]) == ("530000", "450000")
        assert (yn["arrived"], gx["arrived"]) == (5, 3)

        def summed(f: dict) -> bool:
            return f["national"]["total"].get("arrived") == yn["arrived"] + gx["arrived"]

        nation = _wait(c["nation"], summed)
        assert summed(nation), nation
        total = nation["national"]["total"]
        open_total = sum(n for k, n in total.items() if k.startswith("state:") and k != "state:closed")
        assert open_total == yn["open"] + gx["open"]
        assert total["state:at_gate"] == yn["at_gate"] + gx["at_gate"]
        assert nation["national"]["provinces"]["530000"]["arrived"] == 5
        assert nation["national"]["provinces"]["450000"]["arrived"] == 3
        # The national database holds no person: only the counts table came over.
        assert c["nation"].psql("SELECT count(*) FROM people_person") == "0"
        assert c["nation"].psql("SELECT count(*) FROM loop_journey") == "0"

        # Live: one more arrival in Yunnan reaches the national sum by itself.
        _manage(c["yunnan"], "shell", "-c", ARRIVE)
        nation = _wait(c["nation"], lambda f: f["national"]["total"].get("arrived") == 9)
        assert nation["national"]["total"]["arrived"] == 9
        assert nation["national"]["provinces"]["530000"]["arrived"] == 6
