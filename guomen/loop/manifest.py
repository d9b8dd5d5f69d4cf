"""Pre-arrival manifests (CSV or XLSX): valid rows become declarations, invalid rows are reported
with their row number and reason, and importing the same file again changes nothing."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from guomen.lib.errors import DomainError
from guomen.org.models import Unit

from .manifest_labels import field_label
from .models import Journey, Risk, State

MAX_BYTES = 64 * 1024 * 1024  # 200,000 rows of a manifest take 20 to 40 MB of CSV
MAX_ROWS = 200_000
# What an XLSX may unpack to: 200,000 rows of a manifest take a few hundred MB of XML.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
BATCH_ROWS = 2000  # rows checked and written together
REPORT_ROWS = 5000  # rows taken or unchanged listed one by one in the report; beyond, only counted
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
# The fields of a row, in the order of the template and of a partner's manifest.
FIELDS = (
    "name_native",
    "name_latin",
    "sex",
    "birth_date",
    "nationality",
    "document_kind",
    "document_number",
    "issuing_country",
    "valid_until",
    "expected_at",
    "origin_place",
    "destination",
    "risk",
    "phone",
)
REQUIRED = ("name_native", "nationality", "document_kind", "document_number", "expected_at")
SEX = {"m": "M", "male": "M", "男": "M", "f": "F", "female": "F", "女": "F"}
RISK = {"low": Risk.LOW, "低": Risk.LOW, "medium": Risk.MEDIUM, "中": Risk.MEDIUM, "high": Risk.HIGH, "高": Risk.HIGH}


@dataclass
class ImportReport:
    """What became of the rows. Every refused row is listed; the rows taken and unchanged are
    counted, and listed up to ``REPORT_ROWS`` of each (a file of 200,000 rows is not kept in memory)."""

    rows: int = 0
    taken: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    # The refused rows as they were sent, for the correction file (kept out of ``as_dict``).
    refused_values: list[dict[str, Any]] = field(default_factory=list)
    n_taken: int = 0
    n_unchanged: int = 0

    def add(self, outcome: str, entry: dict[str, Any], rec: dict[str, Any] | None = None) -> None:
        """One row's outcome; ``rec``, the row as sent, is kept for a refused row (the correction file)."""
        if outcome == "rejected":
            self.rejected.append(entry)
            if rec is not None:
                self.refused_values.append(rec)
        elif outcome == "taken":
            self.n_taken += 1
            if len(self.taken) < REPORT_ROWS:
                self.taken.append(entry)
        else:
            self.n_unchanged += 1
            if len(self.unchanged) < REPORT_ROWS:
                self.unchanged.append(entry)

    def counted(self) -> None:
        """Called once ``rows`` is known, before the first batch (a background import shows it)."""

    def batch_done(self) -> None:
        """Called after each batch is written (a background import records its progress here)."""

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "taken": self.taken, "unchanged": self.unchanged, "rejected": self.rejected}


def _decode(content: bytes) -> str:
    """The text of a CSV: UTF-8 (with or without the BOM Excel adds), else GB 18030 — what Excel
    writes for "CSV" on a Chinese Windows (a superset of GBK and GB 2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("unreadable_file", _("A CSV manifest must be UTF-8 or GB 18030 (GBK) text."), status=422)


def _xlsx_rows(content: bytes | Path) -> Iterator[Sequence[Any]]:
    import zipfile

    from openpyxl import load_workbook

    # A zip's declared sizes bound what it unpacks to (zipfile stops reading a member at its
    # declared size), so a small file that would inflate to hundreds of MB is refused unopened.
    try:
        with zipfile.ZipFile(_source(content)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _unreadable(exc) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise DomainError(
            "file_too_large",
            _("This spreadsheet unpacks to more than %(mb)d MB; a manifest of %(rows)d rows is far smaller.")
            % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024), "rows": MAX_ROWS},
            status=422,
        )
    wb = None
    try:
        wb = load_workbook(_source(content), read_only=True, data_only=True)
        for row in wb.active.iter_rows(values_only=True):
            yield ["" if v is None else v for v in row]
    except Exception as exc:  # openpyxl and the XML parser raise many kinds on a broken file
        raise _unreadable(exc) from exc
    finally:
        if wb is not None:
            wb.close()


def _unreadable(exc: Exception) -> DomainError:
    return DomainError("unreadable_file", _("The spreadsheet cannot be read: %(error)s") % {"error": exc.__class__.__name__}, status=422)


def _source(content: bytes | Path) -> Any:
    return io.BytesIO(content) if isinstance(content, bytes) else content


def _encoding_of(path: Path) -> str:
    """UTF-8 (with or without the BOM) or GB 18030, decided by reading the file through once in pieces."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as f:
            while piece := f.read(1 << 20):
                decoder.decode(piece)
        decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    decoder = codecs.getincrementaldecoder("gb18030")()
    try:
        with path.open("rb") as f:
            while piece := f.read(1 << 20):
                decoder.decode(piece)
        decoder.decode(b"", final=True)
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise DomainError("unreadable_file", _("A CSV manifest must be UTF-8 or GB 18030 (GBK) text."), status=422) from exc


