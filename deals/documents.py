"""Printable documents of the deals app (QUOTE-02): a function takes a context and returns PDF bytes."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def quote_pdf(context: dict[str, Any]) -> bytes:
    """QUOTE-02: the customer's quote as PDF, rendered from ``deals/quote_pdf.html`` with the CJK font."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only PDF requests need it

    html = render_to_string("deals/quote_pdf.html", context)
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return pdf


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    pdf = HTML(string=render_to_string(template, context)).write_pdf()
    assert pdf is not None
    return pdf


def subscription_pdf(context: dict[str, Any]) -> bytes:
    """CON-01: the subscription form (认购书) with the site's header; customer-facing, so it shows no
    ownership, shares or commission (DISP-03)."""
    return _pdf("deals/subscription_pdf.html", context)


def commission_pdf(context: dict[str, Any]) -> bytes:
    """COMM-03: the monthly commission statement of one salesperson."""
    return _pdf("deals/commission_pdf.html", context)


def commission_xlsx(statement: Any) -> bytes:
    """COMM-03: the same statement as an Excel workbook, one row per commission line."""
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = f"{statement.year}-{statement.month:02d}"
    sheet.append(
        ["日期", "合同号", "房号", "份额", "套数", "面积", "合同金额", "佣金比例", "系数", "佣金", "状态"]
    )
    for line in statement.lines:
        record = line.record
        sheet.append([
            record.at.date().isoformat(), line.contract_number, line.unit, record.share, record.units,
            record.area, record.contract_amount, record.rate, record.factor,
            record.amount, record.get_status_display(),
        ])  # fmt: skip
    sheet.append(["合计", "", "", "", "", "", "", "", "", statement.total, ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
