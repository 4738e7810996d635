"""Printable documents of the handover app: a function takes a context and returns PDF bytes (STYLE 9);
the statistics export returns an Excel workbook."""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango is slow and only PDF requests need it

    pdf = HTML(string=render_to_string(template, context)).write_pdf()
    assert pdf is not None
    return pdf


def move_in_notice_pdf(context: dict[str, Any]) -> bytes:
    """MOVE-02: the move-in notice (入伙通知书): date and slot, what to bring, every amount due."""
    return _pdf("handover/notice_pdf.html", context)


def area_statement_pdf(context: dict[str, Any]) -> bytes:
    """AREA-02: the area-adjustment statement (面积补差结算单) with the formula and figures, for signing."""
    return _pdf("handover/area_statement_pdf.html", context)


def statistics_xlsx(report: dict[str, Any]) -> bytes:
    """SVC-08: the service statistics as a workbook, one sheet per breakdown."""
    import openpyxl

    workbook = openpyxl.Workbook()
    first = True
    for title, (header, rows) in report.items():
        sheet = workbook.active if first else workbook.create_sheet()
        first = False
        assert sheet is not None
        sheet.title = title[:31]
        sheet.append(list(header))
        for row in rows:
            sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)
