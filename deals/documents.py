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
