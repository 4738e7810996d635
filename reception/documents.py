"""Printable documents of the reception rota: a function takes a context and returns PDF bytes."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def fairness_pdf(context: dict[str, Any]) -> bytes:
    """ROTA-09: the fairness report as PDF, from ``reception/fairness_pdf.html`` in the CJK font."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only PDF requests need it

    html = render_to_string("reception/fairness_pdf.html", context)
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return pdf
