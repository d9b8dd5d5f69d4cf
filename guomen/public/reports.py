"""Citizen reports (群众举报): submitted by anyone with a follow-up code; triaged
new → checked → assigned (segment's named person, village grid worker or patrol team, by where it
is) → in progress → resolved → verified closed, each step with who and when. Overdue steps raise
alerts; a person found is put into the loop."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from guomen.alerts import services as alerts
from guomen.core.levels import Level
from guomen.duty.geo import nearest_m
from guomen.lib import clock
from guomen.lib.text import clean_text
from guomen.org.models import Membership, Unit, UnitKind
from guomen.org.scoping import Scope
from guomen.places.geo import distance_km
from guomen.places.models import BorderSegment, Grid, Jurisdiction

from .models import OPEN_REPORT_STATES, CitizenReport, ReportKind, ReportStatus, ReportStep
from .photos import clean_photo
from .rules import PublicError, is_triager

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
DUPLICATE_METRES = 50
DUPLICATE_HOURS = 24
SEGMENT_REACH_M = 3000  # nearer than this to a border segment: the segment's named person
VILLAGE_REACH_KM = 5
STEP_HOURS = {
    ReportStatus.NEW: 2,
    ReportStatus.CHECKED: 2,
    ReportStatus.ASSIGNED: 4,
    ReportStatus.IN_PROGRESS: 24,
    ReportStatus.RESOLVED: 24,
}
ALERT_KIND = "citizen_report_overdue"
REF = "citizen_report"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _in_yunnan(lat: float, lon: float) -> bool:
    return 20.0 <= lat <= 30.0 and 96.0 <= lon <= 107.0


def nearest_segment(lat: float, lon: float) -> tuple[BorderSegment | None, float]:
    best, dist = None, float("inf")
    now = clock.now()
    for seg in BorderSegment.objects.select_related("county"):
        coords = seg.geometry.get("coordinates") or []
        if coords and distance_km(lon, lat, coords[0][0], coords[0][1]) > 200:
            continue
        d = nearest_m(seg.geometry, [(now, lat, lon)])
        if d < dist:
            best, dist = seg, d
    return best, dist


def nearest_village(lat: float, lon: float) -> Jurisdiction | None:
    box = 0.1
    near = Jurisdiction.objects.filter(level=Level.VILLAGE, lat__range=(lat - box, lat + box), lon__range=(lon - box, lon + box)).only(
        "id", "lat", "lon", "path", "code", "name_zh", "name_en"
    )
    scored = [(distance_km(lon, lat, v.lon, v.lat), v) for v in near]
    scored = [s for s in scored if s[0] <= VILLAGE_REACH_KM]
    return min(scored, key=lambda s: s[0])[1] if scored else None


def _county_of(j: Jurisdiction) -> Jurisdiction:
    if j.level in (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY):
        return j
    return j.ancestors().filter(level=Level.COUNTY).first() or j


def _place(lat: float | None, lon: float | None, village: Jurisdiction | None) -> tuple[Jurisdiction, BorderSegment | None]:
    """The jurisdiction whose command triages the report, and the segment it is near."""
    segment = None
    if lat is not None and lon is not None:
        seg, dist = nearest_segment(lat, lon)
        if seg is not None and dist <= SEGMENT_REACH_M:
            segment = seg
        if village is None:
            village = nearest_village(lat, lon)
    if village is not None:
        return village, segment
    if segment is not None:
        return segment.county, segment
    return Jurisdiction.objects.get(parent__isnull=True), None


def _step(r: CitizenReport, status: str, actor: Any, note: str = "") -> None:
    old = r.status
    now = clock.now()
    r.status, r.status_since = status, now
    hours = STEP_HOURS.get(status)
    r.due_at = now + timedelta(hours=hours) if hours else None
    ReportStep.objects.create(report=r, status=status, actor=actor, at=now, note=note[:300])
    alerts.alerts_close_by_key(alert_key(r.code, old), note=str(_("Step done.")), now=now)


def alert_key(code: str, status: str) -> str:
    return f"public:{code}:{status}"


def report_submit(
    *,
    kind: str,
    what: str,
    occurred_at: datetime,
    lat: float | None = None,
    lon: float | None = None,
    village: Jurisdiction | None = None,
    phone: str = "",
    photo: bytes | None = None,
    language: str = "",
) -> CitizenReport:
    """A report from anyone (no account). Bad input raises PublicError and stores nothing."""
    if kind not in ReportKind.values:
        raise PublicError("bad_kind", _("Choose what you saw."), details={"field": "kind"})
    text = clean_text(what, "what", max_length=2000, required=True, multiline=True, label=_("what you saw"))
    now = clock.now()
    if occurred_at > now + timedelta(minutes=10) or occurred_at < now - timedelta(days=30):
        raise PublicError("bad_time", _("The time must be within the last 30 days."), details={"field": "occurred_at"})
    if (lat is None) != (lon is None):
        raise PublicError("bad_place", _("Pick the place on the map or choose a village."), details={"field": "place"})
    if lat is not None and not _in_yunnan(lat, lon):
        raise PublicError("bad_place", _("The place picked is outside the border area."), details={"field": "place"})
    if lat is None and village is None:
        raise PublicError("no_place", _("Pick the place on the map or choose a village."), details={"field": "place"})
    if village is not None and village.level != Level.VILLAGE:
        raise PublicError("bad_village", _("Choose a village."), details={"field": "village"})
    phone = clean_text(phone, "phone", max_length=40, label=_("the phone number"))
    if phone and not all(ch.isdigit() or ch in "+ -()" for ch in phone):
        raise PublicError("bad_phone", _("A phone number is digits, spaces and an optional leading +."), details={"field": "phone"})
    data, mime = clean_photo(photo) if photo else (None, "")
    jurisdiction, segment = _place(lat, lon, village)
    with transaction.atomic():
        r = CitizenReport(
            code=new_code(),
            kind=kind,
            what=text,
            occurred_at=occurred_at,
            lat=lat,
            lon=lon,
            village=village if village is not None else (jurisdiction if jurisdiction.level == Level.VILLAGE else None),
            jurisdiction=jurisdiction,
            segment=segment,
            photo=data,
            photo_type=mime,
            phone=phone,
            language=(language or "")[:10],
            submitted_at=now,
            status=ReportStatus.NEW,
            status_since=now,
            due_at=now + timedelta(hours=STEP_HOURS[ReportStatus.NEW]),
        )
        r.save()
        ReportStep.objects.create(report=r, status=ReportStatus.NEW, actor=None, at=now)
    return r


# --- reading -----------------------------------------------------------------------------------
def _coords(r: CitizenReport) -> tuple[float, float] | None:
    if r.lat is not None:
        return r.lat, r.lon
    if r.village is not None and r.village.lat is not None:
        return r.village.lat, r.village.lon
    return None


def likely_duplicates(report: CitizenReport) -> list[CitizenReport]:
    """Open reports within ~50 m and 24 h of this one: offered to the triager, never merged by itself."""
    here = _coords(report)
    if here is None:
        return []
    window = timedelta(hours=DUPLICATE_HOURS)
    candidates = (
        CitizenReport.objects.filter(
            status__in=OPEN_REPORT_STATES,
            occurred_at__range=(report.occurred_at - window, report.occurred_at + window),
        )
        .exclude(pk=report.pk)
        .select_related("village")
    )
    out = []
    for c in candidates:
        there = _coords(c)
        if there is not None and distance_km(here[1], here[0], there[1], there[0]) * 1000 <= DUPLICATE_METRES:
            out.append(c)
    return out


def assignment_proposal(report: CitizenReport) -> tuple[Unit | None, Any]:
    """By where it is: a border segment's named person; else the village's grid worker; else the
    county's patrol team."""
    seg = report.segment
    if seg is not None and seg.responsible_person_id:
        return seg.responsible_unit, seg.responsible_person
    if report.village is not None:
        grid = Grid.objects.filter(village=report.village, worker__isnull=False).select_related("worker").first()
        committee = Unit.objects.filter(kind=UnitKind.VILLAGE_COMMITTEE, jurisdiction=report.village, active=True).first()
        if grid is not None:
            return committee, grid.worker
        if committee is not None:
            return committee, None
    county = _county_of(report.jurisdiction)
    team = Unit.objects.filter(kind=UnitKind.PATROL_TEAM, jurisdiction__path__startswith=county.path, active=True).first()
    return team, None


