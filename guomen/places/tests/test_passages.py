"""Passage status on a date, and the crossing check at closed passages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from guomen.lib.errors import DomainError
from guomen.places.models import Passage, PassageKind, PassageStatus, PassageStatusKind
from guomen.places.services import crossing_check, passage_status_set, status_on

CST = dt.timezone(dt.timedelta(hours=8))
pytestmark = pytest.mark.django_db


def at(y, m, d, h=12):
    return dt.datetime(y, m, d, h, tzinfo=CST)


def test_port_status_on_a_date_follows_the_demo_history(world):
    ruili = Passage.objects.get(code="ruili")
    assert status_on(ruili, at(2020, 3, 1)) == PassageStatusKind.OPEN
    assert status_on(ruili, at(2020, 3, 28, 0)) == PassageStatusKind.RESTRICTED  # Notice No. 15, from 00:00 that day
    assert status_on(ruili, at(2020, 3, 27, 23)) == PassageStatusKind.OPEN
    assert status_on(ruili, at(2020, 4, 2)) == PassageStatusKind.RESTRICTED
    assert "demo" in PassageStatus.objects.filter(passage=ruili, status=PassageStatusKind.RESTRICTED).get().reason


def test_a_passage_without_history_is_open(world):
    p = Passage.objects.filter(statuses__isnull=True).first()
    assert p is not None
    assert status_on(p, at(2020, 4, 1)) == PassageStatusKind.OPEN


def test_informal_paths_and_fords_are_demo_and_closed(world):
    informal = Passage.objects.filter(kind__in=[PassageKind.INFORMAL_PATH, PassageKind.FORD])
    assert informal.count() >= 2 * 25
    for p in informal:
        assert p.is_demo and "demo" in p.name_en and "示例" in p.name_zh
        assert p.segment is not None and p.segment.county_id == p.county_id
        assert status_on(p, at(2020, 4, 1)) == PassageStatusKind.CLOSED


def test_new_status_closes_the_previous_period_at_its_start(world, user):
    ruili = Passage.objects.get(code="ruili")
    t = at(2020, 4, 10)
    passage_status_set(
        actor=user("ruili"), passage=ruili, status=PassageStatusKind.CLOSED, valid_from=t, reason="Cluster across the border"
    )
    previous = PassageStatus.objects.get(passage=ruili, status=PassageStatusKind.RESTRICTED)
    assert previous.valid_to == t
    assert status_on(ruili, at(2020, 4, 9)) == PassageStatusKind.RESTRICTED
    assert status_on(ruili, at(2020, 4, 11)) == PassageStatusKind.CLOSED
    assert PassageStatus.objects.filter(passage=ruili, valid_to__isnull=True).count() == 1


def test_status_cannot_be_inserted_before_recorded_history_or_set_outside_the_county(world, user):
    ruili = Passage.objects.get(code="ruili")
    before = PassageStatus.objects.filter(passage=ruili).count()
    with pytest.raises(DomainError) as e:
        passage_status_set(actor=user("ruili"), passage=ruili, status="closed", valid_from=at(2020, 3, 1), reason="late entry")
    assert e.value.code == "not_latest"
    with pytest.raises(PermissionDenied):
        passage_status_set(actor=user("mengla"), passage=ruili, status="closed", valid_from=at(2020, 5, 1), reason="not mine")
    with pytest.raises(DomainError):
        passage_status_set(actor=user("ruili"), passage=ruili, status="shut", valid_from=at(2020, 5, 1), reason="bad status")
    assert PassageStatus.objects.filter(passage=ruili).count() == before


def test_crossing_check_reads_a_fact_and_writes_nothing(world):
    from guomen.alerts.models import Alert

    path = Passage.objects.get(code="demo-path-533102")
    finding = crossing_check(path, at(2020, 4, 1))
    assert finding.flagged and finding.status == PassageStatusKind.CLOSED
    assert finding.unit.code == "c533102-command" and path.name in finding.message
    assert not Alert.objects.exists()  # loop raises the alert from the finding


def test_crossing_at_a_closed_passage_is_flagged_and_raises_an_alert_with_the_county_command(world):
    from guomen.alerts.models import Alert
    from guomen.loop.services import crossing_record

    path = Passage.objects.get(code="demo-path-533102")
    finding, raised = crossing_record(path, at(2020, 4, 1))
    assert finding.flagged and finding.status == PassageStatusKind.CLOSED
    assert finding.details["passage"] == path.code
    alert = Alert.objects.get(kind="closed_passage")
    assert alert == raised
    assert alert.unit.code == "c533102-command"
    assert path.name in alert.subject


def test_crossing_at_a_closed_port_alerts_its_health_station(world, user):
    from guomen.alerts.models import Alert
    from guomen.loop.services import crossing_record

    ruili = Passage.objects.get(code="ruili")
    passage_status_set(actor=user("ruili"), passage=ruili, status="closed", valid_from=at(2020, 4, 10), reason="Closed to all traffic")
    finding, raised = crossing_record(ruili, at(2020, 4, 12))
    assert finding.flagged
    assert Alert.objects.get(pk=raised.pk).unit.code == "port-ruili"


def test_crossing_at_an_open_or_restricted_passage_is_not_flagged(world):
    from guomen.alerts.models import Alert

    ruili = Passage.objects.get(code="ruili")
    assert not crossing_check(ruili, at(2020, 3, 1)).flagged
    restricted = crossing_check(ruili, at(2020, 4, 1))
    assert restricted.status == PassageStatusKind.RESTRICTED and not restricted.flagged
    assert not crossing_check(Passage.objects.get(code="demo-path-533102"), at(2020, 1, 20)).flagged  # before it closed
    assert not Alert.objects.exists()


def test_passages_geojson_gives_the_status_on_the_chosen_date(api_as):
    c = api_as("ruili")
    march = {
        f["properties"]["code"]: f["properties"]["status"] for f in c.get("/api/places/geojson/passages?date=2020-03-01").json()["features"]
    }
    april = {
        f["properties"]["code"]: f["properties"]["status"] for f in c.get("/api/places/geojson/passages?date=2020-04-01").json()["features"]
    }
    assert march["ruili"] == "open" and april["ruili"] == "restricted"
    assert april["demo-path-533102"] == "closed"
    assert not any(code.endswith("532823") for code in april)  # Mengla is outside Ruili's reach
    assert c.get("/api/places/geojson/passages?date=2020-13-01").status_code == 422
