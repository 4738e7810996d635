"""Inventory reads: the board (UNIT-04, P5), scoping (SEC-01, SEC-07), summary and alerts (UNIT-05)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from deals import selectors
from deals.models import Unit
from salesoffice.core.roles import Role
from tests.deals.factories import BuildingFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _bulk_units(building, count, **fields):
    per_floor = 10
    units = [
        Unit(
            site=building.site,
            building=building,
            floor=index // per_floor + 1,
            number=f"{index // per_floor + 1}{index % per_floor + 1:02d}",
            layout="3室2厅2卫" if index % 3 else "2室2厅1卫",
            building_area=Decimal("100.00") + index % 40,
            inner_area=Decimal("80.00"),
            list_price_per_m2=Decimal("20000.00"),
            list_total=Decimal("2000000.00") + index * 1000,
            sales_batch="一期" if index % 2 else "二期",
            status=Unit.Status.AVAILABLE if index % 4 else Unit.Status.CONTRACTED,
            **fields,
        )
        for index in range(count)
    ]
    return Unit.objects.bulk_create(units)


def test_p5_unit_04_board_of_2000_units_runs_a_bounded_number_of_queries(
    site, salesperson, django_assert_max_num_queries
):
    building = BuildingFactory(site=site, floors=200)
    _bulk_units(building, 2000)
    filters = selectors.UnitFilters(layout="3室2厅2卫", area_min=Decimal("110"), sales_batch="一期")

    with django_assert_max_num_queries(10):
        board = selectors.board_get(user=salesperson, building=building, filters=filters)
        cells = [cell for _floor, row in board.floors for cell in row]

    assert len(cells) == 2000
    assert board.floors[0][0] == 200  # top floor first
    matching = [cell.unit for cell in cells if cell.matches]
    assert matching
    assert all(
        u["layout"] == "3室2厅2卫" and u["building_area"] >= 110 and u["sales_batch"] == "一期"
        for u in matching
    )


def test_sec_01_channel_agent_sees_only_available_units(site, staff):
    agent = staff(Role.CHANNEL_AGENT, site)
    building = BuildingFactory(site=site)
    available = UnitFactory(building=building, status=Unit.Status.AVAILABLE)
    sold = UnitFactory(building=building, status=Unit.Status.CONTRACTED)

    board = selectors.board_get(user=agent, building=building)

    assert [cell.unit["id"] for _floor, row in board.floors for cell in row] == [available.pk]
    with pytest.raises(Http404):
        selectors.unit_get(user=agent, unit_id=sold.pk)


def test_sec_07_another_sites_unit_and_building_are_not_found(site, other_site, salesperson):
    unit = UnitFactory(building__site=other_site)

    with pytest.raises(Http404):
        selectors.unit_get(user=salesperson, unit_id=unit.pk)
    with pytest.raises(Http404):
        selectors.building_get(user=salesperson, building_id=unit.building_id)


def test_sec_01_role_without_unit_access_is_forbidden(site, staff):
    repair = staff(Role.REPAIR, site)

    with pytest.raises(PermissionDenied):
        selectors.unit_list(user=repair, site=site)


def test_unit_05_summary_by_layout_batch_and_price_band(site, manager):
    building = BuildingFactory(site=site)
    UnitFactory(building=building, layout="A", sales_batch="一期", list_total=Decimal("900000.00"))
    UnitFactory(building=building, layout="A", sales_batch="一期", status=Unit.Status.CONTRACTED)
    UnitFactory(building=building, layout="B", sales_batch="二期", status=Unit.Status.WITHHELD)

    summary = selectors.inventory_summary(user=manager, site=site, price_band=Decimal("1000000"))

    assert [(row.key, row.total, row.remaining) for row in summary.by_layout] == [("A", 2, 1), ("B", 1, 1)]
    assert [(row.key, row.total, row.remaining) for row in summary.by_batch] == [
        ("一期", 2, 1),
        ("二期", 1, 1),
    ]
    assert [(row.key, row.total) for row in summary.by_price_band] == [("0", 1), ("2000000", 2)]


def test_unit_05_alerts_for_scarce_layout_and_long_unsold_units(site, manager):
    building = BuildingFactory(site=site)
    now = timezone.now()
    for _ in range(9):
        UnitFactory(building=building, layout="A", status=Unit.Status.CONTRACTED)
    UnitFactory(building=building, layout="A", status=Unit.Status.AVAILABLE, released_at=now)
    stale = UnitFactory(
        building=building, layout="B", status=Unit.Status.AVAILABLE, released_at=now - dt.timedelta(days=120)
    )

    alerts = selectors.inventory_alerts(
        user=manager, site=site, now=now, remaining_share_below=Decimal("0.2"), unsold_days=90
    )

    assert [(alert.kind, alert.layout) for alert in alerts if alert.kind == "low_layout"] == [
        ("low_layout", "A")
    ]
    unsold = next(alert for alert in alerts if alert.kind == "unsold")
    assert [unit.pk for unit in unsold.units] == [stale.pk]
