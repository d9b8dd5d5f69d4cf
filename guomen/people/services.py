"""Every write of the people app, and the input help a port desk needs.

- ``person_register`` / ``document_add``: validated, deduplicated by the document's keyed hash.
- ``identity_reveal``: a document number in full, for roles allowed to see it, always audited.
- ``mrz_parse`` / ``resident_id_check``: a passport's machine-readable zone, a PRC resident ID.
- ``watch_add`` / ``watch_deactivate`` / ``document_findings``: the documents control (管住证件).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guomen.lib import clock
from guomen.lib import text as text_rules
from guomen.lib.errors import Conflict, DomainError
from guomen.org.models import Role
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope

from . import crypto
from .countries import ICAO_EXTRA, is_country
from .models import Category, DocumentKind, DocumentWatch, IdentityDocument, Person, Sex, WatchReason

WATCHLIST_ROLES = (*COMMAND_ROLES, Role.PORT_OFFICER)

_NUMBER = re.compile(r"^[0-9A-Z]{4,30}$")


# --- validation -----------------------------------------------------------------------------
def _invalid(code: str, message: str, field_name: str | None = None, **details: Any) -> DomainError:
    if field_name:
        details["field"] = field_name
    return DomainError(code, message, status=422, details=details or None)


FIELD_LABELS = {
    "name_native": gettext_lazy("name (native script)"),
    "name_latin": gettext_lazy("name (Latin letters)"),
    "phone": gettext_lazy("phone"),
    "number": gettext_lazy("document number"),
    "reason": gettext_lazy("reason"),
    "note": gettext_lazy("note"),
    "mrz": gettext_lazy("machine-readable zone"),
    "kind": gettext_lazy("document type"),
    "sex": gettext_lazy("sex"),
    "category": gettext_lazy("category"),
    "nationality": gettext_lazy("nationality"),
    "issuing_country": gettext_lazy("issuing country"),
    "birth_date": gettext_lazy("date of birth"),
    "valid_from": gettext_lazy("valid from"),
    "valid_until": gettext_lazy("valid until"),
    "border_county": gettext_lazy("border county"),
}


def _label(field_name: str) -> str:
    return str(FIELD_LABELS.get(field_name, field_name))


def clean_text(value: Any, field_name: str, *, max_length: int, required: bool = False) -> str:
    """``lib.text.clean_text`` with the field named in people's words."""
    # the label stays lazy: it is translated only when a message is written (most values are fine)
    return text_rules.clean_text(
        value, field_name, max_length=max_length, required=required, label=FIELD_LABELS.get(field_name, field_name)
    )


def clean_country(value: Any, field_name: str = "country") -> str:
    code = clean_text(value, field_name, max_length=3, required=True).upper()
    code = ICAO_EXTRA.get(code, code) if code == "D" else code
    if not is_country(code):
        raise _invalid("unknown_country", _("“%(code)s” is not an ISO 3166 alpha-3 country code.") % {"code": code}, field_name)
    return code


def clean_number(kind: str, number: Any) -> str:
    raw = clean_text(number, "number", max_length=40, required=True)
    n = crypto.normalise(raw)
    if kind == DocumentKind.RESIDENT_ID:
        resident_id_check(n)
    elif not _NUMBER.match(n):
        raise _invalid("bad_number", _("A document number is 4 to 30 letters and digits."), "number")
    return n


_CHOICE_VALUES: dict[Any, frozenset[str]] = {}


def _choice(value: Any, choices: Any, field_name: str) -> str:
    v = clean_text(value, field_name, max_length=40, required=True)
    allowed = _CHOICE_VALUES.get(choices)
    if allowed is None:  # an enum's values, listed once (Django builds the list on every read)
        allowed = _CHOICE_VALUES[choices] = frozenset(choices.values)
    if v not in allowed:
        raise _invalid("bad_choice", _("“%(value)s” is not a valid %(field)s.") % {"value": v, "field": _label(field_name)}, field_name)
    return v


