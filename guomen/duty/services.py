"""Every write of the duty app: `thing_verb(*, actor, ...)`, one transaction, authority through Scope."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.errors import Conflict, DomainError
from guomen.org.models import Unit
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope
from guomen.places.models import BorderSegment, Jurisdiction, Passage

from . import geo
from .models import (
    HOURS_PER_DAY,
    MAX_SHIFT_HOURS,
    OPEN_TASK_STATUSES,
    DutyLogEntry,
    DutyPost,
    DutyTask,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentTransition,
    InterceptedPerson,
    LogCategory,
    Patrol,
    PatrolSegment,
    PatrolStatus,
    PointSource,
    PostKind,
    RosterTemplate,
    Shift,
    ShiftMember,
    TaskStatus,
    TrackPoint,
)

# The least rest a person must have between two shifts (hours). Override with the setting
# GUOMEN_DUTY_MIN_REST_HOURS (settings.DUTY_MIN_REST_HOURS) if a command sets another rule.
MIN_REST_HOURS = 8
PATROL_START_GRACE = timedelta(minutes=30)  # a planned patrol not started this long after its window opens raises an alert
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def min_rest() -> timedelta:
    return timedelta(hours=getattr(settings, "DUTY_MIN_REST_HOURS", MIN_REST_HOURS))


def _now() -> datetime:
    return clock.now()


def _invalid(code: str, message: str, field: str | None = None, **details: Any) -> DomainError:
    if field:
        details["field"] = field
    return DomainError(code, message, status=422, details=details or None)


def _text(value: Any, field: str, *, limit: int, required: bool = False, multiline: bool = False) -> str:
    text = "" if value is None else str(value)
    if "\x00" in text or _CONTROL.search(text.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise _invalid("control_characters", _("The text contains control characters."), field)
    text = text.strip() if multiline else " ".join(text.split())
    if required and not text:
        raise _invalid("required", _("This field is required: %(field)s.") % {"field": field}, field)
    if len(text) > limit:
        raise _invalid("too_long", _("%(field)s is longer than %(n)d characters.") % {"field": field, "n": limit}, field)
    return text


def _aware(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise _invalid("naive_time", _("Give the time with its time zone."), field)
    return value.astimezone(UTC)


def _coord(lat: Any, lon: Any) -> tuple[float, float]:
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        raise _invalid("bad_coordinates", _("Latitude and longitude must be numbers."), "lat")
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        raise _invalid("bad_coordinates", _("Latitude or longitude is out of range."), "lat")
    return la, lo


def _may_manage(actor: Any, unit: Unit) -> Scope:
    """Command staff over the unit's jurisdiction, or a member of the unit."""
    scope = Scope.of(actor)
    scope.require_write()
    if not scope.reaches_unit(unit):
        raise PermissionDenied(_("Only a member of %(unit)s or its command may do this.") % {"unit": unit})
    return scope


def _act_for(actor: Any, unit: Unit) -> Scope:
    scope = Scope.of(actor)
    scope.require_act_for(unit)
    return scope


class AlertKind:
    """The duty's kinds of alert (registered with the alerts app in DutyConfig.ready)."""

    ROSTER_GAP = "roster_gap"
    PATROL_NOT_STARTED = "patrol_not_started"
    TASK_OVERDUE = "task_overdue"


def _alert(**kwargs: Any) -> Any:
    from guomen.alerts.services import alert_raise

    return alert_raise(**kwargs)


# --- posts and shifts ----------------------------------------------------------------------------
def _staffing(value: Any) -> list[int]:
    if value is None:
        return [2] * HOURS_PER_DAY
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value] * HOURS_PER_DAY
    if (
        not isinstance(value, list | tuple)
        or len(value) != HOURS_PER_DAY
        or any(not isinstance(v, int) or isinstance(v, bool) or v < 0 or v > 50 for v in value)
    ):
        raise _invalid("bad_staffing", _("Staffing is 24 whole numbers from 0 to 50, one per hour of the day."), "staffing")
    return list(value)


