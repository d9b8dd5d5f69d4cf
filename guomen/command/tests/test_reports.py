"""Daily reports: pre-filled from the loop, submitted, acknowledged one level up, rolled up, flagged when missing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from guomen.alerts.models import Alert
from guomen.command import queries, services
from guomen.command.models import DailyReport, ReportState
from guomen.command.services import AlertKind
from guomen.lib.errors import Conflict, DomainError
from guomen.loop.tests.factories import u, who
from guomen.places.models import Jurisdiction

pytestmark = pytest.mark.django_db


def test_port_report_is_prefilled_from_the_ports_day(day_of_loop):
    today = queries.local_today()
    r = services.report_save(actor=who("ruili_port"), unit=u("port-ruili"), day=today, text="平稳", submit=True)
    assert r.state == ReportState.SUBMITTED and r.level == "port"
    f = r.figures
    assert f["arrivals"] == 8 and f["disposed_quarantine"] == 3 and f["disposed_release"] == 1 and f["positives"] == 1


def test_county_report_covers_the_whole_county(day_of_loop):
    r = services.report_save(actor=who("ruili"), unit=u("c533102-command"), day=queries.local_today(), submit=True)
    assert r.level == "county" and r.figures["arrivals"] == 8 and r.figures["in_quarantine"] == 1


def test_report_acknowledged_only_by_the_command_one_level_up(day_of_loop):
    today = queries.local_today()
    port = services.report_save(actor=who("ruili_port"), unit=u("port-ruili"), day=today, submit=True)
    with pytest.raises(PermissionDenied):
        services.report_acknowledge(actor=who("dehong"), report=port)  # two levels up
    with pytest.raises(PermissionDenied):
        services.report_acknowledge(actor=who("ruili_port"), report=port)
    port = services.report_acknowledge(actor=who("ruili"), report=port, note="收到")
    assert port.state == ReportState.ACKNOWLEDGED and port.acknowledged_by == who("ruili")
    with pytest.raises(Conflict):
        services.report_save(actor=who("ruili_port"), unit=u("port-ruili"), day=today, text="改", submit=True)
    county = services.report_save(actor=who("ruili"), unit=u("c533102-command"), day=today, submit=True)
    assert services.report_acknowledge(actor=who("dehong"), report=county).state == ReportState.ACKNOWLEDGED


def test_only_the_units_own_people_write_its_report(day_of_loop):
    with pytest.raises(PermissionDenied):
        services.report_save(actor=who("mohan_port"), unit=u("port-ruili"), day=queries.local_today())
    with pytest.raises(DomainError):
        services.report_save(actor=who("ruili_port"), unit=u("port-ruili"), day=queries.local_today() + timedelta(days=1))
    with pytest.raises(DomainError):
        services.report_save(actor=who("ruili_port"), unit=u("port-ruili"), day=queries.local_today(), text="a\x00b")
    assert not DailyReport.objects.exists()


def test_prefecture_and_province_roll_up_the_county_reports(day_of_loop):
    today = queries.local_today()
    services.report_save(actor=who("ruili"), unit=u("c533102-command"), day=today, submit=True)
    services.report_save(actor=who("mengla"), unit=u("c532823-command"), day=today, submit=True)
    dehong = queries.rollup(Jurisdiction.objects.get(code="533100"), today)
    assert dehong["totals"]["arrivals"] == 8
    province = queries.rollup(Jurisdiction.objects.get(code="530000"), today)
    assert province["totals"]["arrivals"] == 11 and province["totals"]["positives"] == 1
    assert u("c533102-command") not in [row["unit"] for row in province["missing"]]
    assert u("port-ruili") in [row["unit"] for row in province["missing"]]
    pref = services.report_save(actor=who("dehong"), unit=u("p533100-command"), day=today, submit=True)
    assert pref.level == "prefecture" and pref.figures["arrivals"] == 8
    assert services.report_acknowledge(actor=who("province"), report=pref).state == ReportState.ACKNOWLEDGED


def _local(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(queries.local_today(), datetime.min.time(), tzinfo=queries.tz()).replace(hour=hour, minute=minute)


def test_missing_reports_raise_an_alert_after_the_deadline_once(world):
    with time_machine.travel(_local(19, 30), tick=False):
        assert services.reports_flag_missing() == 0
    with time_machine.travel(_local(12), tick=False):
        services.report_save(actor=who("ruili_port"), unit=u("port-ruili"), day=queries.local_today(), submit=True)
        services.report_save(actor=who("mengla"), unit=u("c532823-command"), day=queries.local_today(), submit=False)  # a draft is missing
    with time_machine.travel(_local(20, 5), tick=False):
        n = services.reports_flag_missing()
        expected = len(queries.expected_reporters(Jurisdiction.objects.get(code="530000"))) - 1
        assert n == expected
        assert services.reports_flag_missing() == 0
    alerts = Alert.objects.filter(kind=AlertKind.REPORT_MISSING)
    units = set(alerts.values_list("unit__code", flat=True))
    assert "port-ruili" not in units and "c532823-command" in units and "port-mohan" in units


def test_report_pages_write_submit_and_acknowledge(day_of_loop, client_as):
    c = client_as("ruili_port")
    page = c.get("/command/reports/write/port-ruili/").content.decode()
    assert 'id="report-prefill"' in page
    r = c.post("/command/reports/write/port-ruili/", {"text": "口岸平稳", "action": "submit", "day": queries.local_today().isoformat()})
    assert r.status_code == 302
    report = DailyReport.objects.get(unit__code="port-ruili")
    assert report.state == ReportState.SUBMITTED and report.text == "口岸平稳"
    assert client_as("mohan_port").get(f"/command/reports/{report.public_id}/").status_code == 404
    c = client_as("ruili")
    assert 'id="report-ack"' in c.get(f"/command/reports/{report.public_id}/").content.decode()
    c.post(f"/command/reports/{report.public_id}/acknowledge/", {"note": "ok"})
    report.refresh_from_db()
    assert report.state == ReportState.ACKNOWLEDGED
    html = c.get("/command/reports/").content.decode()
    assert 'id="status-port-ruili"' in html and 'id="rollup"' in html
