"""Every write to places: status histories, grids, segments and their records, returnees, GeoJSON import.

Each service is keyword-only, checks authority through Scope, runs in one transaction and raises
DomainError (a code and a translated message) on a broken rule, changing nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.lib.text import clean_text
from guomen.org.models import Unit, UnitKind
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope

from . import geo
from .models import (
    PORT_KINDS,
    Allowed,
    BorderSegment,
    Country,
    DeclarationState,
    Jurisdiction,
    Level,
    Passage,
    PassageKind,
    PassageStatus,
    PassageStatusKind,
    RecordKind,
    Risk,
    SegmentRecord,
    SelfDeclaration,
    VillageStatus,
    VillageStatusKind,
)

_PHONE = re.compile(r"\+?[0-9 ()\-]{5,40}")


# --- validation ---------------------------------------------------------------------------------
def _invalid(code: str, message: str, field_name: str | None = None, **details: Any) -> DomainError:
    if field_name:
        details["field"] = field_name
    return DomainError(code, message, status=422, details=details or None)


def _choice(value: Any, choices: Any, field_name: str) -> str:
    if value not in choices.values:
        raise _invalid("bad_choice", _("“%(value)s” is not a valid choice.") % {"value": value}, field_name)
    return str(value)


def _aware(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return clock.now()
    if timezone.is_naive(at):
        raise _invalid("naive_time", _("A time needs a time zone."))
    return at


def _require_command(actor: Any, jurisdiction: Jurisdiction) -> Scope:
    """A command role whose subtree holds ``jurisdiction`` (or an administrator)."""
    scope = Scope.of(actor)
    scope.require_write()
    if scope.everything or (scope.has_role(*COMMAND_ROLES) and any(jurisdiction.path.startswith(p) for p in scope.subtree_paths)):
        return scope
    raise PermissionDenied(_("Only the command of %(place)s may do this.") % {"place": jurisdiction})


def may_command(actor: Any, jurisdiction: Jurisdiction) -> bool:
    """Whether ``actor`` may change what lies in ``jurisdiction`` (its status, its passages')."""
    try:
        _require_command(actor, jurisdiction)
    except PermissionDenied:
        return False
    return True


# --- passages: status history -------------------------------------------------------------------
def _period_set(model: Any, owner: dict[str, Any], *, valid_from: dt.datetime, valid_to: dt.datetime | None, **values: Any) -> Any:
    """Append a period, closing the one that is open at ``valid_from``; history is never rewritten."""
    if valid_to is not None and valid_to <= valid_from:
        raise _invalid("bad_period", _("The end of a period must come after its start."), "valid_to")
    rows = model.objects.select_for_update().filter(**owner)
    if rows.filter(valid_from__gte=valid_from).exists():
        raise _invalid("not_latest", _("A later status is already recorded; a new status must start after it."), "valid_from")
    rows.filter(valid_to__isnull=True).update(valid_to=valid_from)
    rows.filter(valid_to__gt=valid_from).update(valid_to=valid_from)
    return model.objects.create(**owner, valid_from=valid_from, valid_to=valid_to, **values)


@transaction.atomic
def passage_status_set(
    *,
    actor: Any,
    passage: Passage,
    status: str,
    valid_from: dt.datetime | None = None,
    valid_to: dt.datetime | None = None,
    reason: str = "",
) -> PassageStatus:
    """Open, restrict or close a passage from a time on; the previous period ends there."""
    _require_command(actor, passage.county)
    return _period_set(
        PassageStatus,
        {"passage": passage},
        valid_from=_aware(valid_from),
        valid_to=valid_to,
        status=_choice(status, PassageStatusKind, "status"),
        reason=clean_text(reason, "reason", max_length=2000, required=True, multiline=True, label=_("the reason")),
        decided_by=actor,
    )


def status_period(passage: Passage, at: dt.datetime) -> PassageStatus | None:
    return (
        PassageStatus.objects.filter(passage=passage, valid_from__lte=at)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))
        .order_by("-valid_from")
        .first()
    )