@transaction.atomic
def post_create(
    *,
    actor: Any,
    unit: Unit,
    code: str,
    name_zh: str,
    name_en: str = "",
    kind: str = PostKind.SEGMENT_POINT,
    jurisdiction: Jurisdiction | None = None,
    passage: Passage | None = None,
    segment: BorderSegment | None = None,
    lon: float | None = None,
    lat: float | None = None,
    staffing: Any = None,
) -> DutyPost:
    _may_manage(actor, unit)
    code = _text(code, "code", limit=60, required=True)
    if not re.fullmatch(r"[-a-zA-Z0-9_]+", code):
        raise _invalid("bad_code", _("A code has letters, digits, hyphens and underscores only."), "code")
    if kind not in PostKind.values:
        raise _invalid("bad_kind", _("Unknown kind of post."), "kind")
    if DutyPost.objects.filter(code=code).exists():
        raise Conflict("duplicate_code", _("A post with this code exists already."), details={"field": "code"})
    if lat is not None or lon is not None:
        lat, lon = _coord(lat, lon)
    return DutyPost.objects.create(
        code=code,
        name_zh=_text(name_zh, "name_zh", limit=120, required=True),
        name_en=_text(name_en, "name_en", limit=160),
        kind=kind,
        unit=unit,
        jurisdiction=jurisdiction or (segment.county if segment else None) or (passage.county if passage else None) or unit.jurisdiction,
        passage=passage,
        segment=segment,
        lon=lon,
        lat=lat,
        staffing=_staffing(staffing),
    )


