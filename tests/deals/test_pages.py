"""Inventory pages: the board with live refresh and history (UNIT-04), sales control (UNIT-02), import
(UNIT-01), the quote calculator and its PDF (QUOTE-01, QUOTE-02), scoping (SEC-01, SEC-07)."""

import datetime
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from deals import services
from deals.models import Unit, UnitStatusChange
from salesoffice.core.roles import Role
from tests.deals.factories import BuildingFactory, UnitFactory

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_unit_04_board_shows_units_coloured_by_status_and_polls_the_grid(site, salesperson):
    building = BuildingFactory(site=site, name="1号楼")
    UnitFactory(
        building=building, number="1801", status=Unit.Status.RESERVED, list_total=Decimal("3012500.00")
    )

    response = _client(salesperson).get("/deals/board/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "status-reserved" in html
    assert "1801" in html
    assert "3,012,500.00" in html
    assert f'hx-get="/deals/board/{building.pk}/grid/?' in html
    assert 'hx-trigger="every 2s"' in html
    assert "/static/deals/deals." in html


def test_unit_04_board_cells_escape_typed_in_texts(site, salesperson):
    """UNIT-04, SEC-07: the board's cells are built without the template engine; a unit number or a
    layout typed in with markup is shown as text, never as HTML."""
    building = BuildingFactory(site=site, name="2号楼")
    UnitFactory(building=building, number="<b>1</b>", layout='<img src=x onerror="x()">')

    html = _client(salesperson).get(f"/deals/board/?building={building.pk}").content.decode()

    assert "&lt;b&gt;1&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=&quot;x()&quot;&gt;" in html
    assert "<img src=x" not in html


def test_unit_04_grid_fragment_and_history_fragment(site, manager):
    building = BuildingFactory(site=site)
    unit = UnitFactory(building=building, status=Unit.Status.AVAILABLE)
    client = _client(manager)
    client.post(f"/deals/units/{unit.pk}/withhold/", {"reason": "保留给老业主"})

    grid = client.get(f"/deals/board/{building.pk}/grid/", HTTP_HX_REQUEST="true")
    history = client.get(f"/deals/units/{unit.pk}/", HTTP_HX_REQUEST="true")

    assert grid.status_code == 200
    assert "<html" not in grid.content.decode()
    assert "status-withheld" in grid.content.decode()
    assert "保留给老业主" in history.content.decode()


def test_sec_07_board_and_unit_of_another_site_are_404(site, other_site, salesperson):
    unit = UnitFactory(building__site=other_site)
    client = _client(salesperson)

    assert client.get(f"/deals/board/{unit.building_id}/grid/").status_code == 404
    assert client.get(f"/deals/units/{unit.pk}/").status_code == 404
    assert client.get(f"/deals/board/?building={unit.building_id}").status_code == 404


def test_unit_02_salesperson_withhold_form_is_403_and_nothing_changes(site, salesperson):
    unit = UnitFactory(building__site=site, status=Unit.Status.AVAILABLE)

    response = _client(salesperson).post(f"/deals/units/{unit.pk}/withhold/", {"reason": "x"})

    assert response.status_code == 403
    unit.refresh_from_db()
    assert unit.status == Unit.Status.AVAILABLE
    assert not UnitStatusChange.objects.exists()


def test_unit_02_manager_batch_page_releases_a_batch(site, manager):
    UnitFactory.create_batch(2, building__site=site, status=Unit.Status.WITHHELD, sales_batch="二期")
    client = _client(manager)

    assert client.get("/deals/control/").status_code == 200
    response = client.post("/deals/control/", {"sales_batch": "二期", "action": "release", "reason": "开盘"})

    assert response.status_code == 302
    assert Unit.objects.filter(status=Unit.Status.AVAILABLE).count() == 2


def test_unit_01_manager_price_form(site, manager):
    unit = UnitFactory(building__site=site)

    _client(manager).post(f"/deals/units/{unit.pk}/price/", {"total": "2100000.00", "reason": "调价"})

    unit.refresh_from_db()
    assert unit.list_total == Decimal("2100000.00")


def test_unit_01_import_page_reports_the_bad_row(site, manager, django_capture_on_commit_callbacks):
    content = "楼栋,楼层,房号,户型,建筑面积,套内面积,单价\n1号楼,1,101,3室,100,120,20000\n".encode()
    client = _client(manager)
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/deals/import/", {"file": SimpleUploadedFile("u.csv", content)})
    page = client.get(response["Location"])

    assert response.status_code == 302
    html = page.content.decode()
    assert "inner_area" in html
    assert "<td>2</td>" in html
    assert not Unit.objects.exists()


def test_sec_01_import_page_is_for_the_manager_only(site, salesperson):
    assert _client(salesperson).get("/deals/import/").status_code == 403


def test_sec_01_channel_agent_board_hides_units_not_available(site, staff):
    agent = staff(Role.CHANNEL_AGENT, site)
    building = BuildingFactory(site=site)
    UnitFactory(building=building, number="0101", status=Unit.Status.AVAILABLE)
    UnitFactory(building=building, number="0909", status=Unit.Status.CONTRACTED)

    html = _client(agent).get("/deals/board/").content.decode()

    assert "0101" in html
    assert "0909" not in html


QUOTE_QUERY = {
    "loan_type": "commercial",
    "down_payment_ratio": "0.50",
    "years": "30",
    "commercial_rate": "3.5",
    "provident_fund_rate": "2.85",
    "customer_name": "张先生",
}


def test_quote_01_calculator_page_shows_s_deal_4_figures(site, salesperson):
    unit = UnitFactory(building__site=site, list_total=Decimal("2000000.00"))

    response = _client(salesperson).get("/deals/quote/", {"unit": unit.pk, **QUOTE_QUERY})

    html = response.content.decode()
    assert response.status_code == 200
    assert "4,490.45" in html
    assert "5,694.44" in html


def test_quote_02_pdf_renders_with_the_customer_figures(site, salesperson):
    unit = UnitFactory(building__site=site, list_total=Decimal("2000000.00"))

    response = _client(salesperson).get("/deals/quote/pdf/", {"unit": unit.pk, **QUOTE_QUERY})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "4,490.45" in text
    assert "1,000,000.00" in text
    assert "张先生" in text
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "quote.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "/usr/bin/pdftoppm",
            "-png",
            "-r",
            "60",
            "-singlefile",
            str(ARTIFACTS / "quote.pdf"),
            str(ARTIFACTS / "quote"),
        ],
        check=True,
    )
    assert (ARTIFACTS / "quote.png").stat().st_size > 0


def test_unit_04_polling_gets_204_until_something_changes(site, manager):
    """UNIT-04: the grid is re-sent only when a unit changed; otherwise htmx gets an empty 204."""
    unit = UnitFactory(building__site=site)
    Unit.objects.filter(pk=unit.pk).update(status_changed_at=timezone.now() - datetime.timedelta(hours=1))
    client = _client(manager)
    first = client.get(f"/deals/board/{unit.building_id}/grid/")
    version = first.context["version"]
    assert client.get(f"/deals/board/{unit.building_id}/grid/", {"v": version}).status_code == 204
    services.unit_price_change(unit=unit, actor=manager, total=unit.list_total + 1000, reason="调价")
    again = client.get(f"/deals/board/{unit.building_id}/grid/", {"v": version})
    assert again.status_code == 200
    assert again.context["version"] != version