def status_on(passage: Passage, at: dt.datetime) -> str:
    """The passage's status at ``at``; a passage with no recorded status is open."""
    period = status_period(passage, at)
    return period.status if period else PassageStatusKind.OPEN


def statuses_on(passage_ids: list[int], at: dt.datetime) -> dict[int, PassageStatus]:
    """The period in force at ``at`` for each of many passages, in one query."""
    rows = (
        PassageStatus.objects.filter(passage_id__in=passage_ids, valid_from__lte=at)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))
        .order_by("passage_id", "valid_from")
    )
    return {r.passage_id: r for r in rows}  # the latest start wins


@dataclass(frozen=True)
class CrossingFinding:
    """What ``crossing_check`` found about a crossing at a passage at a time: a fact that the
    caller acts on (loop raises the ``closed_passage`` alert with ``unit`` from it)."""

    passage: Passage
    at: dt.datetime
    status: str
    flagged: bool
    period: PassageStatus | None = None
    unit: Unit | None = None
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


ALERT_CLOSED_PASSAGE = "closed_passage"  # registered with the alerts app in PlacesConfig.ready


def alert_unit_for(passage: Passage) -> Unit | None:
    """Who answers for a passage: the port's health station, else the county command."""
    station = Unit.objects.filter(passage=passage, kind=UnitKind.PORT_HEALTH_STATION, active=True).order_by("code").first()
    if station:
        return station
    return Unit.objects.filter(jurisdiction=passage.county, kind=UnitKind.COMMAND_OFFICE, active=True).order_by("code").first()


def crossing_check(passage: Passage, at: dt.datetime) -> CrossingFinding:
    """Check a crossing recorded at ``passage`` at ``at``: a crossing at a passage closed at that
    time is flagged, with the message and details of the alert and the unit that answers for the
    passage (its health station, else the county command). Reads only."""
    period = status_period(passage, at)
    status = period.status if period else PassageStatusKind.OPEN
    if status != PassageStatusKind.CLOSED:
        return CrossingFinding(passage=passage, at=at, status=status, flagged=False, period=period)
    details = {
        "passage": passage.code,
        "status": status,
        "closed_since": period.valid_from.isoformat() if period else None,
        "reason": period.reason if period else "",
        "crossed_at": at.isoformat(),
    }
    message = _("Crossing at %(passage)s, closed since %(since)s.") % {
        "passage": passage.name,
        "since": timezone.localtime(period.valid_from).strftime("%Y-%m-%d"),
    }
    return CrossingFinding(
        passage=passage, at=at, status=status, flagged=True, period=period, unit=alert_unit_for(passage), message=message, details=details
    )


# --- villages: status history, grids ------------------------------------------------------------
@transaction.atomic
def village_status_set(
    *,
    actor: Any,
    village: Jurisdiction,
    status: str,
    valid_from: dt.datetime | None = None,
    entrance_posts: int = 0,
    reason: str = "",
) -> VillageStatus:
    """Put a village under closed management (or open it) from a time on; the previous period ends there."""
    if village.level != Level.VILLAGE:
        raise _invalid("not_a_village", _("Only a village has a management status."), "village")
    _require_command(actor, village)
    status = _choice(status, VillageStatusKind, "status")
    if not isinstance(entrance_posts, int) or entrance_posts < 0:
        raise _invalid("bad_posts", _("The number of entrance posts is a whole number of zero or more."), "entrance_posts")
    if status == VillageStatusKind.CLOSED_MANAGEMENT and entrance_posts < 1:
        raise _invalid("posts_required", _("A village under closed management keeps at least one entrance post."), "entrance_posts")
    return _period_set(
        VillageStatus,
        {"village": village},
        valid_from=_aware(valid_from),
        valid_to=None,
        status=status,
        entrance_posts=entrance_posts,
        reason=clean_text(reason, "reason", max_length=2000, required=True, multiline=True, label=_("the reason")),
        decided_by=actor,
    )


def village_status_on(village: Jurisdiction, at: dt.datetime) -> VillageStatus | None:
    return (
        VillageStatus.objects.filter(village=village, valid_from__lte=at)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))
        .order_by("-valid_from")
        .first()
    )