def _member_conflicts(users: Sequence[Any], start: datetime, end: datetime, exclude_shift: int | None = None) -> None:
    """Refuse a person on two posts at overlapping times, or with less rest than the minimum."""
    rest = min_rest()
    ids = [u.pk for u in users]
    near = ShiftMember.objects.filter(user_id__in=ids, start__lt=end + rest, end__gt=start - rest).select_related("shift__post", "user")
    if exclude_shift is not None:
        near = near.exclude(shift_id=exclude_shift)
    for sm in near.order_by("start"):
        when = timezone.localtime(sm.start).strftime("%Y-%m-%d %H:%M")
        who = sm.user.get_full_name() or sm.user.get_username()
        if sm.start < end and sm.end > start:
            raise Conflict(
                "shift_overlap",
                _("%(person)s is already on duty at %(post)s from %(when)s.") % {"person": who, "post": sm.shift.post.name, "when": when},
                details={"user": sm.user.get_username(), "post": sm.shift.post.code, "shift": str(sm.shift.public_id)},
            )
        raise DomainError(
            "rest_too_short",
            _("%(person)s would have less than %(hours)d hours of rest next to the shift at %(post)s from %(when)s.")
            % {"person": who, "hours": int(rest.total_seconds() // 3600), "post": sm.shift.post.name, "when": when},
            status=422,
            details={"user": sm.user.get_username(), "post": sm.shift.post.code, "shift": str(sm.shift.public_id)},
        )


def _shift_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = _aware(start, "start"), _aware(end, "end")
    if end <= start:
        raise _invalid("bad_window", _("A shift ends after it starts."), "end")
    if end - start > timedelta(hours=MAX_SHIFT_HOURS):
        raise _invalid("too_long", _("A shift lasts at most %(n)d hours.") % {"n": MAX_SHIFT_HOURS}, "end")
    return start, end


def _members(post: DutyPost, members: Iterable[Any]) -> list[Any]:
    users = list(dict.fromkeys(members))
    inactive = [u for u in users if not u.is_active]
    if inactive:
        raise _invalid("inactive_member", _("%(person)s cannot be rostered: the account is inactive.") % {"person": inactive[0]}, "members")
    return users


@transaction.atomic
def shift_create(
    *, actor: Any, post: DutyPost, start: datetime, end: datetime, members: Iterable[Any], template: RosterTemplate | None = None
) -> Shift:
    _may_manage(actor, post.unit)
    start, end = _shift_window(start, end)
    users = _members(post, members)
    # Lock the members' rows so two rosters written at once cannot both pass the checks.
    get_user_model().objects.select_for_update().filter(pk__in=[u.pk for u in users]).exists()
    _member_conflicts(users, start, end)
    shift = Shift.objects.create(
        post=post,
        start=start,
        end=end,
        headcount=len(users),
        unit_id=post.unit_id,
        jurisdiction_id=post.jurisdiction_id,
        template=template,
        created_by=actor,
    )
    ShiftMember.objects.bulk_create([ShiftMember(shift=shift, user=u, start=start, end=end) for u in users])
    return shift


@transaction.atomic
def shift_delete(*, actor: Any, shift: Shift) -> None:
    _may_manage(actor, shift.post.unit)
    shift.delete()


@transaction.atomic
def roster_template_create(
    *, actor: Any, post: DutyPost, name: str, shifts_per_day: int, first_hour: int, per_shift: int, members: Sequence[Any]
) -> RosterTemplate:
    _may_manage(actor, post.unit)
    if shifts_per_day not in (2, 3):
        raise _invalid("bad_rotation", _("A rotation has 2 shifts of 12 hours or 3 shifts of 8 hours a day."), "shifts_per_day")
    if not 0 <= int(first_hour) <= 23:
        raise _invalid("bad_hour", _("The first shift starts at an hour from 0 to 23."), "first_hour")
    users = list(dict.fromkeys(members))
    if not 1 <= per_shift <= len(users):
        raise _invalid("too_few_members", _("The rotation needs at least as many members as people per shift."), "members")
    return RosterTemplate.objects.create(
        post=post,
        name=_text(name, "name", limit=80, required=True),
        shifts_per_day=shifts_per_day,
        first_hour=int(first_hour),
        per_shift=per_shift,
        members=[u.pk for u in users],
    )


def roster_plan(template: RosterTemplate, first_day: date, days: int) -> list[tuple[datetime, datetime, list[int]]]:
    """The shifts a template makes for ``days`` local days from ``first_day``: members taken in turn.

    Local wall-clock starts are built per day (so a zone with summer time would still start at the
    same hour of the day); the rotation index runs on across days, so the month continues the turn.
    """
    tz = timezone.get_current_timezone()
    hours = HOURS_PER_DAY // template.shifts_per_day
    ring = list(template.members)
    out = []
    k = 0
    for d in range(days):
        day = first_day + timedelta(days=d)
        for s in range(template.shifts_per_day):
            start_local = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(hours=template.first_hour + s * hours)
            start = start_local.astimezone(UTC)
            ids = [ring[(k * template.per_shift + j) % len(ring)] for j in range(template.per_shift)]
            out.append((start, start + timedelta(hours=hours), ids))
            k += 1
    return out


@transaction.atomic
def roster_generate(*, actor: Any, template: RosterTemplate, first_day: date, days: int) -> list[Shift]:
    """Fill ``days`` days from the template. All or nothing: a conflict names the shift and the person."""
    if not 1 <= days <= 62:
        raise _invalid("bad_days", _("A roster covers 1 to 62 days."), "days")
    post = template.post
    _may_manage(actor, post.unit)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=template.members)}
    made = []
    for start, end, ids in roster_plan(template, first_day, days):
        if Shift.objects.filter(post=post, start=start, end=end).exists():
            continue  # generated before: a second run changes nothing
        made.append(
            shift_create(actor=actor, post=post, start=start, end=end, members=[users[i] for i in ids if i in users], template=template)
        )
    return made


# --- coverage alerts ---------------------------------------------------------------------------------
def roster_gap_alerts(*, now: datetime | None = None, hours: int = 24) -> int:
    """Raise one ROSTER_GAP alert per post and gap in the next ``hours``; never a second one for a gap
    that an open alert already names (overlapping hours of the same post)."""
    from guomen.alerts.models import Alert

    from .queries import coverage_for

    now = now or _now()
    cov, posts = coverage_for(DutyPost.objects.filter(active=True), now, hours)
    if not cov.gaps:
        return 0
    open_alerts: dict[str, list[tuple[int, int]]] = {}
    for details in Alert.objects.filter(kind=AlertKind.ROSTER_GAP, closed_at__isnull=True).values_list("details", flat=True):
        if isinstance(details, dict) and "post" in details:
            open_alerts.setdefault(details["post"], []).append((int(details.get("start_h", 0)), int(details.get("end_h", 0))))
    raised = 0
    for gap in cov.gaps:
        post = posts[gap.post]
        if any(a < gap.end and gap.start < b for a, b in open_alerts.get(post.code, [])):
            continue
        start_l, end_l = timezone.localtime(gap.start_at), timezone.localtime(gap.end_at)
        _alert(
            kind=AlertKind.ROSTER_GAP,
            unit=post.unit,
            subject=_("%(post)s: %(n)d short %(start)s–%(end)s")
            % {"post": post.name, "n": gap.shortfall, "start": start_l.strftime("%m-%d %H:%M"), "end": end_l.strftime("%m-%d %H:%M")},
            details={
                "post": post.code,
                "start": gap.start_at.isoformat(),
                "end": gap.end_at.isoformat(),
                "start_h": gap.start,
                "end_h": gap.end,
                "shortfall": gap.shortfall,
            },
            due_at=gap.start_at,
            now=now,
        )
        open_alerts.setdefault(post.code, []).append((gap.start, gap.end))
        raised += 1
    return raised