def _csv_rows(content: bytes | Path) -> Iterator[Sequence[Any]]:
    try:
        if isinstance(content, bytes):
            yield from csv.reader(io.StringIO(_decode(content)))
        else:  # a file on disk is read as a stream, never whole
            with content.open(encoding=_encoding_of(content), newline="") as f:
                yield from csv.reader(f)
    except csv.Error as exc:
        raise DomainError("unreadable_file", _("The CSV file cannot be read: %(error)s") % {"error": str(exc)[:80]}, status=422) from exc


def too_large() -> DomainError:
    return DomainError("file_too_large", _("A manifest is at most %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}, status=422)


def _records(file_name: str, content: bytes | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The records of the file (row number, fields), read as a stream that stops at the row cap.
    ``content`` is the file's bytes, or the path of the file on disk."""
    if (len(content) if isinstance(content, bytes) else content.stat().st_size) > MAX_BYTES:
        raise too_large()
    name = file_name.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif name.endswith(".csv"):
        rows = _csv_rows(content)
    else:
        raise DomainError("unsupported_file", _("Send a .csv or .xlsx file."), status=422)
    first = next(rows, None)
    if first is None:
        raise DomainError("empty_file", _("The file is empty."), status=422)
    header = [COLUMNS.get(str(h).strip().lower(), COLUMNS.get(str(h).strip(), "")) for h in first]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DomainError(
            "missing_columns", _("Columns missing: %(cols)s") % {"cols": ", ".join(missing)}, status=422, details={"missing": missing}
        )
    count = 0
    for n, r in enumerate(rows, start=2):  # row 1 is the header
        record = {}
        for i, key in enumerate(header):
            if key and i < len(r):
                v = r[i]
                record[key] = v if isinstance(v, datetime) else str(v).strip()
        if not any(str(v).strip() for v in record.values()):
            continue  # a blank line, or a row only formatted in the spreadsheet
        if count == MAX_ROWS:
            raise DomainError("too_many_rows", _("At most %(n)d rows in one manifest.") % {"n": MAX_ROWS}, status=422)
        count += 1
        yield n, record


def _count(file_name: str, content: bytes | Path) -> int:
    """The number of records; a file over a cap, or unreadable, is refused here whole, before anything is written."""
    return sum(1 for _record in _records(file_name, content))


def _expected(value: Any) -> datetime:
    if isinstance(value, datetime):
        t = value
    else:
        try:  # a well-formed but impossible date (2020-02-30) raises instead of answering None
            t = parse_datetime(value.replace("/", "-")) if value else None
            if t is None and value:
                d = parse_date(value.replace("/", "-"))
                t = datetime.combine(d, time(12, 0)) if d else None
        except ValueError:
            t = None
    if t is None:
        raise DomainError("invalid_expected_at", _("Expected arrival is not a date and time (e.g. 2020-04-02 10:30)."))
    return timezone.make_aware(t) if timezone.is_naive(t) else t


def _document_key(rec: dict[str, Any]) -> tuple[str, str, str]:
    from guomen.people.crypto import normalise

    country = str(rec.get("issuing_country") or rec.get("nationality") or "").strip().upper()
    return (str(rec.get("document_kind", "")).strip().lower(), country, normalise(str(rec.get("document_number", ""))))


def _duplicate_key(rec: dict[str, Any]) -> bytes | None:
    """A short digest of the row's document, to find it again later in the file (8 bytes a row)."""
    key = _document_key(rec)
    return hashlib.blake2b("|".join(key).encode(), digest_size=8).digest() if key[2] else None


def manifest_import(
    *, actor: Any, port_unit: Unit, file_name: str, content: bytes | Path, source: str = "", report: ImportReport | None = None
) -> ImportReport:
    """Declare every valid row at ``port_unit``. Each row stands alone: one bad row spoils no other.

    The file is read twice as a stream: once to refuse it whole if it is over a cap or unreadable,
    once to declare its rows ``BATCH_ROWS`` at a time (``loop.bulk``): each batch is checked row by
    row, then written in one transaction, so a refused row leaves nothing behind. The file is not
    one transaction: a manifest of thousands of rows would hold SQLite's write lock for its whole
    length. Should a batch collide with a concurrent write of the same person, its rows are taken
    again one at a time."""
    from guomen.lib.bulkinsert import old_objects_frozen

    with old_objects_frozen():
        return _import(actor, port_unit, file_name, content, source, report)


def _import(actor: Any, port_unit: Unit, file_name: str, content: bytes | Path, source: str, report: ImportReport | None) -> ImportReport:
    from .bulk import Row

    report = report if report is not None else ImportReport()
    report.rows = _count(file_name, content)
    report.counted()
    first_row: dict[bytes, int] = {}
    batch: list[Row] = []
    with _Batches(actor, port_unit, (source or file_name)[:120], report) as batches:
        for n, rec in _records(file_name, content):
            key = _duplicate_key(rec)
            refused = None
            if key is not None and key in first_row:
                refused = DomainError(
                    "duplicate_row",
                    _("The same document as row %(row)d of this file.") % {"row": first_row[key]},
                    details={"field": "document_number"},
                )
            elif key is not None:
                first_row[key] = n
            batch.append(Row(n, rec, refused))
            if len(batch) == BATCH_ROWS:
                batches.declare(batch)
                batch = []
        if batch:
            batches.declare(batch)
    return report


def writer_thread() -> bool:
    """Whether a manifest's batches are written by a second connection in a thread while the next
    batch is checked: on PostgreSQL (psycopg lets go of the GIL while it waits for the server),
    outside a transaction (a batch is committed on its own connection, which sees only what is
    committed), and not with the worker processes (``bulk_pool``, forked: no thread may run then).
    ``GUOMEN_MANIFEST_WRITER_THREAD`` (on by default) turns it off."""
    from django.conf import settings
    from django.db import connection

    from . import bulk_pool

    return (
        settings.GUOMEN_MANIFEST_WRITER_THREAD
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and bulk_pool.processes() < 2
    )


class _Batches:
    """The batches of one file, declared in order, their outcomes reported in order.

    Without the writer thread each batch is checked then written here. With it, a batch is checked
    and its rows made ready here (``bulk.prepare_rows``, which only reads), then written in one
    transaction by the thread on its own connection (``bulk.write_rows``) while the next batch is
    checked; its outcomes are reported once its transaction has committed, before the next batch
    goes to the thread. No batch depends on the writes of the one before: a document seen earlier
    in the file is refused as a duplicate before any check, and a same document the checks tell
    apart only after normalising (a country's ICAO code) meets the unique keyed hash — the batch
    fails whole (nothing of it is written) and its rows are taken again one at a time, here, as
    after any collision. On an error the batch being written is waited for: it is committed
    whole or not at all."""

    def __init__(self, actor: Any, port_unit: Unit, label: str, report: ImportReport) -> None:
        self.actor, self.port_unit, self.label, self.report = actor, port_unit, label, report
        self.pending: tuple[list[Any], Any] | None = None
        self.pool: Any = None
        if report.rows > BATCH_ROWS and writer_thread():  # a file of one batch has nothing to overlap
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(1, thread_name_prefix="manifest-writer")

    def __enter__(self) -> _Batches:
        return self

    def __exit__(self, exc_type: Any, *_exc: Any) -> None:
        try:
            if exc_type is None:
                self._written()
            else:  # the batch being written is waited for and, if committed, counted (a background job's progress)
                with contextlib.suppress(Exception):
                    self._written()
        finally:
            if self.pool is not None:
                self.pool.submit(_close_connection).result()
                self.pool.shutdown()

    def declare(self, batch: list[Any]) -> None:
        from .bulk import declare_rows, prepare_rows, write_rows

        if self.pool is None:
            try:
                outcomes = declare_rows(actor=self.actor, port_unit=self.port_unit, label=self.label, rows=batch)
            except IntegrityError:
                outcomes = self._one_at_a_time(batch)
            self._report(batch, outcomes)
            return
        prepared = prepare_rows(actor=self.actor, port_unit=self.port_unit, label=self.label, rows=batch)
        self._written()
        self.pending = (batch, self.pool.submit(write_rows, prepared))

    def _written(self) -> None:
        """The outcomes of the batch being written, once it is (or its rows one at a time, after a collision)."""
        if self.pending is None:
            return
        batch, future = self.pending
        self.pending = None
        try:
            outcomes = future.result()
        except IntegrityError:
            outcomes = self._one_at_a_time(batch)
        self._report(batch, outcomes)

    def _one_at_a_time(self, batch: list[Any]) -> list[tuple[str, dict[str, Any]]]:
        from .bulk import outcome_refused

        outcomes = []
        for r in batch:
            if r.refused is not None:
                outcomes.append(outcome_refused(r.n, r.refused))
                continue
            try:
                with transaction.atomic():
                    outcomes.append(import_row(self.actor, self.port_unit, r.rec, f"{self.label} #{r.n}", r.n))
            except DomainError as e:
                outcomes.append(outcome_refused(r.n, e))
        return outcomes

    def _report(self, batch: list[Any], outcomes: list[tuple[str, dict[str, Any]]]) -> None:
        recs = {r.n: r.rec for r in batch}
        for outcome, entry in outcomes:
            # the row as sent, for the correction file
            self.report.add(outcome, entry, recs.get(entry.get("row")) if outcome == "rejected" else None)
        self.report.batch_done()


def _close_connection() -> None:
    """In the writer thread, at the end of a file: its own connection (Django's connections are per thread)."""
    from django.db import connection

    connection.close()


def check_row(rec: dict[str, Any], destination_of: Callable[[str], Any], window: tuple[datetime, datetime] | None = None) -> dict[str, Any]:
    """The checked values of one row, or DomainError: what both ways of declaring a row check, in
    the same order. ``destination_of(code)`` answers the jurisdiction of a division code, or None;
    ``window`` the earliest and latest expected arrival (``services.expected_window``, by default now)."""
    from guomen.people.services import person_values

    from .services.beginnings import expected_check

    missing = [c for c in REQUIRED if not str(rec.get(c, "")).strip()]
    if missing:
        raise DomainError("missing_values", _("Empty: %(cols)s") % {"cols": ", ".join(field_label(c) for c in missing)})
    expected = _expected(rec["expected_at"])
    expected_check(expected, window)
    risk = RISK.get(str(rec.get("risk", "")).strip().lower(), Risk.MEDIUM)
    destination = None
    if rec.get("destination"):
        destination = destination_of(rec["destination"])
        if destination is None:
            raise DomainError("unknown_destination", _("Unknown division code: %(code)s") % {"code": rec["destination"]})
    person, docs, lookups = person_values(**person_fields(rec))
    return {
        "expected_at": expected,
        "risk": risk,
        "destination": destination,
        "person": person,
        "docs": docs,
        "lookup": lookups[0],
        "origin_country": rec["nationality"],
        "origin_place": rec.get("origin_place", ""),
    }


def person_fields(rec: dict[str, Any]) -> dict[str, Any]:
    """A row's person and document, as the people services take them (both ways of declaring)."""
    return {
        "name_native": rec["name_native"],
        "name_latin": rec.get("name_latin", ""),
        "sex": SEX.get(str(rec.get("sex", "")).strip().lower(), "X"),
        "birth_date": rec.get("birth_date") or None,
        "nationality": rec["nationality"],
        "phone": rec.get("phone", ""),
        "documents": [
            {
                "kind": rec["document_kind"],
                "number": rec["document_number"],
                "issuing_country": rec.get("issuing_country") or rec["nationality"],
                "valid_until": rec.get("valid_until") or None,
            }
        ],
    }


def _destination(code: str) -> Any:
    from guomen.places.models import Jurisdiction

    return Jurisdiction.objects.filter(code=code).first()


def import_row(actor: Any, port_unit: Unit, rec: dict[str, Any], source: str, n: int) -> tuple[str, dict[str, Any]]:
    """One row through the one-at-a-time services (``person_register``, ``journey_declare``): the
    reference the batches are held to, and the way a batch is taken again after a collision."""
    from guomen.people.services import person_register

    from .services import journey_declare

    c = check_row(rec, _destination)
    person = person_register(actor=actor, unit=port_unit, **person_fields(rec))
    existing = Journey.objects.filter(person=person, closed_at__isnull=True).first()
    if existing is not None:
        if existing.state == State.DECLARED and existing.custodian_id == port_unit.pk:
            return "unchanged", {"row": n, "journey": existing.code}
        raise DomainError("journey_open", _("This person already has an open journey (%(code)s).") % {"code": existing.code})
    j = journey_declare(
        actor=actor,
        port_unit=port_unit,
        person=person,
        expected_at=c["expected_at"],
        risk=c["risk"],
        origin_country=c["origin_country"],
        origin_place=c["origin_place"],
        destination=c["destination"],
        source=source,
    )
    return "taken", {"row": n, "journey": j.code}