def command_unit(report: CitizenReport) -> Unit:
    """The command office nearest above the report's place: it holds the triage alerts."""
    chain = [report.jurisdiction, *reversed(list(report.jurisdiction.ancestors()))]
    for j in chain:
        u = Unit.objects.filter(kind=UnitKind.COMMAND_OFFICE, jurisdiction=j, active=True).first()
        if u is not None:
            return u
    raise PublicError("no_command", _("No command office covers this place."))


# --- triage -------------------------------------------------------------------------------------
def _locked(report: CitizenReport) -> CitizenReport:
    # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the joins (village, segment).
    return CitizenReport.objects.select_for_update(of=("self",)).select_related("jurisdiction", "village", "segment").get(pk=report.pk)


def _require_triager(actor: Any, r: CitizenReport) -> None:
    scope = Scope.of(actor)
    scope.require_write()
    reach = scope.everything or any(r.jurisdiction.path.startswith(p) for p in scope.subtree_paths)
    if not (is_triager(scope) and reach):
        raise PermissionDenied(_("Only the command of the place may triage this report."))


def _require_handler(actor: Any, r: CitizenReport) -> None:
    scope = Scope.of(actor)
    scope.require_write()
    if scope.everything or actor.pk == r.assigned_to_id:
        return
    if r.assigned_unit_id and Membership.objects.filter(user=actor, unit_id=r.assigned_unit_id).exists():
        return
    raise PermissionDenied(_("Only the person or team it is assigned to may do this."))


