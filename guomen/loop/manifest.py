"""Pre-arrival manifests (CSV or XLSX): valid rows become declarations, invalid rows are reported
with their row number and reason, and importing the same file again changes nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from guomen.lib.errors import DomainError
from guomen.org.models import Unit

from .manifest_labels import field_label
from .models import Journey, Risk, State

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# Accepted column names (English or Chinese) → field.
COLUMNS = {
    "name_native": "name_native",
    "姓名": "name_native",
    "name": "name_native",
    "name_latin": "name_latin",
    "英文名": "name_latin",
    "拼音": "name_latin",
    "sex": "sex",
    "性别": "sex",
    "birth_date": "birth_date",
    "出生日期": "birth_date",
    "nationality": "nationality",
    "国籍": "nationality",
    "document_kind": "document_kind",
    "证件类型": "document_kind",
    "document_number": "document_number",
    "证件号码": "document_number",
    "issuing_country": "issuing_country",
    "签发国": "issuing_country",
    "valid_until": "valid_until",
    "有效期至": "valid_until",
    "expected_at": "expected_at",
    "预计入境时间": "expected_at",
    "origin_place": "origin_place",
    "出发地": "origin_place",
    "destination": "destination",
    "目的地代码": "destination",
    "risk": "risk",
    "风险等级": "risk",
    "phone": "phone",
    "电话": "phone",
}
REQUIRED = ("name_native", "nationality", "document_kind", "document_number", "expected_at")
SEX = {"m": "M", "male": "M", "男": "M", "f": "F", "female": "F", "女": "F"}
RISK = {"low": Risk.LOW, "低": Risk.LOW, "medium": Risk.MEDIUM, "中": Risk.MEDIUM, "high": Risk.HIGH, "高": Risk.HIGH}


@dataclass
class ImportReport:
    rows: int = 0
    taken: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "taken": self.taken, "unchanged": self.unchanged, "rejected": self.rejected}


def _read(file_name: str, content: bytes) -> list[dict[str, str]]:
    if len(content) > MAX_BYTES:
        raise DomainError("file_too_large", _("A manifest is at most 5 MB."), status=422)
    name = file_name.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise DomainError(
                "unreadable_file", _("The spreadsheet cannot be read: %(error)s") % {"error": exc.__class__.__name__}, status=422
            )
        rows = [[("" if v is None else v) for v in r] for r in wb.active.iter_rows(values_only=True)]
    elif name.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError("unreadable_file", _("A CSV manifest must be UTF-8 text."), status=422)
        rows = list(csv.reader(io.StringIO(text)))
    else:
        raise DomainError("unsupported_file", _("Send a .csv or .xlsx file."), status=422)
    if not rows:
        raise DomainError("empty_file", _("The file is empty."), status=422)
    header = [COLUMNS.get(str(h).strip().lower(), COLUMNS.get(str(h).strip(), "")) for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DomainError(
            "missing_columns", _("Columns missing: %(cols)s") % {"cols": ", ".join(missing)}, status=422, details={"missing": missing}
        )
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise DomainError("too_many_rows", _("At most %(n)d rows in one manifest.") % {"n": MAX_ROWS}, status=422)
    out = []
    for r in body:
        record = {}
        for i, key in enumerate(header):
            if key and i < len(r):
                v = r[i]
                record[key] = v if isinstance(v, datetime) else str(v).strip()
        out.append(record)
    return out


def _expected(value: Any) -> datetime:
    if isinstance(value, datetime):
        t = value
    else:
        t = parse_datetime(value.replace("/", "-")) if value else None
        if t is None and value:
            d = parse_date(value.replace("/", "-"))
            t = datetime.combine(d, time(12, 0)) if d else None
    if t is None:
        raise DomainError("invalid_expected_at", _("Expected arrival is not a date and time (e.g. 2020-04-02 10:30)."))
    return timezone.make_aware(t) if timezone.is_naive(t) else t


def manifest_import(*, actor: Any, port_unit: Unit, file_name: str, content: bytes, source: str = "") -> ImportReport:
    """Declare every valid row at ``port_unit``. Each row stands alone: one bad row spoils no other."""
    from guomen.people.services import person_register

    from .services import journey_declare

    records = _read(file_name, content)
    report = ImportReport(rows=len(records))
    label = (source or file_name)[:120]
    for n, rec in enumerate(records, start=2):  # row 1 is the header
        if not any(str(v).strip() for v in rec.values()):
            report.rows -= 1
            continue
        try:
            with transaction.atomic():
                missing = [c for c in REQUIRED if not str(rec.get(c, "")).strip()]
                if missing:
                    raise DomainError("missing_values", _("Empty: %(cols)s") % {"cols": ", ".join(field_label(c) for c in missing)})
                expected = _expected(rec["expected_at"])
                risk = RISK.get(str(rec.get("risk", "")).strip().lower(), Risk.MEDIUM)
                person = person_register(
                    actor=actor,
                    unit=port_unit,
                    name_native=rec["name_native"],
                    name_latin=rec.get("name_latin", ""),
                    sex=SEX.get(str(rec.get("sex", "")).strip().lower(), "X"),
                    birth_date=rec.get("birth_date") or None,
                    nationality=rec["nationality"],
                    phone=rec.get("phone", ""),
                    documents=[
                        {
                            "kind": rec["document_kind"],
                            "number": rec["document_number"],
                            "issuing_country": rec.get("issuing_country") or rec["nationality"],
                            "valid_until": rec.get("valid_until") or None,
                        }
                    ],
                )
                existing = Journey.objects.filter(person=person, closed_at__isnull=True).first()
                if existing is not None:
                    if existing.state == State.DECLARED and existing.custodian_id == port_unit.pk:
                        report.unchanged.append({"row": n, "journey": existing.code})
                        continue
                    raise DomainError("journey_open", _("This person already has an open journey (%(code)s).") % {"code": existing.code})
                destination = None
                if rec.get("destination"):
                    from guomen.places.models import Jurisdiction

                    destination = Jurisdiction.objects.filter(code=rec["destination"]).first()
                    if destination is None:
                        raise DomainError("unknown_destination", _("Unknown division code: %(code)s") % {"code": rec["destination"]})
                j = journey_declare(
                    actor=actor,
                    port_unit=port_unit,
                    person=person,
                    expected_at=expected,
                    risk=risk,
                    origin_country=rec["nationality"],
                    origin_place=rec.get("origin_place", ""),
                    destination=destination,
                    source=f"{label} #{n}",
                )
                report.taken.append({"row": n, "journey": j.code})
        except DomainError as e:
            field_name = (e.details or {}).get("field") if isinstance(e.details, dict) else None
            report.rejected.append({"row": n, "code": e.code, "reason": e.message, **({"field": field_name} if field_name else {})})
    return report
