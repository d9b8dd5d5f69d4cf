"""Files a port officer downloads for manifests: an empty template (CSV or XLSX, headers in Chinese
or English — the import reads both), and the refused rows of an import with their reasons, ready
to correct and import again (the extra columns are ignored on import)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from .manifest import COLUMNS, FIELDS, REQUIRED

# The Chinese header of each field: the first Chinese column name the import accepts for it.
ZH = {key: next(name for name, k in COLUMNS.items() if k == key and not name.isascii()) for key in FIELDS}
EXAMPLE = {
    "name_native": "岩温",
    "name_latin": "AI WEN",
    "sex": "M",
    "birth_date": "1988-03-02",
    "nationality": "MMR",
    "document_kind": "passport",
    "document_number": "MC2468013",
    "issuing_country": "MMR",
    "valid_until": "2031-06-30",
    "expected_at": "2020-04-02 10:30",
    "origin_place": "Muse 木姐",
    "destination": "533102",
    "risk": "medium",
    "phone": "+95 9 555 0101",
}
REFUSED_EXTRA = {"zh": ("原行号", "拒收原因"), "en": ("source_row", "refused_because")}


def _lang(language: str) -> str:
    return "zh" if str(language).lower().startswith("zh") else "en"


def headers(language: str) -> list[str]:
    return [ZH[k] if _lang(language) == "zh" else k for k in FIELDS]


def _csv(rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else (v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v) for v in row])
    return out.getvalue().encode("utf-8-sig")  # with the BOM, Excel on a Chinese Windows opens it as UTF-8


def _xlsx(rows: Sequence[Sequence[Any]], example: Sequence[Any]) -> bytes:
    """The manifest on the first sheet (the one the import reads); an example row on the second."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "manifest"
    help_sheet = wb.create_sheet("example 示例")
    for sheet, content in ((ws, rows), (help_sheet, [rows[0], example])):
        for row in content:
            sheet.append([("" if v is None else str(v)) for v in row])
        for i, key in enumerate(FIELDS, start=1):
            # required columns in red: name, nationality, document kind and number, expected arrival
            sheet.cell(row=1, column=i).font = Font(bold=True, color="B00020" if key in REQUIRED else None)
            sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = 18
        sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template(fmt: str, language: str) -> bytes:
    """The template: the header row alone (an example would be imported with the rows), and in
    the XLSX an example row on a second sheet, which the import does not read."""
    rows = [headers(language)]
    return _xlsx(rows, [EXAMPLE[k] for k in FIELDS]) if fmt == "xlsx" else _csv(rows)


def refused(rejected: Sequence[dict[str, Any]], values: Sequence[dict[str, Any]], language: str) -> bytes:
    """The refused rows as sent, with their row number and reason, as a CSV."""
    extra = REFUSED_EXTRA[_lang(language)]
    rows: list[list[Any]] = [[*headers(language), *extra]]
    for r, rec in zip(rejected, values, strict=True):
        rows.append([*(rec.get(k, "") for k in FIELDS), r["row"], r["reason"]])
    return _csv(rows)


def _refused_line(r: dict[str, Any]) -> list[Any]:
    rec = r.get("values") or {}
    return [*(rec.get(k, "") for k in FIELDS), r["row"], r["reason"]]


def refused_csv_stream(rows: Iterable[dict[str, Any]], language: str) -> Iterator[bytes]:
    """The refused rows of a background import (``manifest_jobs.refused_rows``) as a CSV, written as it is read."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*headers(language), *REFUSED_EXTRA[_lang(language)]])
    yield "\ufeff".encode() + out.getvalue().encode("utf-8")
    for r in rows:
        out.seek(0)
        out.truncate()
        writer.writerow(_refused_line(r))
        yield out.getvalue().encode("utf-8")


def refused_xlsx(rows: Iterable[dict[str, Any]], language: str, path: Any) -> None:
    """The refused rows as an XLSX written to ``path`` (a write-only workbook: memory stays small)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("manifest")
    ws.append([*headers(language), *REFUSED_EXTRA[_lang(language)]])
    for r in rows:
        ws.append([("" if v is None else str(v)) for v in _refused_line(r)])
    wb.save(path)