def _require_status(r: CitizenReport, *states: str) -> None:
    if r.status not in states:
        raise PublicError(
            "wrong_status", _("This report is %(status)s: that step is not possible now.") % {"status": r.get_status_display()}, status=409
        )


@transaction.atomic
def report_check(*, actor: Any, report: CitizenReport, note: str = "") -> CitizenReport:
    r = _locked(report)
    _require_triager(actor, r)
    _require_status(r, ReportStatus.NEW)
    _step(r, ReportStatus.CHECKED, actor, clean_text(note, "note", max_length=300, multiline=True, label=_("the note")))
    r.save()
    return r


@transaction.atomic
def report_dismiss(*, actor: Any, report: CitizenReport, duplicate_of: CitizenReport | None = None, note: str = "") -> CitizenReport:
    """Closed at triage: the same as an open report, or not confirmed."""
    r = _locked(report)
    _require_triager(actor, r)
    _require_status(r, ReportStatus.NEW, ReportStatus.CHECKED)
    if duplicate_of is not None:
        if duplicate_of.pk == r.pk or duplicate_of.status not in OPEN_REPORT_STATES:
            raise PublicError("bad_duplicate", _("A report is a duplicate only of another open report."))
        r.duplicate_of = duplicate_of
        _step(r, ReportStatus.DUPLICATE, actor, duplicate_of.code)
    else:
        _step(
            r, ReportStatus.UNFOUNDED, actor, clean_text(note, "note", max_length=300, required=True, multiline=True, label=_("the note"))
        )
    r.save()
    return r


