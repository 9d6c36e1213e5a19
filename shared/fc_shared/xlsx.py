"""Spreadsheet exports (openpyxl) with Chinese column headers."""
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

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    for idx, header in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(1, idx).column_letter].width = max(10, len(str(header)) * 2 + 2)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    return Response(workbook_bytes(title, headers, rows), media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})
