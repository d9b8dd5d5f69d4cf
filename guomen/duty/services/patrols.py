"""Patrols: plan, start, end, cancel, check-ins, GPX tracks and the alert for a patrol not started."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.core import fieldtime
from guomen.lib.errors import Conflict
from guomen.lib.text import clean_text
from guomen.org.models import Unit
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope
from guomen.places.models import BorderSegment

from .. import geo
from ..models import (
    Patrol,
    PatrolSegment,
    PatrolStatus,
    PointSource,
    TrackPoint,
)
from .common import PATROL_START_GRACE, AlertKind, _alert, _aware, _coord, _invalid, _may_manage, _now


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
        note=clean_text(note, "note", max_length=300, label=_("the note")),
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
    client_id = clean_text(client_id, "client_id", max_length=64, required=True, label=_("the device's reference"))
    existing = TrackPoint.objects.filter(patrol=patrol, client_id=client_id).first()
    if existing is not None:
        return existing, False
    la, lo = _coord(lat, lon)
    acc = None
    if accuracy not in (None, ""):
        try:
            acc = max(float(accuracy), 0.0)
        except (TypeError, ValueError):
            raise _invalid("bad_accuracy", _("Accuracy must be a number of metres."), "accuracy")
    at = fieldtime.occurred_at(_aware(at, "at") if at is not None else None, "at", now=_now())
    # Sync rule: a check-in made offline while the patrol was under way counts even if it arrives
    # after the patrol was ended; one outside the patrol's time is refused.
    under_way = patrol.status == PatrolStatus.STARTED or (
        patrol.status == PatrolStatus.ENDED
        and patrol.started_at is not None
        and patrol.ended_at is not None
        and patrol.started_at <= at <= patrol.ended_at
    )
    if not under_way:
        raise Conflict("wrong_status", _("Check-ins are taken while the patrol is under way."))
    point, created = TrackPoint.objects.get_or_create(
        patrol=patrol,
        client_id=client_id,
        defaults={"at": at, "lat": la, "lon": lo, "accuracy": acc, "source": PointSource.CHECKIN, "by": actor},
    )
    patrol_recompute(patrol=patrol)
    return point, created


GPX_MAX_BYTES = 5 * 1024 * 1024


def _xml_line(exc: BaseException) -> int | None:
    """The line an XML parse error points at, when the parser says (gpxpy wraps the XML error)."""
    for e in (exc, exc.__cause__, exc.__context__, *getattr(exc, "args", ())):
        position = getattr(e, "position", None)
        if isinstance(position, tuple) and position and isinstance(position[0], int):
            return position[0]
    return None


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
    except UnicodeDecodeError:
        raise _invalid("bad_gpx", _("This file could not be read as GPX: it is not text (UTF-8)."), "file", reason="encoding")
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        # The parser's own words (English, technical) stay in the details for the API, never in the message.
        where = _xml_line(exc)
        message = (
            _("This file could not be read as GPX: it is not a well-formed GPX track (near line %(line)d).") % {"line": where}
            if where
            else _("This file could not be read as GPX: it is not a well-formed GPX track.")
        )
        raise _invalid("bad_gpx", message, "file", reason=str(exc)[:120])
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
    from ..gpx import track_check

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
