"""Inventory REST API: role checks (SEC-01), another site → 404 (SEC-07), one endpoint per verb (UNIT-02),
price change (UNIT-01), import with a row-level report (UNIT-01), quote figures (QUOTE-01, S-DEAL-4)."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from deals.models import InventoryImport, PriceChange, Unit, UnitStatusChange
from salesoffice.core.roles import Role
from tests.deals.factories import BuildingFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_unit_02_manager_withholds_through_the_verb_endpoint(site, manager, api):
    unit = UnitFactory(building__site=site, status=Unit.Status.AVAILABLE)

    response = api(manager).post(f"/api/v1/units/{unit.pk}/withhold/", {"reason": "保留"})

    assert response.status_code == 200
    assert response.json() == {"id": unit.pk, "status": "withheld"}


def test_unit_02_salesperson_cannot_withhold_403_and_nothing_changes(site, salesperson, api):
    unit = UnitFactory(building__site=site, status=Unit.Status.AVAILABLE)

    response = api(salesperson).post(f"/api/v1/units/{unit.pk}/withhold/", {})

    assert response.status_code == 403
    unit.refresh_from_db()
    assert unit.status == Unit.Status.AVAILABLE
    assert not UnitStatusChange.objects.exists()


def test_r1_unit_02_release_of_available_unit_is_409(site, manager, api):
    unit = UnitFactory(building__site=site, status=Unit.Status.AVAILABLE)

    response = api(manager).post(f"/api/v1/units/{unit.pk}/release/", {})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transition_not_allowed"


@pytest.mark.parametrize("path", ["", "withhold/", "release/", "price-change/", "quote/"])
def test_sec_07_another_sites_unit_is_404(site, other_site, manager, api, path):
    unit = UnitFactory(building__site=other_site, status=Unit.Status.AVAILABLE)
    client = api(manager)

    response = (
        client.get(f"/api/v1/units/{unit.pk}/")
        if not path
        else client.post(
            f"/api/v1/units/{unit.pk}/{path}", {"reason": "x", "total": "1.00", "loan_type": "commercial"}
        )
    )

    assert response.status_code == 404
    unit.refresh_from_db()
    assert unit.status == Unit.Status.AVAILABLE
    assert not PriceChange.objects.exists()


def test_sec_07_another_sites_unit_list_is_404(other_site, manager, api):
    assert api(manager).get(f"/api/v1/sites/{other_site.pk}/units/").status_code == 404


def test_unit_04_unit_list_filters_and_channel_agent_scope(site, staff, salesperson, api):
    building = BuildingFactory(site=site)
    UnitFactory(building=building, layout="3室2厅2卫", status=Unit.Status.AVAILABLE)
    UnitFactory(building=building, layout="2室1厅1卫", status=Unit.Status.AVAILABLE)
    UnitFactory(building=building, layout="3室2厅2卫", status=Unit.Status.CONTRACTED)
    agent = staff(Role.CHANNEL_AGENT, site)

    seller_rows = api(salesperson).get(f"/api/v1/sites/{site.pk}/units/", {"layout": "3室2厅2卫"}).json()
    agent_rows = api(agent).get(f"/api/v1/sites/{site.pk}/units/").json()

    assert len(seller_rows["results"]) == 2
    assert {row["status"] for row in agent_rows["results"]} == {"available"}
    assert len(agent_rows["results"]) == 2


def test_unit_04_unit_detail_has_history(site, manager, api):
    unit = UnitFactory(building__site=site, status=Unit.Status.AVAILABLE)
    client = api(manager)
    client.post(f"/api/v1/units/{unit.pk}/withhold/", {"reason": "保留"})
    client.post(f"/api/v1/units/{unit.pk}/price-change/", {"total": "2100000.00", "reason": "调价"})

    body = client.get(f"/api/v1/units/{unit.pk}/").json()

    assert body["status"] == "withheld"
    assert body["list_total"] == "2100000.00"
    assert [entry["kind"] for entry in body["history"]] == ["price", "status"]


def test_unit_01_price_change_needs_exactly_one_figure(site, manager, api):
    unit = UnitFactory(building__site=site)

    response = api(manager).post(f"/api/v1/units/{unit.pk}/price-change/", {"reason": "x"})

    assert response.status_code == 400
    assert not PriceChange.objects.exists()


def test_quote_01_s_deal_4_quote_endpoint(site, salesperson, api):
    unit = UnitFactory(building__site=site, list_total=Decimal("2000000.00"), building_area=Decimal("100.00"))

    response = api(salesperson).post(
        f"/api/v1/units/{unit.pk}/quote/",
        {"loan_type": "commercial", "down_payment_ratio": "0.50", "years": 30, "commercial_rate": "3.5"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["loan_amount"] == "1000000.00"
    assert body["equal_instalments_monthly"] == "4490.45"
    assert body["equal_instalments_total_interest"] == "616560.88"
    assert body["equal_principal_first_month"] == "5694.44"
    assert [fee["amount"] for fee in body["fees"]] == ["30000.00", "10000.00"]


def test_quote_01_missing_rate_is_400(site, salesperson, api):
    unit = UnitFactory(building__site=site)

    response = api(salesperson).post(f"/api/v1/units/{unit.pk}/quote/", {"loan_type": "commercial"})

    assert response.status_code == 400


def _csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["楼栋", "楼层", "房号", "户型", "建筑面积", "套内面积", "单价"])
    writer.writerows(rows)
    return out.getvalue().encode()


def test_unit_01_import_with_one_bad_row_imports_nothing_and_reports_the_row(
    site, manager, api, django_capture_on_commit_callbacks
):
    content = _csv(
        [["1号楼", "1", "101", "3室", "100", "80", "20000"], ["1号楼", "1", "102", "3室", "", "80", "x"]]
    )
    client = api(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/sites/{site.pk}/unit-imports/",
            {"file": SimpleUploadedFile("units.csv", content, "text/csv")},
            format="multipart",
        )

    assert response.status_code == 202
    status = client.get(f"/api/v1/unit-imports/{response.json()['id']}/").json()
    assert status["status"] == InventoryImport.Status.REJECTED
    assert [(error["row"], error["column"]) for error in status["row_errors"]] == [
        (3, "building_area"),
        (3, "list_price_per_m2"),
    ]
    assert not Unit.objects.exists()


def test_unit_01_import_by_salesperson_is_403(site, salesperson, api):
    response = api(salesperson).post(
        f"/api/v1/sites/{site.pk}/unit-imports/",
        {"file": SimpleUploadedFile("units.csv", _csv([]), "text/csv")},
        format="multipart",
    )

    assert response.status_code == 403


def test_sec_07_import_of_wrong_type_is_400(site, manager, api):
    response = api(manager).post(
        f"/api/v1/sites/{site.pk}/unit-imports/",
        {"file": SimpleUploadedFile("units.pdf", b"%PDF-1.4", "application/pdf")},
        format="multipart",
    )

    assert response.status_code == 400
    assert not InventoryImport.objects.exists()


def test_unit_06_status_is_never_written_directly(site, manager):
    """UNIT-06: a unit's status shown anywhere is its true status; no endpoint writes it directly."""
    unit = UnitFactory(building__site=site)
    before = unit.status
    client = APIClient()
    client.force_authenticate(manager)
    for method in (client.patch, client.put):
        response = method(f"/api/v1/units/{unit.pk}/", {"status": "contracted"}, format="json")
        assert response.status_code == 405
    unit.refresh_from_db()
    assert unit.status == before
