"""Spreadsheet exports (openpyxl) with Chinese column headers.

Cells hold what the callers' rows hold, with two exceptions a spreadsheet forces: text is written as text, never
as a formula (a project named "=HYPERLINK(…)" must not become a live formula in an official's Excel), and the
characters XML 1.0 cannot carry (U+0000–U+001F but tab, newline and carriage return; lone surrogates; U+FFFE and
U+FFFF) are left out of the cell rather than failing the download or giving a file Excel cannot open: free text
such as a name can hold them. (A carriage return before a newline reads back as the newline alone: XML
normalises line ends.)
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

# What openpyxl refuses (its ILLEGAL_CHARACTERS_RE) and what it writes but XML 1.0 forbids, so no reader opens it.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Route options for a spreadsheet download: the OpenAPI document names the xlsx content type (and only it).
XLSX_ROUTE: dict[str, Any] = {"response_class": Response, "responses": {200: {"content": {XLSX: {}}}}}


def workbook_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(headers))
    for at, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            if isinstance(value, str):
                cell = ws.cell(at, column, NOT_IN_XML.sub("", value))
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