# --- patrols ---------------------------------------------------------------------------------------
@transaction.atomic
def patrol_plan(
    *,
    actor: Any,
    team: Unit,
    leader: Any,
    segments: Sequence[BorderSegment],
    window_start: datetime,
    window_end: datetime,
    note: str = "",
) -> Patrol:
    _may_manage(actor, team)
    window_start, window_end = _aware(window_start, "window_start"), _aware(window_end, "window_end")
    if window_end <= window_start:
        raise _invalid("bad_window", _("The window ends after it starts."), "window_end")
    if window_end - window_start > timedelta(hours=48):
        raise _invalid("too_long", _("A patrol window lasts at most 48 hours."), "window_end")
    if not segments:
        raise _invalid("no_segments", _("Choose at least one border segment."), "segments")
    if not leader.memberships.filter(unit=team).exists():
        raise _invalid("leader_not_in_team", _("The leader must be a member of the team."), "leader")
    patrol = Patrol.objects.create(
        team=team,
        jurisdiction=team.jurisdiction,
        leader=leader,
        window_start=window_start,
        window_end=window_end,
        note=_text(note, "note", limit=300),
        created_by=actor,
    )
    patrol.segments.set(segments)
    return patrol


def _patrol_member(actor: Any, patrol: Patrol) -> None:
    scope = Scope.of(actor)
    scope.require_write()
    if actor.pk != patrol.leader_id and not scope.acts_for(patrol.team) and not scope.has_role(*COMMAND_ROLES):
        raise PermissionDenied(_("Only a member of %(unit)s may do this.") % {"unit": patrol.team})
    if not scope.reaches_unit(patrol.team) and actor.pk != patrol.leader_id:
        raise PermissionDenied(_("Only a member of %(unit)s may do this.") % {"unit": patrol.team})


def _locked_patrol(patrol: Patrol) -> Patrol:
    return Patrol.objects.select_for_update().select_related("team").get(pk=patrol.pk)


EARLY_START = timedelta(hours=2)  # a patrol may start this much before its window, not a day early


@transaction.atomic
def patrol_start(*, actor: Any, patrol: Patrol, at: datetime | None = None) -> Patrol:
    _patrol_member(actor, patrol)
    p = _locked_patrol(patrol)
    if p.status == PatrolStatus.STARTED:
        return p  # a retry
    if p.status != PatrolStatus.PLANNED:
        raise Conflict("wrong_status", _("Not possible now: the patrol is “%(status)s”.") % {"status": p.get_status_display()})
    when = at or _now()
    if when < p.window_start - EARLY_START:
        raise Conflict(
            "too_early",
            _("This patrol is planned for %(when)s: start it then.")
            % {"when": timezone.localtime(p.window_start).strftime("%Y-%m-%d %H:%M")},
        )
    # Before its window, a patrol starts early only if the team's (or leader's) last one has ended.
    running = Patrol.objects.filter(status=PatrolStatus.STARTED).filter(Q(team=p.team) | Q(leader=p.leader)).exclude(pk=p.pk).first()
    if running is not None and when < p.window_start:
        raise Conflict(
            "another_running",
            _("Another patrol is under way since %(when)s: end it before starting this one.")
            % {"when": timezone.localtime(running.started_at).strftime("%Y-%m-%d %H:%M") if running.started_at else "—"},
        )
    p.status, p.started_at = PatrolStatus.STARTED, when
    p.save(update_fields=["status", "started_at"])
    return p


