"""Inventory services: transitions (UNIT-02, UNIT-03), batch sales control, price changes (UNIT-01) and the
inventory import (UNIT-01, SEC-07)."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection

from deals import services
from deals.exceptions import ImportRejected, RoleNotPermitted, TransitionNotAllowed, UnitUnavailable
from deals.models import Building, InventoryImport, PriceChange, Unit, UnitStatusChange
from deals.rules import UnitAction
from salesoffice.core.exceptions import NotAllowed
from salesoffice.core.models import AuditEvent
from tests.deals.factories import BuildingFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_unit_02_manager_withholds_and_releases_with_log_and_audit(site, manager):
    unit = UnitFactory(building__site=site, status=Unit.Status.AVAILABLE)

    services.unit_withhold(unit=unit, actor=manager, reason="保留给老业主")
    services.unit_release(unit=unit, actor=manager, reason="开盘")

    unit.refresh_from_db()
    assert unit.status == Unit.Status.AVAILABLE
    log = list(unit.status_changes.order_by("id").values_list("from_status", "to_status", "action", "actor"))
    assert log == [
        ("available", "withheld", "withhold", manager.pk),
        ("withheld", "available", "release", manager.pk),
    ]
    assert AuditEvent.objects.filter(action__in=["unit.withhold", "unit.release"], site=site).count() == 2


def test_unit_02_salesperson_cannot_withhold_and_nothing_changes(site, salesperson):
    unit = UnitFactory(building__site=site, status=Unit.Status.AVAILABLE)

    with pytest.raises(RoleNotPermitted):
        services.unit_withhold(unit=unit, actor=salesperson)

    unit.refresh_from_db()
    assert unit.status == Unit.Status.AVAILABLE
    assert not UnitStatusChange.objects.exists()


@pytest.mark.parametrize(
    ("status", "action", "error"),
    [
        (Unit.Status.WITHHELD, UnitAction.WITHHOLD, TransitionNotAllowed),
        (Unit.Status.AVAILABLE, UnitAction.RELEASE, TransitionNotAllowed),
        (Unit.Status.ON_HOLD, UnitAction.HOLD, UnitUnavailable),
        (Unit.Status.CONTRACTED, UnitAction.WITHHOLD, TransitionNotAllowed),
    ],
)
def test_unit_02_refused_transition_changes_nothing(site, manager, status, action, error):
    unit = UnitFactory(building__site=site, status=status)

    with pytest.raises(error):
        services.unit_transition(unit=unit, action=action, actor=manager)

    unit.refresh_from_db()
    assert unit.status == status
    assert not UnitStatusChange.objects.exists()


def test_unit_02_first_release_stamps_released_at(site, manager):
    unit = UnitFactory(building__site=site, status=Unit.Status.WITHHELD)

    services.unit_release(unit=unit, actor=manager)

    unit.refresh_from_db()
    assert unit.released_at is not None


def test_unit_02_batch_release_moves_only_withheld_units_of_the_batch(site, manager):
    building = BuildingFactory(site=site)
    withheld = UnitFactory.create_batch(3, building=building, status=Unit.Status.WITHHELD, sales_batch="二期")
    held = UnitFactory(building=building, status=Unit.Status.ON_HOLD, sales_batch="二期")
    other_batch = UnitFactory(building=building, status=Unit.Status.WITHHELD, sales_batch="三期")

    moved = services.unit_batch_transition(
        site=site, sales_batch="二期", action=UnitAction.RELEASE, actor=manager, reason="二期开盘"
    )

    assert moved == 3
    assert {unit.status for unit in Unit.objects.filter(pk__in=[u.pk for u in withheld])} == {"available"}
    held.refresh_from_db()
    other_batch.refresh_from_db()
    assert (held.status, other_batch.status) == ("on_hold", "withheld")
    assert UnitStatusChange.objects.count() == 3


def test_unit_02_batch_by_salesperson_is_refused(site, salesperson):
    UnitFactory(building__site=site, status=Unit.Status.WITHHELD, sales_batch="二期")

    with pytest.raises(RoleNotPermitted):
        services.unit_batch_transition(
            site=site, sales_batch="二期", action=UnitAction.RELEASE, actor=salesperson
        )

    assert not Unit.objects.filter(status="available").exists()


def test_unit_01_price_change_by_per_m2_recomputes_total_and_logs(site, manager):
    unit = UnitFactory(building__site=site, building_area=Decimal("89.37"))

    change = services.unit_price_change(
        unit=unit, actor=manager, reason="二期调价", price_per_m2=Decimal("21000.00")
    )

    unit.refresh_from_db()
    assert unit.list_total == Decimal("1876770.00")
    assert (change.old_price_per_m2, change.new_price_per_m2) == (Decimal("20000.00"), Decimal("21000.00"))
    assert change.old_total == Decimal("2000000.00")
    assert AuditEvent.objects.filter(action="unit.price_change").exists()


def test_unit_01_price_change_refused_for_salesperson(site, salesperson):
    unit = UnitFactory(building__site=site)

    with pytest.raises(NotAllowed):
        services.unit_price_change(unit=unit, actor=salesperson, reason="x", total=Decimal("1.00"))

    unit.refresh_from_db()
    assert unit.list_total == Decimal("2000000.00")
    assert not PriceChange.objects.exists()


def test_sec_03_status_log_is_append_only(site, manager):
    unit = UnitFactory(building__site=site)
    services.unit_withhold(unit=unit, actor=manager)

    with pytest.raises(Exception, match="Cannot"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM deals_unitstatuschange")


HEADER = ["楼栋", "楼层", "房号", "户型", "朝向", "建筑面积", "套内面积", "单价", "总价", "批次", "标签"]


def _csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _xlsx(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


GOOD = [
    ["1号楼", "18", "1801", "3室2厅2卫", "南", "120.50", "98.00", "25000.00", "", "一期", "景观;边套"],
    ["1号楼", "18", "1802", "2室2厅1卫", "南北", "89.00", "70.00", "24000", "2136000.00", "一期", ""],
]


def test_unit_01_import_csv_creates_buildings_and_units(site, manager):
    record = services.inventory_import_create(site=site, actor=manager, name="units.csv", content=_csv(GOOD))

    result = services.inventory_import_run(import_id=record.pk)

    assert result.status == InventoryImport.Status.DONE
    assert result.created_units == 2
    unit = Unit.objects.get(number="1801")
    assert unit.list_total == Decimal("3012500.00")  # 120.50 m² × 25,000 yuan
    assert unit.tags == ["景观", "边套"]
    assert unit.status == Unit.Status.WITHHELD
    assert Building.objects.get(site=site, name="1号楼").floors == 18


def test_unit_01_import_xlsx_with_one_bad_row_imports_nothing_and_reports_it(site, manager):
    rows = [
        [*GOOD[0]],
        ["1号楼", "18", "1803", "3室2厅2卫", "南", "abc", "98.00", "25000", "", "一期", ""],
        [*GOOD[0]],
    ]
    record = services.inventory_import_create(
        site=site, actor=manager, name="units.xlsx", content=_xlsx(rows)
    )

    result = services.inventory_import_run(import_id=record.pk)

    assert result.status == InventoryImport.Status.REJECTED
    assert not Unit.objects.exists()
    assert [(error["row"], error["column"]) for error in result.errors] == [
        (3, "building_area"),
        (4, "number"),  # duplicate of row 2 within the file
    ]


def test_unit_01_import_rejects_a_unit_that_already_exists(site, manager):
    UnitFactory(building=BuildingFactory(site=site, name="1号楼"), floor=18, number="1802")
    record = services.inventory_import_create(site=site, actor=manager, name="units.csv", content=_csv(GOOD))

    result = services.inventory_import_run(import_id=record.pk)

    assert result.status == InventoryImport.Status.REJECTED
    assert result.errors == [
        {"row": 3, "column": "number", "message": "该房源已存在。"}
    ]  # Chinese by default
    assert Unit.objects.count() == 1


def test_unit_01_import_run_twice_imports_once(site, manager):
    record = services.inventory_import_create(site=site, actor=manager, name="units.csv", content=_csv(GOOD))

    services.inventory_import_run(import_id=record.pk)
    services.inventory_import_run(import_id=record.pk)

    assert Unit.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("units.exe", b"MZ..."),
        ("units.xlsx", b"not a zip"),
        ("units.csv", "房号,户型\n1801,3室\n".encode()),  # required columns missing
    ],
)
def test_sec_07_import_refuses_bad_files(site, manager, name, content):
    with pytest.raises(ImportRejected):
        services.inventory_import_create(site=site, actor=manager, name=name, content=content)

    assert not InventoryImport.objects.exists()


def test_sec_07_import_refuses_oversized_file(site, manager, settings):
    settings.UPLOAD_MAX_BYTES = 100

    with pytest.raises(ImportRejected):
        services.inventory_import_create(site=site, actor=manager, name="u.csv", content=b"x" * 101)


def test_unit_01_import_by_salesperson_is_refused(site, salesperson):
    with pytest.raises(NotAllowed):
        services.inventory_import_create(site=site, actor=salesperson, name="u.csv", content=_csv(GOOD))
