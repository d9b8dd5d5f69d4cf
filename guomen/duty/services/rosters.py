"""Posts, shifts and roster templates, and the alerts for coverage gaps."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib.errors import Conflict, DomainError
from guomen.lib.text import clean_text
from guomen.org.models import Unit
from guomen.places.models import BorderSegment, Jurisdiction, Passage

from ..models import (
    HOURS_PER_DAY,
    MAX_SHIFT_HOURS,
    DutyPost,
    PostKind,
    RosterTemplate,
    Shift,
    ShiftMember,
)
from .common import AlertKind, _alert, _aware, _coord, _invalid, _may_manage, _now, min_rest


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
    code = clean_text(code, "code", max_length=60, required=True, label=_("the code"))
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
        name_zh=clean_text(name_zh, "name_zh", max_length=120, required=True, label=_("the name (Chinese)")),
        name_en=clean_text(name_en, "name_en", max_length=160, label=_("the name (English)")),
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
        name=clean_text(name, "name", max_length=80, required=True, label=_("the name")),
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

    from ..queries import coverage_for

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