@transaction.atomic
def patrol_end(*, actor: Any, patrol: Patrol, at: datetime | None = None) -> Patrol:
    _patrol_member(actor, patrol)
    p = _locked_patrol(patrol)
    if p.status == PatrolStatus.ENDED:
        return p
    if p.status != PatrolStatus.STARTED:
        raise Conflict("wrong_status", _("Not possible now: the patrol is “%(status)s”.") % {"status": p.get_status_display()})
    p.status, p.ended_at = PatrolStatus.ENDED, at or _now()
    p.save(update_fields=["status", "ended_at"])
    patrol_recompute(patrol=p)
    return p


@transaction.atomic
def patrol_cancel(*, actor: Any, patrol: Patrol) -> Patrol:
    _may_manage(actor, patrol.team)
    p = _locked_patrol(patrol)
    if p.status != PatrolStatus.PLANNED:
        raise Conflict("wrong_status", _("Not possible now: the patrol is “%(status)s”.") % {"status": p.get_status_display()})
    p.status = PatrolStatus.CANCELLED
    p.save(update_fields=["status"])
    return p


@transaction.atomic
def patrol_checkin(
    *, actor: Any, patrol: Patrol, client_id: str, lat: Any, lon: Any, at: datetime | None = None, accuracy: Any = None
) -> tuple[TrackPoint, bool]:
    """One position from the phone. The device's id makes a retry a no-op: (point, created)."""
    _patrol_member(actor, patrol)
    client_id = _text(client_id, "client_id", limit=64, required=True)
    existing = TrackPoint.objects.filter(patrol=patrol, client_id=client_id).first()
    if existing is not None:
        return existing, False
    if patrol.status != PatrolStatus.STARTED:
        raise Conflict("wrong_status", _("Check-ins are taken while the patrol is under way."))
    la, lo = _coord(lat, lon)
    acc = None
    if accuracy not in (None, ""):
        try:
            acc = max(float(accuracy), 0.0)
        except (TypeError, ValueError):
            raise _invalid("bad_accuracy", _("Accuracy must be a number of metres."), "accuracy")
    at = _aware(at, "at") if at is not None else _now()
    if at > _now() + timedelta(minutes=10):
        raise _invalid("future_time", _("The time of a check-in cannot be in the future."), "at")
    point, created = TrackPoint.objects.get_or_create(
        patrol=patrol,
        client_id=client_id,
        defaults={"at": at, "lat": la, "lon": lo, "accuracy": acc, "source": PointSource.CHECKIN, "by": actor},
    )
    patrol_recompute(patrol=patrol)
    return point, created


GPX_MAX_BYTES = 5 * 1024 * 1024


@transaction.atomic
def patrol_upload_gpx(*, actor: Any, patrol: Patrol, data: bytes) -> int:
    """Add a GPX track (a device that recorded offline). A planned patrol becomes ended with the track's times.
    Points are keyed by the file's hash, so uploading the same file twice adds nothing. Returns points added."""
    import gpxpy
    import gpxpy.gpx

    _patrol_member(actor, patrol)
    if patrol.status == PatrolStatus.CANCELLED:
        raise Conflict("wrong_status", _("Not possible now: the patrol is “%(status)s”.") % {"status": patrol.get_status_display()})
    if len(data) > GPX_MAX_BYTES:
        raise _invalid("too_large", _("The GPX file is larger than 5 MB."), "file")
    try:
        gpx = gpxpy.parse(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, gpxpy.gpx.GPXException, ValueError) as exc:
        raise _invalid("bad_gpx", _("This is not a GPX file: %(reason)s") % {"reason": str(exc)[:120]}, "file")
    raw: list[tuple[datetime | None, float, float]] = []
    for track in gpx.tracks:
        for seg in track.segments:
            raw.extend((p.time, p.latitude, p.longitude) for p in seg.points)
    if not raw:
        raw = [(p.time, p.latitude, p.longitude) for route in gpx.routes for p in route.points]
    if not raw:
        raise _invalid("empty_gpx", _("The GPX file has no track points."), "file")
    digest = hashlib.sha256(data).hexdigest()[:16]
    fallback = patrol.started_at or patrol.window_start
    rows = []
    for i, (t, la, lo) in enumerate(raw):
        la, lo = _coord(la, lo)
        when = t if t is not None else fallback + timedelta(seconds=i)
        if timezone.is_naive(when):
            when = when.replace(tzinfo=UTC)
        rows.append(TrackPoint(patrol=patrol, client_id=f"gpx:{digest}:{i}", at=when, lat=la, lon=lo, source=PointSource.GPX, by=actor))
    from .gpx import track_check

    track_check(patrol, [(r.at, r.lat, r.lon) for r in rows], now=_now())
    before = patrol.points.count()
    TrackPoint.objects.bulk_create(rows, ignore_conflicts=True)
    added = patrol.points.count() - before
    p = _locked_patrol(patrol)
    if p.status == PatrolStatus.PLANNED:
        times = sorted(r.at for r in rows)
        p.status, p.started_at, p.ended_at = PatrolStatus.ENDED, times[0], times[-1]
        p.save(update_fields=["status", "started_at", "ended_at"])
    patrol_recompute(patrol=p)
    return added