def committee_of(village: Jurisdiction) -> Unit | None:
    return Unit.objects.filter(jurisdiction=village, kind=UnitKind.VILLAGE_COMMITTEE, active=True).order_by("code").first()


# --- returnees found locally (their journeys begin in loop: loop.services.intake) --------------------------------------------------------------------
def committee_for(actor: Any, village: Jurisdiction) -> Unit:
    """The village committee that ``actor`` acts for (and writes as), or a refusal."""
    committee = committee_of(village)
    if committee is None:
        raise _invalid("no_committee", _("This village has no village committee to take custody."), "village")
    scope = Scope.of(actor)
    scope.require_write()
    if not scope.acts_for(committee):
        raise PermissionDenied(_("Only a member of %(unit)s may do this.") % {"unit": committee})
    return committee


@transaction.atomic
def self_declaration_submit(
    *, name: str, phone: str, village: Jurisdiction, came_from: str, returned_on: Any, came_from_country: str = ""
) -> SelfDeclaration:
    """A resident declares their own return on the public page (no sign-in)."""
    name = clean_text(name, "name", max_length=120, required=True, label=_("the name"))
    phone = clean_text(phone, "phone", max_length=40, required=True, label=_("the phone number"))
    if not _PHONE.fullmatch(phone):
        raise _invalid("bad_phone", _("A phone number is digits, spaces and an optional leading +."), "phone")
    if village is None or village.level != Level.VILLAGE:
        raise _invalid("not_a_village", _("Choose your village."), "village")
    came_from = clean_text(came_from, "came_from", max_length=200, required=True, label=_("where the person came from"))
    if came_from_country and came_from_country not in Country.values:
        raise _invalid("bad_choice", _("“%(value)s” is not a valid choice.") % {"value": came_from_country}, "came_from_country")
    if not isinstance(returned_on, dt.date):
        raise _invalid("bad_date", _("Enter the date of your return."), "returned_on")
    today = clock.today()
    if returned_on > today:
        raise _invalid("future_date", _("The date of return cannot be in the future."), "returned_on")
    if returned_on < today - dt.timedelta(days=60):
        raise _invalid("too_old", _("Only returns within the last 60 days are declared here."), "returned_on")
    return SelfDeclaration.objects.create(
        name=name, phone=phone, village=village, came_from=came_from, came_from_country=came_from_country, returned_on=returned_on
    )


@transaction.atomic
def self_declaration_reject(*, actor: Any, declaration: SelfDeclaration, note: str) -> SelfDeclaration:
    committee_for(actor, declaration.village)
    declaration = SelfDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.state != DeclarationState.PENDING:
        raise DomainError("already_handled", _("This declaration has already been handled."), status=409)
    declaration.state = DeclarationState.REJECTED
    declaration.handled_by = actor
    declaration.handled_at = clock.now()
    declaration.note = clean_text(note, "note", max_length=300, required=True, label=_("the note"))
    declaration.save(update_fields=["state", "handled_by", "handled_at", "note"])
    return declaration


# --- border segments ----------------------------------------------------------------------------
@transaction.atomic
def segment_record_add(*, actor: Any, segment: BorderSegment, kind: str, text: str, at: dt.datetime | None = None) -> SegmentRecord:
    """Append to a segment's record log: its named person, a member of its unit, or its command."""
    scope = Scope.of(actor)
    scope.require_write()
    own = segment.responsible_person_id == getattr(actor, "pk", None)
    member = segment.responsible_unit is not None and scope.acts_for(segment.responsible_unit)
    if not (own or member):
        _require_command(actor, segment.county)
    return SegmentRecord.objects.create(
        segment=segment,
        at=_aware(at),
        author=actor,
        kind=_choice(kind, RecordKind, "kind"),
        text=clean_text(text, "text", max_length=4000, required=True, multiline=True, label=_("the record")),
    )


# --- GeoJSON import -----------------------------------------------------------------------------
def _features(collection: Any) -> list[dict[str, Any]]:
    if (
        not isinstance(collection, dict)
        or collection.get("type") != "FeatureCollection"
        or not isinstance(collection.get("features"), list)
    ):
        raise _invalid("not_a_feature_collection", _("The file is not a GeoJSON FeatureCollection."))
    return collection["features"]


