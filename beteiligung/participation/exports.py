"""Table exports (CSV, XLSX) for all modules: one writer, one set of safety rules."""

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


def table_response(fmt, filename, headers, rows, sheet_title="Export"):
    """An HTTP download of ``rows`` as CSV (UTF-8 with BOM, ';' for German Excel) or XLSX."""
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
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow([safe_cell(h) for h in headers])
        for row in rows:
            writer.writerow([safe_cell(c) for c in row])
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