def _week_of(t: datetime) -> date:
    d = timezone.localtime(t).date()
    return d - timedelta(days=d.weekday())


def patrol_recompute(*, patrol: Patrol) -> list[PatrolSegment]:
    """Coverage, distance and time of the patrol's track for each of its segments."""
    points = list(patrol.points.order_by("at", "id").values_list("at", "lat", "lon"))
    week = _week_of(patrol.started_at or patrol.window_start)
    out = []
    for seg in patrol.segments.all():
        try:
            eff = geo.segment_effort(seg.geometry, points)
        except ValueError:
            continue
        row, _ = PatrolSegment.objects.update_or_create(
            patrol=patrol,
            segment=seg,
            defaults={"covered_km": eff.covered_km, "share": eff.share, "walked_km": eff.walked_km, "hours": eff.hours, "week": week},
        )
        out.append(row)
    return out


def patrol_not_started_alerts(*, now: datetime | None = None) -> int:
    now = now or _now()
    raised = 0
    due = Patrol.objects.filter(status=PatrolStatus.PLANNED, not_started_alerted_at__isnull=True, window_start__lt=now - PATROL_START_GRACE)
    for p in due.select_related("team", "leader"):
        with transaction.atomic():
            # A conditional update: two workers never both alert the same patrol.
            if Patrol.objects.filter(pk=p.pk, not_started_alerted_at__isnull=True).update(not_started_alerted_at=now) != 1:
                continue
            _alert(
                kind=AlertKind.PATROL_NOT_STARTED,
                unit=p.team,
                subject=_("Patrol of %(team)s planned for %(when)s has not started")
                % {"team": p.team.name, "when": timezone.localtime(p.window_start).strftime("%m-%d %H:%M")},
                details={"patrol": str(p.public_id), "window_start": p.window_start.isoformat(), "leader": p.leader.get_username()},
                due_at=p.window_start + PATROL_START_GRACE,
                now=now,
            )
            raised += 1
    return raised


# --- tasks and the duty log ---------------------------------------------------------------------------
@transaction.atomic
def task_create(
    *,
    actor: Any,
    unit: Unit,
    title: str,
    due_at: datetime,
    description: str = "",
    assignee: Any = None,
    post: DutyPost | None = None,
    segment: BorderSegment | None = None,
) -> DutyTask:
    _may_manage(actor, unit)
    if assignee is not None and not assignee.memberships.filter(unit=unit).exists():
        raise _invalid("assignee_not_in_unit", _("The person must be a member of the unit."), "assignee")
    return DutyTask.objects.create(
        title=_text(title, "title", limit=160, required=True),
        description=_text(description, "description", limit=4000, multiline=True),
        unit=unit,
        assignee=assignee,
        jurisdiction=unit.jurisdiction,
        post=post,
        segment=segment,
        due_at=_aware(due_at, "due_at"),
        created_by=actor,
    )


