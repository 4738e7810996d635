"""RPT-09 in the browser: the site manager opens the reports dashboard and the daily report, downloads the
PDF and the Excel file, and the test opens both."""

from __future__ import annotations

import io
import subprocess

import openpyxl
import pytest

from tests.factories import PASSWORD
from tests.reports.conftest import D, day  # noqa: F401 - the fixed day of the report tests

pytestmark = pytest.mark.django_db(transaction=True)


def test_rpt_09_manager_downloads_daily_report_pdf_and_excel(
    day,  # noqa: F811
    page,
    live_server,
    login,
    screenshot,
    tmp_path,
):
    login(day.manager, PASSWORD)

    page.goto(f"{live_server.url}/reports/")
    assert page.locator("svg").count() >= 1
    screenshot("reports-dashboard")
    page.goto(f"{live_server.url}/reports/daily/?date={D.isoformat()}")
    assert (
        page.locator("h1").inner_text().startswith("销售日报") or "Daily" in page.locator("h1").inner_text()
    )
    screenshot("reports-daily")

    with page.expect_download() as pdf_download:
        page.click("a[data-export=pdf]")
    pdf_path = tmp_path / "daily.pdf"
    pdf_download.value.save_as(pdf_path)
    with page.expect_download() as xlsx_download:
        page.click("a[data-export=xlsx]")
    xlsx_path = tmp_path / "daily.xlsx"
    xlsx_download.value.save_as(xlsx_path)

    assert pdf_path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, check=True).stdout.decode()  # noqa: S607
    assert "138****5678" in text
    assert "13812345678" not in text
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_path.read_bytes()))
    values = [
        cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
    ]
    assert "王经理" in values
    assert "13812345678" not in values