@transaction.atomic
def report_assign(*, actor: Any, report: CitizenReport, unit: Unit | None = None, user: Any = None) -> CitizenReport:
    """To the proposed person or team unless another is given."""
    r = _locked(report)
    _require_triager(actor, r)
    _require_status(r, ReportStatus.CHECKED, ReportStatus.ASSIGNED)
    if unit is None and user is None:
        unit, user = assignment_proposal(r)
    if unit is None and user is None:
        raise PublicError("no_assignee", _("Choose who handles this report."))
    if user is not None and (unit is None or not Membership.objects.filter(user=user, unit=unit).exists()):
        m = Membership.objects.filter(user=user).select_related("unit").first()
        unit = m.unit if m else unit
    r.assigned_unit, r.assigned_to = unit, user
    who = user.get_full_name() or user.username if user is not None else str(unit)
    _step(r, ReportStatus.ASSIGNED, actor, who)
    r.save()
    return r


@transaction.atomic
def report_start(*, actor: Any, report: CitizenReport) -> CitizenReport:
    r = _locked(report)
    _require_handler(actor, r)
    _require_status(r, ReportStatus.ASSIGNED)
    r.handler = actor
    _step(r, ReportStatus.IN_PROGRESS, actor)
    r.save()
    return r


@transaction.atomic
def report_resolve(*, actor: Any, report: CitizenReport, note: str) -> CitizenReport:
    r = _locked(report)
    _require_handler(actor, r)
    _require_status(r, ReportStatus.IN_PROGRESS)
    _step(r, ReportStatus.RESOLVED, actor, clean_text(note, "note", max_length=300, required=True, multiline=True, label=_("the note")))
    r.save()
    return r


@transaction.atomic
def report_verify(*, actor: Any, report: CitizenReport, note: str = "") -> CitizenReport:
    """The command checks the outcome and closes the report."""
    r = _locked(report)
    _require_triager(actor, r)
    _require_status(r, ReportStatus.RESOLVED)
    _step(r, ReportStatus.CLOSED, actor, clean_text(note, "note", max_length=300, multiline=True, label=_("the note")))
    r.save()
    return r


@transaction.atomic
def report_intake(*, actor: Any, report: CitizenReport, name_native: str, nationality: str, name_latin: str = "") -> CitizenReport:
    """The person the report led to goes into the loop, registered by the handling unit."""
    from guomen.loop import services as loop
    from guomen.people import services as people

    r = _locked(report)
    _require_handler(actor, r)
    _require_status(r, ReportStatus.IN_PROGRESS)
    if r.journey_code:
        raise PublicError("already_in_loop", _("The person found was already put into the loop."), status=409)
    unit = r.assigned_unit
    if unit is None:
        m = Membership.objects.filter(user=actor).select_related("unit").first()
        unit = m.unit if m else None
    if unit is None:
        raise PublicError("no_unit", _("Only a member of a unit may register a person."))
    person = people.person_register(actor=actor, unit=unit, name_native=name_native, name_latin=name_latin, nationality=nationality)
    place = r.village.name_zh if r.village else (f"{r.lat:.5f},{r.lon:.5f}" if r.lat is not None else "")
    j = loop.journey_intercept(
        actor=actor,
        unit=unit,
        person=person,
        place=place,
        found_locally=r.kind == ReportKind.RETURNEE,
        occurred_at=r.occurred_at,
        details={"citizen_report": r.code},
    )
    r.journey_code = j.code
    r.save(update_fields=["journey_code"])
    return r


def sweep_overdue(*, now: datetime | None = None) -> int:
    """An alert for each report whose current step is late (one per report and step)."""
    now = now or clock.now()
    n = 0
    late = CitizenReport.objects.filter(status__in=[*OPEN_REPORT_STATES, ReportStatus.RESOLVED], due_at__lt=now).select_related(
        "jurisdiction", "assigned_unit"
    )
    for r in late:
        holder = r.assigned_unit if r.status in (ReportStatus.ASSIGNED, ReportStatus.IN_PROGRESS) and r.assigned_unit else command_unit(r)
        alerts.alert_raise(
            kind=ALERT_KIND,
            unit=holder,
            subject=f"{r.code} · {r.get_kind_display()} · {r.get_status_display()}",
            ref_type=REF,
            ref=r.pk,
            ref_code=r.code,
            state=r.status,
            due_at=r.due_at,
            key=alert_key(r.code, r.status),
            now=now,
        )
        n += 1
    return n