TASK_MOVES = {
    TaskStatus.OPEN: {TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED},
    TaskStatus.IN_PROGRESS: {TaskStatus.DONE, TaskStatus.CANCELLED, TaskStatus.OPEN},
}


@transaction.atomic
def task_set_status(*, actor: Any, task: DutyTask, status: str) -> DutyTask:
    scope = Scope.of(actor)
    scope.require_write()
    if actor.pk != task.assignee_id and not scope.reaches_unit(task.unit):
        raise PermissionDenied(_("Only a member of %(unit)s may do this.") % {"unit": task.unit})
    t = DutyTask.objects.select_for_update().get(pk=task.pk)
    if t.status == status:
        return t
    if status not in TASK_MOVES.get(t.status, set()):
        raise Conflict("wrong_status", _("Not possible now: the task is “%(status)s”.") % {"status": t.get_status_display()})
    t.status = status
    t.done_at = _now() if status == TaskStatus.DONE else None
    t.save(update_fields=["status", "done_at"])
    return t


def task_overdue_alerts(*, now: datetime | None = None) -> int:
    now = now or _now()
    raised = 0
    due = DutyTask.objects.filter(status__in=OPEN_TASK_STATUSES, overdue_alerted_at__isnull=True, due_at__lt=now)
    for t in due.select_related("unit", "assignee"):
        with transaction.atomic():
            if DutyTask.objects.filter(pk=t.pk, overdue_alerted_at__isnull=True).update(overdue_alerted_at=now) != 1:
                continue
            _alert(
                kind=AlertKind.TASK_OVERDUE,
                unit=t.unit,
                subject=_("Task overdue: %(title)s") % {"title": t.title},
                details={
                    "task": str(t.public_id),
                    "due_at": t.due_at.isoformat(),
                    "assignee": t.assignee.get_username() if t.assignee else "",
                },
                due_at=t.due_at,
                now=now,
            )
            raised += 1
    return raised


@transaction.atomic
def log_add(
    *,
    actor: Any,
    text: str,
    category: str = LogCategory.OBSERVATION,
    post: DutyPost | None = None,
    patrol: Patrol | None = None,
    at: datetime | None = None,
    lat: Any = None,
    lon: Any = None,
) -> DutyLogEntry:
    if (post is None) == (patrol is None):
        raise _invalid("post_or_patrol", _("A log entry belongs to one post or one patrol."), "post")
    if patrol is not None:
        _patrol_member(actor, patrol)
        unit, jur = patrol.team, patrol.jurisdiction
    else:
        _may_manage(actor, post.unit)
        unit, jur = post.unit, post.jurisdiction
    if category not in LogCategory.values:
        raise _invalid("bad_category", _("Unknown category."), "category")
    la = lo = None
    if lat not in (None, "") or lon not in (None, ""):
        la, lo = _coord(lat, lon)
    return DutyLogEntry.objects.create(
        post=post,
        patrol=patrol,
        unit=unit,
        jurisdiction=jur,
        at=_aware(at, "at") if at else _now(),
        author=actor,
        category=category,
        text=_text(text, "text", limit=4000, required=True, multiline=True),
        lat=la,
        lon=lo,
    )


# --- incidents ---------------------------------------------------------------------------------------
def _incident_code(at: datetime) -> str:
    return f"INC-{timezone.localtime(at):%Y%m%d}-{secrets.token_hex(3).upper()}"


