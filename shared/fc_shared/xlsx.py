"""Spreadsheet exports (openpyxl) with Chinese column headers.

Cells hold what the callers' rows hold, with two exceptions a spreadsheet forces: text is written as text, never
as a formula (a project named "=HYPERLINK(…)" must not become a live formula in an official's Excel), and the
control characters the xlsx format cannot carry (U+0000–U+001F but tab, newline and carriage return) are left out
of the cell rather than failing the whole download: free text such as a name can hold them.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Route options for a spreadsheet download: the OpenAPI document names the xlsx content type (and only it).
XLSX_ROUTE: dict[str, Any] = {"response_class": Response, "responses": {200: {"content": {XLSX: {}}}}}


def workbook_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(headers))
    for at, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            if isinstance(value, str):
                cell = ws.cell(at, column, ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # openpyxl would read a leading "=" as a formula
            else:
                ws.cell(at, column, value)
    for idx, header in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(1, idx).column_letter].width = max(10, len(str(header)) * 2 + 2)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    return Response(workbook_bytes(title, headers, rows), media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})