def _date(value: Any, field_name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(clean_text(value, field_name, max_length=10))
    except ValueError as exc:
        raise _invalid(
            "bad_date", _("%(field)s is not a date (YYYY-MM-DD).") % {"field": capfirst(_label(field_name))}, field_name
        ) from exc


EARLIEST_BIRTH = dt.date(1900, 1, 1)


def birth_date_check(born: dt.date, field_name: str = "birth_date", code_prefix: str = "birth") -> None:
    """A date of birth lies between 1900-01-01 and today (in the display time zone)."""
    today = clock.today()
    if born < EARLIEST_BIRTH:
        raise _invalid(
            f"{code_prefix}_too_early",
            _("The date of birth %(date)s is before %(earliest)s; check the year.")
            % {"date": born.isoformat(), "earliest": EARLIEST_BIRTH.isoformat()},
            field_name,
        )
    if born > today:
        raise _invalid(
            f"{code_prefix}_in_future",
            _("The date of birth %(date)s is in the future (today is %(today)s).") % {"date": born.isoformat(), "today": today.isoformat()},
            field_name,
        )


# --- PRC resident identity number (GB 11643) --------------------------------------------------
def resident_id_check(number: str) -> dict[str, Any]:
    """The facts in a valid 18-character resident ID, or DomainError saying what is wrong.

    Checked: length, format, the date of birth and the check character. The region code (the
    first six digits) is only looked up: python-stdnum's ``ric.validate`` also requires the county
    to have existed in the birth year, which refuses real people (Ruili 533102 became a city in
    1992, Mangshi 533103 in 1996, and people born before hold numbers under the new codes). An unknown code
    is a warning for the officer, not a refusal."""
    from stdnum.cn import ric

    n = crypto.normalise(clean_text(number, "number", max_length=40, required=True))
    if len(n) != 18:
        raise _invalid("resident_id_length", _("A resident ID number has 18 characters."), "number")
    if not n[:17].isdigit() or not (n[17].isdigit() or n[17] == "X"):
        raise _invalid("resident_id_format", _("A resident ID number is 17 digits and a check character (0-9 or X)."), "number")
    expected = ric.calc_check_digit(n)
    if expected != n[17]:
        raise _invalid(
            "resident_id_check_digit",
            _("The check digit of this resident ID number is wrong (GB 11643): expected %(expected)s, got %(got)s.")
            % {"expected": expected, "got": n[17]},
            "number",
            expected=expected,
        )
    try:
        born = dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError as exc:
        raise _invalid(
            "resident_id_birth_date",
            _("The date of birth in this resident ID number (%(digits)s, digits 7 to 14) is not a real date.") % {"digits": n[6:14]},
            "number",
        ) from exc
    birth_date_check(born, "number", "resident_id_birth")
    sex = Sex.MALE if int(n[16]) % 2 else Sex.FEMALE
    return {"number": n, "birth_date": born, "sex": sex, "region_code": n[:6], "warnings": _region_warnings(n[:6])}


def _region_warnings(code: str) -> list[str]:
    from stdnum import numdb

    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    if "province" in info and "county" in info:
        return []
    return [
        _("The region code %(code)s (the first six digits) is not a known administrative division; check the number with the person.")
        % {"code": code}
    ]


# --- machine-readable zone of a passport (ICAO 9303 TD3) --------------------------------------
_MRZ_CHECKS = {
    "document number hash": ("document_number", gettext_lazy("document number")),
    "birth date hash": ("birth_date", gettext_lazy("date of birth")),
    "expiry date hash": ("expiry_date", gettext_lazy("date of expiry")),
    "optional data hash": ("optional_data", gettext_lazy("personal number (optional data)")),
    "final hash": ("composite", gettext_lazy("composite (whole line)")),
}


def _mrz_date(yymmdd: str, *, future: bool) -> dt.date | None:
    try:
        yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    except ValueError:
        return None
    this_year = clock.now().year % 100
    # An expiry date lies within the next 50 years; a birth date is not in the future.
    century = (2000 if yy < this_year + 50 else 1900) if future else (1900 if yy > this_year else 2000)
    try:
        return dt.date(century + yy, mm, dd)
    except ValueError:
        return None


def mrz_parse(text: str) -> dict[str, Any]:
    """The fields of a passport's two-line machine-readable zone, every check digit verified."""
    from mrz.base.errors import FieldError
    from mrz.checker.td3 import TD3CodeChecker

    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    hidden = text_rules.hidden_character(text)
    if hidden is not None:
        raise _invalid(
            "control_characters",
            _("%(field)s contains an invisible control or formatting character (%(char)s); type it again without it.")
            % {"field": capfirst(_label("mrz")), "char": text_rules.code_point(hidden)},
            "mrz",
        )
    if len(text) > 200:
        raise _invalid("mrz_shape", _("A passport's machine-readable zone is two lines of 44 characters."), "mrz")
    lines = [re.sub(r"[ \t]+", "", ln).upper() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    if len(lines) == 1 and len(lines[0]) == 88:
        lines = [lines[0][:44], lines[0][44:]]
    if len(lines) != 2 or any(len(ln) != 44 for ln in lines):
        raise _invalid("mrz_shape", _("A passport's machine-readable zone is two lines of 44 characters."), "mrz")
    if not lines[0].startswith("P"):
        raise _invalid("mrz_not_passport", _("This is not a passport's machine-readable zone (the first line starts with P)."), "mrz")
    try:
        checker = TD3CodeChecker("\n".join(lines))
    except (FieldError, ValueError) as exc:
        raise _invalid("mrz_characters", _("The machine-readable zone holds only A-Z, 0-9 and “<”."), "mrz") from exc
    failed = {desc for desc, ok in checker.report.fields if ok is False}
    bad_digits = [value for desc, value in _MRZ_CHECKS.items() if desc in failed]  # field digits first, the composite last
    if bad_digits:
        names = ", ".join(str(label) for _key, label in bad_digits)
        raise _invalid(
            "mrz_check_digit",
            _("A check digit of the machine-readable zone is wrong: %(which)s. Re-scan or type it again.") % {"which": names},
            "mrz",
            failed=[key for key, _label in bad_digits],
        )
    f = checker.fields()
    country = ICAO_EXTRA.get(f.country, f.country)
    nationality = ICAO_EXTRA.get(f.nationality, f.nationality)
    surname, given = f.surname.strip(), f.name.strip()
    return {
        "document_type": f.document_type,
        "kind": DocumentKind.PASSPORT.value,
        "issuing_country": country,
        "nationality": nationality,
        "surname": surname,
        "given_names": given,
        "name_latin": " ".join(p for p in (surname, given) if p),
        "number": f.document_number.replace("<", ""),
        "birth_date": _mrz_date(f.birth_date, future=False),
        "sex": {"M": Sex.MALE.value, "F": Sex.FEMALE.value}.get(f.sex, Sex.UNKNOWN.value),
        "valid_until": _mrz_date(f.expiry_date, future=True),
        "optional_data": f.optional_data.replace("<", ""),
        "known_country": is_country(nationality) and is_country(country),
    }


# --- persons and documents --------------------------------------------------------------------
def _document_values(doc: Mapping[str, Any]) -> dict[str, Any]:
    from guomen.places.models import Jurisdiction, Level

    kind = _choice(doc.get("kind"), DocumentKind, "kind")
    country = clean_country(doc.get("issuing_country"), "issuing_country")
    number = clean_number(kind, doc.get("number"))
    county = doc.get("border_county")
    if county not in (None, "") and not isinstance(county, Jurisdiction):
        county = Jurisdiction.objects.filter(code=clean_text(county, "border_county", max_length=12), level=Level.COUNTY).first()
        if county is None:
            raise _invalid("unknown_county", _("The border county is not a known county code."), "border_county")
    return {
        "kind": kind,
        "issuing_country": country,
        "number": number,
        "valid_from": _date(doc.get("valid_from"), "valid_from"),
        "valid_until": _date(doc.get("valid_until"), "valid_until"),
        "border_county": county or None,
    }


def _create_document(person: Person, values: Mapping[str, Any]) -> IdentityDocument:
    return IdentityDocument.objects.create(**document_row(person.pk, values))


def person_values(
    *,
    name_native: str,
    name_latin: str = "",
    sex: str = Sex.UNKNOWN,
    birth_date: Any = None,
    nationality: str,
    phone: str = "",
    category: str = Category.TRAVELLER,
    documents: Iterable[Mapping[str, Any]] = (),
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """The checked fields of a person, their documents' values and keyed hashes, or DomainError.
    Every way of registering a person (one at a time, or a manifest's batch) checks through here."""
    values = {
        "name_native": clean_text(name_native, "name_native", max_length=120, required=True),
        "name_latin": clean_text(name_latin, "name_latin", max_length=120),
        "sex": _choice(sex or Sex.UNKNOWN, Sex, "sex"),
        "birth_date": _date(birth_date, "birth_date"),
        "nationality": clean_country(nationality, "nationality"),
        "phone": clean_text(phone, "phone", max_length=40),
        "category": _choice(category or Category.TRAVELLER, Category, "category"),
    }
    if values["phone"] and not re.fullmatch(r"\+?[0-9 ()\-]{5,40}", values["phone"]):
        raise _invalid("bad_phone", _("A phone number is digits, spaces and an optional leading +."), "phone")
    if values["birth_date"]:
        birth_date_check(values["birth_date"])
    docs = [_document_values(d) for d in documents]
    lookups = [crypto.lookup_hash(d["kind"], d["issuing_country"], d["number"]) for d in docs]
    if len(set(lookups)) != len(lookups):
        raise _invalid("duplicate_in_request", _("The same document is listed twice."), "documents")
    return values, docs, lookups


def document_row(person_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
    """The stored columns of a new document: the number sealed, its keyed hashes, the last four."""
    number = values["number"]
    sealed = values.get("sealed") or {  # sealed and hashed already where the checks ran in worker processes
        "number_sealed": crypto.seal(number),
        "lookup": crypto.lookup_hash(values["kind"], values["issuing_country"], number),
        "number_lookup": crypto.number_hash(number),
    }
    return {
        "person_id": person_id,
        "kind": values["kind"],
        "issuing_country": values["issuing_country"],
        **sealed,
        "last4": number[-4:],
        "valid_from": values["valid_from"],
        "valid_until": values["valid_until"],
        "border_county_id": values["border_county"].pk if values["border_county"] is not None else None,
    }


def person_register(
    *,
    actor: Any,
    unit: Any,
    name_native: str,
    name_latin: str = "",
    sex: str = Sex.UNKNOWN,
    birth_date: Any = None,
    nationality: str,
    phone: str = "",
    category: str = Category.TRAVELLER,
    documents: Iterable[Mapping[str, Any]] = (),
) -> Person:
    """A person and their documents. A document already registered finds its person instead:
    a retry, or the same traveller at a second desk, never makes a second person."""
    Scope.of(actor).require_act_for(unit)
    values, docs, lookups = person_values(
        name_native=name_native,
        name_latin=name_latin,
        sex=sex,
        birth_date=birth_date,
        nationality=nationality,
        phone=phone,
        category=category,
        documents=documents,
    )
    try:
        with transaction.atomic():
            return _register(unit, values, docs, lookups)
    except IntegrityError:
        # A concurrent registration of the same document won the race: find its person.
        existing = IdentityDocument.objects.filter(lookup__in=lookups).select_related("person").first()
        if existing is None:
            raise
        return existing.person


def _register(unit: Any, values: dict[str, Any], docs: list[dict[str, Any]], lookups: list[str]) -> Person:
    known = {d.lookup: d for d in IdentityDocument.objects.filter(lookup__in=lookups).select_related("person")}
    people = {d.person_id for d in known.values()}
    if len(people) > 1:
        raise Conflict(
            "documents_of_different_persons",
            _("These documents are already registered to different persons; register them one at a time."),
            details={"field": "documents"},
        )
    person = next(iter(known.values())).person if known else Person.objects.create(registered_by=unit, **values)
    for d, lookup in zip(docs, lookups, strict=True):
        if lookup not in known:
            _create_document(person, d)
    return person


def document_add(*, actor: Any, person: Person, kind: str, number: str, issuing_country: str, **extra: Any) -> IdentityDocument:
    """Add a document to a person within reach. The same document again returns it unchanged;
    a document already registered to someone else is refused (the watch of duplicates sees it)."""
    from .queries import person_get

    scope = Scope.of(actor)
    scope.require_write()
    person_get(scope, person.public_id)  # 404 outside reach
    values = _document_values({"kind": kind, "number": number, "issuing_country": issuing_country, **extra})
    lookup = crypto.lookup_hash(values["kind"], values["issuing_country"], values["number"])
    with transaction.atomic():
        existing = IdentityDocument.objects.filter(lookup=lookup).first()
        if existing is not None:
            if existing.person_id != person.pk:
                raise Conflict("document_registered_elsewhere", _("This document is already registered to another person."))
            return existing
        return _create_document(person, values)


def identity_reveal(*, actor: Any, document: IdentityDocument, reason: str, request: Any = None) -> str:
    """The number in full. Only roles allowed to see identifiers; every view is written to the access audit."""
    from guomen.core.models import AccessLog
    from guomen.core.services import access_record

    from .queries import document_get

    scope = Scope.of(actor)
    document = document_get(scope, document.public_id)  # 404 outside reach
    if not scope.may_see_identity():
        raise PermissionDenied(_("Your role may not see identity document numbers in full."))
    reason = clean_text(reason, "reason", max_length=200, required=True)
    with transaction.atomic():
        number = crypto.unseal(document.number_sealed)
        access_record(
            user=actor,
            action=AccessLog.Action.VIEW_IDENTITY,
            obj=document,
            subject=str(document.person.public_id),
            reason=reason,
            request=request,
        )
    from .audit import check_view

    check_view(actor)  # a burst of full views, or one outside working hours, becomes an alert
    return number


# --- the documents control: watch-list and findings -------------------------------------------
def require_watch_role(scope: Scope) -> None:
    if not scope.has_role(*WATCHLIST_ROLES):
        raise PermissionDenied(_("Only command offices and port officers keep the document watch-list."))


def watch_add(*, actor: Any, kind: str, issuing_country: str, number: str, reason: str, note: str = "") -> DocumentWatch:
    """Watch a document number. Only its keyed hashes and last four characters are kept."""
    scope = Scope.of(actor)
    scope.require_write()
    require_watch_role(scope)
    kind = _choice(kind, DocumentKind, "kind")
    country = clean_country(issuing_country, "issuing_country")
    n = clean_number(kind, number)
    reason = _choice(reason, WatchReason, "reason")
    note = clean_text(note, "note", max_length=300)
    lookup = crypto.lookup_hash(kind, country, n)
    try:
        with transaction.atomic():
            existing = DocumentWatch.objects.filter(lookup=lookup, active=True).first()
            if existing is not None:
                return existing
            return DocumentWatch.objects.create(
                kind=kind,
                issuing_country=country,
                lookup=lookup,
                number_lookup=crypto.number_hash(n),
                last4=n[-4:],
                reason=reason,
                note=note,
                added_by=actor,
            )
    except IntegrityError:
        return DocumentWatch.objects.get(lookup=lookup, active=True)


def watch_deactivate(*, actor: Any, entry: DocumentWatch) -> DocumentWatch:
    scope = Scope.of(actor)
    scope.require_write()
    require_watch_role(scope)
    with transaction.atomic():
        DocumentWatch.objects.filter(pk=entry.pk, active=True).update(active=False, deactivated_at=clock.now(), deactivated_by=actor)
    entry.refresh_from_db()
    return entry


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a document. ``kind`` matches loop's AlertKind where one exists."""

    kind: str  # watchlist_hit | duplicate_document | expired | border_pass_outside
    message: str
    details: dict[str, Any] = field(default_factory=dict)


WATCHLIST_HIT = "watchlist_hit"
DUPLICATE_DOCUMENT = "duplicate_document"
EXPIRED = "expired"
BORDER_PASS_OUTSIDE = "border_pass_outside"  # noqa: S105 - a finding kind


def document_findings(document: IdentityDocument, *, used_in: Any = None, today: dt.date | None = None) -> list[Finding]:
    """What the documents control finds about ``document`` being used now, at ``used_in`` (a county).

    Watch-listed; the same number held by another person; expired; a border pass used outside
    its border county. Reads only; the caller (loop.document_check) raises the alerts.
    """
    today = today or clock.today()
    out: list[Finding] = []
    watch = (
        DocumentWatch.objects.filter(active=True, lookup=document.lookup).first()
        or DocumentWatch.objects.filter(active=True, number_lookup=document.number_lookup, issuing_country=document.issuing_country).first()
    )
    if watch is not None:
        out.append(
            Finding(
                WATCHLIST_HIT,
                _("This document is on the watch-list: %(reason)s.") % {"reason": watch.get_reason_display()},
                {
                    "watch": str(watch.public_id),
                    "reason": watch.reason,
                    "match": "document" if watch.lookup == document.lookup else "number",
                },
            )
        )
    others = list(
        IdentityDocument.objects.filter(number_lookup=document.number_lookup)
        .exclude(person_id=document.person_id)
        .values_list("person__public_id", flat=True)
        .distinct()[:10]
    )
    if others:
        out.append(
            Finding(
                DUPLICATE_DOCUMENT,
                _("The same document number is registered to another person."),
                {"other_persons": [str(p) for p in others]},
            )
        )
    if document.valid_until and document.valid_until < today:
        out.append(
            Finding(
                EXPIRED,
                _("The document expired on %(date)s.") % {"date": document.valid_until.isoformat()},
                {"valid_until": document.valid_until.isoformat()},
            )
        )
    if document.kind == DocumentKind.BORDER_PASS and used_in is not None and document.border_county_id:
        county = document.border_county
        if not used_in.path.startswith(county.path):
            out.append(
                Finding(
                    BORDER_PASS_OUTSIDE,
                    _("This border pass is valid in %(county)s only, not in %(here)s.") % {"county": county, "here": used_in},
                    {"border_county": county.code, "used_in": used_in.code},
                )
            )
    return out


# Checks of a single value, shared with corrections (``people.privacy``).
clean_date = _date
clean_choice = _choice
