from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from guomen.alerts.models import Alert
from guomen.lib import clock
from guomen.public import reports, services
from guomen.public.models import CitizenReport, ReportStatus
from guomen.public.rules import PublicError

from .helpers import report_near, ruili_segment, who

pytestmark = pytest.mark.django_db


def test_report_near_a_segment_is_triaged_by_its_county_and_proposed_to_its_named_person(world):
    seg = ruili_segment()
    r = report_near(seg)
    assert (r.segment == seg and r.jurisdiction.code in ("533102",)) or r.jurisdiction.path.startswith(seg.county.path)
    unit, person = reports.assignment_proposal(r)
    assert person == seg.responsible_person and unit == seg.responsible_unit
    assert len(r.code) == 9 and r.status == ReportStatus.NEW


def test_report_within_50_m_and_24_h_of_an_open_one_is_offered_as_duplicate(world):
    first = report_near(hours_ago=5)
    near = report_near(dlat=0.0003, hours_ago=1)  # ~33 m north
    far = report_near(dlat=0.001, hours_ago=1)  # ~110 m
    assert reports.likely_duplicates(near) == [first]
    assert first not in reports.likely_duplicates(far)
    later = report_near(hours_ago=0)
    CitizenReport.objects.filter(pk=first.pk).update(occurred_at=clock.now() - timedelta(hours=30))
    assert first not in reports.likely_duplicates(later)


def test_duplicate_is_closed_at_triage_against_the_open_one(world):
    first = report_near()
    twin = report_near(dlat=0.0002)
    twin = services.report_dismiss(actor=who("ruili"), report=twin, duplicate_of=first)
    assert twin.status == ReportStatus.DUPLICATE and twin.duplicate_of == first


def test_whole_lifecycle_records_who_and_when_at_each_step(world):
    r = report_near()
    r = services.report_check(actor=who("ruili"), report=r)
    r = services.report_assign(actor=who("ruili"), report=r)
    assert r.assigned_to.username == "ruili_patrol"
    with pytest.raises(PermissionDenied):
        services.report_start(actor=who("mengla"), report=r)
    r = services.report_start(actor=who("ruili_patrol"), report=r)
    r = services.report_resolve(actor=who("ruili_patrol"), report=r, note="两人已被拦截")
    with pytest.raises(PermissionDenied):
        services.report_verify(actor=who("ruili_patrol"), report=r)
    r = services.report_verify(actor=who("ruili"), report=r)
    assert r.status == ReportStatus.CLOSED and r.due_at is None
    steps = [(s.status, s.actor.username if s.actor else None) for s in r.steps.all()]
    assert steps == [
        ("new", None),
        ("checked", "ruili"),
        ("assigned", "ruili"),
        ("in_progress", "ruili_patrol"),
        ("resolved", "ruili_patrol"),
        ("closed", "ruili"),
    ]
    assert all(s.at is not None for s in r.steps.all())


def test_steps_out_of_order_are_refused_and_change_nothing(world):
    r = report_near()
    with pytest.raises(PublicError):
        services.report_verify(actor=who("ruili"), report=r)
    r.refresh_from_db()
    assert r.status == ReportStatus.NEW and r.steps.count() == 1


def test_another_county_cannot_triage(world):
    r = report_near()
    with pytest.raises(PermissionDenied):
        services.report_check(actor=who("mengla"), report=r)


def test_overdue_step_raises_an_alert_that_closes_when_the_step_is_done(world):
    r = report_near()
    n = reports.sweep_overdue(now=clock.now() + timedelta(hours=3))
    assert n == 1
    alert = Alert.objects.get(key=reports.alert_key(r.code, ReportStatus.NEW))
    assert alert.unit.code == "c533102-command" and alert.closed_at is None
    services.report_check(actor=who("ruili"), report=r)
    alert.refresh_from_db()
    assert alert.closed_at is not None


def test_a_person_found_goes_into_the_loop(world):
    from guomen.loop.models import Journey, Origin

    r = report_near(kind="crossing")
    r = services.report_check(actor=who("ruili"), report=r)
    r = services.report_assign(actor=who("ruili"), report=r)
    r = services.report_start(actor=who("ruili_patrol"), report=r)
    r = services.report_intake(actor=who("ruili_patrol"), report=r, name_native="貌丁", nationality="MMR")
    j = Journey.objects.get(code=r.journey_code)
    assert j.origin == Origin.INTERCEPTED


def test_report_outside_the_border_area_or_without_place_stores_nothing(world):
    before = CitizenReport.objects.count()
    with pytest.raises(PublicError):
        services.report_submit(kind="crossing", what="x", occurred_at=clock.now(), lat=48.85, lon=2.35)
    with pytest.raises(PublicError):
        services.report_submit(kind="crossing", what="x", occurred_at=clock.now())
    assert CitizenReport.objects.count() == before


def test_photo_metadata_is_stripped_and_other_types_refused(world):
    import io

    from PIL import Image

    img = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (24.0, 1.0, 0.0)}  # GPS
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    assert b"PhoneMaker" in buf.getvalue()
    r = report_near(photo=buf.getvalue())
    stored = bytes(r.photo)
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    assert Image.open(io.BytesIO(stored)).size == (40, 30)
    with pytest.raises(PublicError):
        report_near(photo=b"GIF89a" + b"\0" * 100)