@transaction.atomic
def incident_report(
    *,
    actor: Any,
    unit: Unit,
    kind: str,
    description: str = "",
    found_at: datetime | None = None,
    place: str = "",
    post: DutyPost | None = None,
    patrol: Patrol | None = None,
    segment: BorderSegment | None = None,
    passage: Passage | None = None,
    lat: Any = None,
    lon: Any = None,
    persons_count: int = 0,
) -> Incident:
    """An incident found on duty (status ``found``)."""
    _act_for(actor, unit) if not Scope.of(actor).has_role(*COMMAND_ROLES) else _may_manage(actor, unit)
    if kind not in IncidentKind.values:
        raise _invalid("bad_kind", _("Unknown kind of incident."), "kind")
    la = lo = None
    if lat not in (None, "") or lon not in (None, ""):
        la, lo = _coord(lat, lon)
    at = _aware(found_at, "found_at") if found_at else _now()
    if at > _now() + timedelta(minutes=10):
        raise _invalid("future_time", _("The time found cannot be in the future."), "found_at")
    inc = Incident.objects.create(
        code=_incident_code(at),
        kind=kind,
        unit=unit,
        jurisdiction=(segment.county if segment else None) or (passage.county if passage else None) or unit.jurisdiction,
        found_at=at,
        found_by=actor,
        post=post,
        patrol=patrol,
        segment=segment,
        passage=passage,
        place=_text(place, "place", limit=160),
        lat=la,
        lon=lo,
        description=_text(description, "description", limit=4000, multiline=True),
        persons_count=max(int(persons_count or 0), 0),
    )
    IncidentTransition.objects.create(incident=inc, from_status="", to_status=IncidentStatus.FOUND, actor=actor, at=at)
    return inc


@transaction.atomic
def incident_advance(*, actor: Any, incident: Incident, to_status: str, note: str = "") -> Incident:
    """Move an incident one step along 发现→上报→处置→核查→结案, recording who and when."""
    _may_manage(actor, incident.unit)
    inc = Incident.objects.select_for_update().get(pk=incident.pk)
    if to_status not in IncidentStatus.values:
        raise _invalid("bad_status", _("Unknown status."), "to_status")
    if inc.status == to_status:
        return inc  # a retry
    if inc.next_status != to_status:
        raise Conflict(
            "wrong_status",
            _("An incident that is “%(status)s” can only move to the next step.") % {"status": inc.get_status_display()},
            details={"status": inc.status, "allowed": [inc.next_status] if inc.next_status else []},
        )
    note = _text(note, "note", limit=500)
    if to_status in (IncidentStatus.VERIFIED, IncidentStatus.CLOSED) and not note:
        raise _invalid("note_required", _("Say what was checked or concluded."), "note")
    IncidentTransition.objects.create(incident=inc, from_status=inc.status, to_status=to_status, actor=actor, at=_now(), note=note)
    inc.status = to_status
    inc.save(update_fields=["status", "updated_at"])
    return inc


@transaction.atomic
def incident_intercept(
    *,
    actor: Any,
    unit: Unit,
    persons: Sequence[Mapping[str, Any]],
    description: str = "",
    found_at: datetime | None = None,
    place: str = "",
    post: DutyPost | None = None,
    patrol: Patrol | None = None,
    segment: BorderSegment | None = None,
    passage: Passage | None = None,
    lat: Any = None,
    lon: Any = None,
) -> Incident:
    """An illegal crossing intercepted: the incident, and each person into the closed loop in the
    intercepting unit's custody (people.person_register, then loop.journey_intercept). All or nothing."""
    from guomen.loop.services import journey_intercept
    from guomen.people.services import person_register

    if not persons:
        raise _invalid("no_persons", _("Name at least one intercepted person."), "persons")
    inc = incident_report(
        actor=actor,
        unit=unit,
        kind=IncidentKind.INTERCEPTION,
        description=description,
        found_at=found_at,
        place=place,
        post=post,
        patrol=patrol,
        segment=segment,
        passage=passage,
        lat=lat,
        lon=lon,
        persons_count=len(persons),
    )
    allowed = {"name_native", "name_latin", "sex", "birth_date", "nationality", "phone", "category", "documents"}
    where = inc.place or (passage.name if passage else "") or (segment.code if segment else "") or (post.name if post else "")
    for i, raw in enumerate(persons):
        extra = set(raw) - allowed
        if extra:
            raise _invalid("unknown_field", _("Unknown field: %(field)s") % {"field": sorted(extra)[0]}, f"persons[{i}]")
        person = person_register(actor=actor, unit=unit, **dict(raw))
        journey = journey_intercept(
            actor=actor,
            unit=unit,
            person=person,
            place=where,
            passage=passage,
            occurred_at=inc.found_at,
            details={"incident": inc.code},
            origin_country=str(raw.get("nationality") or "") if str(raw.get("nationality") or "") != "CHN" else "",
        )
        InterceptedPerson.objects.get_or_create(incident=inc, person=person, defaults={"journey": journey})
    return inc
