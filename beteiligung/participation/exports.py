"""Table exports (CSV, XLSX) for all modules: one writer, one set of safety rules.

The tables themselves are the modules' (registry.Export); this writes them, as an HTTP
download for the back office (``export_response``) or into a file for the command line
(``write_table``, used by ``beteiligung export``)."""

import csv
import io
import re

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL_XLSX = {c: None for c in range(32) if c not in (9, 10, 13)}


def safe_cell(value):
    """Neutralise spreadsheet formulas (CSV/formula injection) and stringify."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, (int, float)):
        return value
    value = str(value)
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    return value


SHEET_TITLE_FORBIDDEN = re.compile(r"[:/\\?*\[\]\x00-\x1f\x7f]")


def _sheet_title(value, default="Export"):
    """A worksheet name Excel accepts: none of : / \\ ? * [ ], no control characters,
    not starting or ending with an apostrophe, 1 to 31 characters."""
    title = " ".join(SHEET_TITLE_FORBIDDEN.sub(" ", str(value or "")).split())[:31]
    title = title.strip("' ")
    return title or default


FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_table(fmt, out, headers, rows, sheet_title="Export"):
    """Write ``rows`` to the binary file ``out`` as CSV (UTF-8 with BOM, ';' for German
    Excel) or XLSX, one row at a time: CSV goes straight to the file, XLSX through
    openpyxl's write-only mode (rows kept in a temporary file until the sheet is zipped).
    Returns the number of rows written."""
    count = 0
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
        sheet.append([safe_cell(h) for h in headers])
        for row in rows:
            sheet.append([
                c.translate(ILLEGAL_XLSX) if isinstance(c, str) else c
                for c in map(safe_cell, row)
            ])
            count += 1
        workbook.save(out)
        return count
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text, delimiter=";")
        writer.writerow([safe_cell(h) for h in headers])
        for row in rows:
            writer.writerow([safe_cell(c) for c in row])
            count += 1
        text.flush()
    finally:
        text.detach()  # the caller's file stays open
    return count


def table_response(fmt, filename, headers, rows, sheet_title="Export"):
    """An HTTP download of ``rows`` as CSV or XLSX (anything but "xlsx" is CSV)."""
    if fmt != "xlsx":
        fmt = "csv"
    buffer = io.BytesIO()
    write_table(fmt, buffer, headers, rows, sheet_title)
    content_type = XLSX_CONTENT_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def export_response(export, procedure, fmt, **filters):
    """The download of a registered table (registry.Export) of ``procedure``: what the
    modules' admin views answer."""
    return table_response(fmt, export.filename(procedure), export.headers(procedure),
                          export.rows(procedure, **filters), sheet_title=procedure.title)