def _problem(problems: list[dict[str, Any]], index: int, code: Any, message: str) -> None:
    problems.append({"feature": index, "code": str(code or ""), "message": str(message)})


def _props(f: Any, i: int, problems: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not isinstance(f, dict) or f.get("type") != "Feature" or not isinstance(f.get("properties"), dict):
        _problem(problems, i, None, _("Not a GeoJSON Feature with properties."))
        return None
    p = f["properties"]
    code = p.get("code")
    if not isinstance(code, str) or not re.fullmatch(r"[-a-zA-Z0-9_]{1,40}", code):
        _problem(problems, i, code, _("The code must be 1–40 letters, digits, hyphens or underscores."))
        return None
    for k, v in p.items():
        if isinstance(v, str) and "\x00" in v:
            _problem(problems, i, code, _("The property %(name)s contains a NUL character.") % {"name": k})
            return None
    return p


def _refuse(problems: list[dict[str, Any]]) -> None:
    if problems:
        raise DomainError(
            "invalid_geojson",
            _("The import was refused and nothing was changed: %(n)d feature(s) have problems.") % {"n": len(problems)},
            status=422,
            details=problems,
        )


def _counties_in_reach(scope: Scope | None) -> dict[str, Jurisdiction]:
    qs = Jurisdiction.objects.filter(level=Level.COUNTY)
    if scope is not None:
        qs = scope.filter(qs)
    return {j.code: j for j in qs}


def _import_scope(actor: Any) -> Scope | None:
    if actor is None:  # a management command run by the operator
        return None
    scope = Scope.of(actor)
    scope.require_write()
    if not scope.has_role(*COMMAND_ROLES):
        raise PermissionDenied(_("Only command staff may import."))
    return scope


@transaction.atomic
def segments_import(*, actor: Any, collection: Any) -> dict[str, int]:
    """Create or update border segments from a FeatureCollection of LineStrings, matched by code.

    Every feature is checked first; one bad feature refuses the whole file and nothing changes.
    ``actor=None`` is the operator's management command (no scope limit)."""
    scope = _import_scope(actor)
    counties = _counties_in_reach(scope)
    User = get_user_model()
    problems: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, f in enumerate(_features(collection)):
        p = _props(f, i, problems)
        if p is None:
            continue
        code = p["code"]
        if code in seen:
            _problem(problems, i, code, _("The code appears twice in the file."))
            continue
        seen.add(code)
        try:
            geometry = geo.check_geometry(f.get("geometry"), ("LineString",))
        except geo.GeometryError as exc:
            _problem(problems, i, code, str(exc))
            continue
        county = counties.get(str(p.get("county") or ""))
        if county is None or not county.borders:
            _problem(problems, i, code, _("The county “%(c)s” is not a border county within your reach.") % {"c": p.get("county")})
            continue
        neighbour = p.get("neighbour")
        if neighbour not in county.borders:
            _problem(problems, i, code, _("%(county)s does not border “%(n)s”.") % {"county": county, "n": neighbour})
            continue
        risk = p.get("risk") or Risk.MEDIUM
        if risk not in Risk.values:
            _problem(problems, i, code, _("“%(value)s” is not a valid choice.") % {"value": risk})
            continue
        person = None
        if p.get("responsible_person"):
            person = User.objects.filter(username=p["responsible_person"]).first()
            if person is None:
                _problem(problems, i, code, _("No user “%(u)s”.") % {"u": p["responsible_person"]})
                continue
        unit = None
        if p.get("responsible_unit"):
            unit = Unit.objects.filter(code=p["responsible_unit"]).first()
            if unit is None or (scope is not None and not scope.reaches_unit(unit)):
                _problem(problems, i, code, _("No unit “%(u)s” within your reach.") % {"u": p["responsible_unit"]})
                continue
        existing = BorderSegment.objects.filter(code=code).select_related("county").first()
        if existing is not None and existing.county.code not in counties:
            _problem(problems, i, code, _("The code belongs to a segment outside your reach."))
            continue
        texts = {}
        for k in ("responsibility", "tasks"):
            v = p.get(k) or ""
            if not isinstance(v, str) or len(v) > 4000:
                _problem(problems, i, code, _("%(name)s must be text of at most 4000 characters.") % {"name": k})
                break
            texts[k] = v.strip()
        if len(texts) < 2:
            continue
        rows.append(
            {
                "code": code,
                "county": county,
                "neighbour": neighbour,
                "geometry": geometry,
                "length_km": round(geo.length_km(geometry), 3),
                "risk": risk,
                "responsible_person": person,
                "responsible_unit": unit,
                "is_demo": bool(p.get("is_demo", False)),
                **texts,
            }
        )
    _refuse(problems)
    created = 0
    for r in rows:
        _obj, made = BorderSegment.objects.update_or_create(code=r.pop("code"), defaults=r)
        created += made
    return {"created": created, "updated": len(rows) - created}


@transaction.atomic
def passages_import(*, actor: Any, collection: Any) -> dict[str, int]:
    """Create or update passages from a FeatureCollection of Points or LineStrings, matched by code.
    Every feature is checked first; one bad feature refuses the whole file and nothing changes."""
    scope = _import_scope(actor)
    counties = _counties_in_reach(scope)
    problems: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    segments = {s.code: s for s in BorderSegment.objects.filter(county__code__in=list(counties))}
    for i, f in enumerate(_features(collection)):
        p = _props(f, i, problems)
        if p is None:
            continue
        code = p["code"]
        if code in seen:
            _problem(problems, i, code, _("The code appears twice in the file."))
            continue
        seen.add(code)
        try:
            geometry = geo.check_geometry(f.get("geometry"), ("Point", "LineString"))
        except geo.GeometryError as exc:
            _problem(problems, i, code, str(exc))
            continue
        county = counties.get(str(p.get("county") or ""))
        if county is None:
            _problem(problems, i, code, _("The county “%(c)s” is not a county within your reach.") % {"c": p.get("county")})
            continue
        kind = p.get("kind")
        if kind not in PassageKind.values:
            _problem(problems, i, code, _("“%(value)s” is not a valid choice.") % {"value": kind})
            continue
        neighbour = p.get("neighbour") or ""
        if neighbour and neighbour not in county.borders:
            _problem(problems, i, code, _("%(county)s does not border “%(n)s”.") % {"county": county, "n": neighbour})
            continue
        allowed = p.get("allowed") or []
        if not isinstance(allowed, list) or any(a not in Allowed.values for a in allowed):
            _problem(problems, i, code, _("“allowed” lists people, cargo or border_residents."))
            continue
        segment = None
        if p.get("segment"):
            segment = segments.get(p["segment"])
            if segment is None:
                _problem(problems, i, code, _("No border segment “%(s)s” within your reach.") % {"s": p["segment"]})
                continue
        names = {}
        for k in ("name_zh", "name_en"):
            v = p.get(k) or ""
            if not isinstance(v, str) or not v.strip() or len(v) > 120:
                _problem(problems, i, code, _("%(name)s must be text of 1 to 120 characters.") % {"name": k})
                break
            names[k] = v.strip()
        if len(names) < 2:
            continue
        existing = Passage.objects.filter(code=code).select_related("county").first()
        if existing is not None and existing.county.code not in counties:
            _problem(problems, i, code, _("The code belongs to a passage outside your reach."))
            continue
        lon, lat = geo.point_or_line_lonlat(geometry)
        rows.append(
            {
                "code": code,
                "kind": kind,
                "county": county,
                "neighbour": neighbour,
                "geometry": geometry,
                "segment": segment,
                "allowed": allowed,
                "lon": round(lon, 5),
                "lat": round(lat, 5),
                "is_demo": bool(p.get("is_demo", False)),
                **names,
            }
        )
    _refuse(problems)
    created = 0
    for r in rows:
        _obj, made = Passage.objects.update_or_create(code=r.pop("code"), defaults=r)
        created += made
    return {"created": created, "updated": len(rows) - created}


def is_port(passage: Passage) -> bool:
    return passage.kind in PORT_KINDS
