"""RPT-06 (inventory): units by status, layout, batch and price band; sold area and amount; the average
price achieved against the list price; the remaining value; and the UNIT-05 alerts. Grouped SQL only."""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Cast, Floor

from deals.models import Contract, Unit
from salesoffice.reports.selectors.activity import ZERO
from salesoffice.reports.selectors.common import Scope

LIVE_CONTRACT = ("signed", "approved", "filed", "completed")
REMAINING = (Unit.Status.WITHHELD, Unit.Status.AVAILABLE)
SOLD = (Unit.Status.CONTRACTED, Unit.Status.HANDED_OVER)
DEFAULT_BAND = Decimal("500000")


@dataclasses.dataclass(frozen=True)
class InventoryRow:
    """One group of units: how many, how many still to sell, how many sold and their list value."""

    key: str
    units: int
    remaining: int
    sold: int
    area: Decimal
    list_value: Decimal
    remaining_value: Decimal

    @property
    def remaining_share(self) -> Decimal | None:
        if not self.units:
            return None
        return (Decimal(self.remaining) * 100 / self.units).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclasses.dataclass(frozen=True)
class InventoryReport:
    by_status: tuple[InventoryRow, ...]
    by_layout: tuple[InventoryRow, ...]
    by_batch: tuple[InventoryRow, ...]
    by_price_band: tuple[InventoryRow, ...]
    price_band: Decimal
    total: InventoryRow
    sold_units: int
    sold_area: Decimal
    sold_amount: Decimal
    sold_list_amount: Decimal
    average_price_per_m2: Decimal | None
    average_list_price_per_m2: Decimal | None


def _rows(units: object, field: str) -> tuple[InventoryRow, ...]:
    grouped = (
        units.values(field)  # type: ignore[attr-defined]
        .annotate(
            units=Count("pk"),
            remaining=Count("pk", filter=Q(status__in=REMAINING)),
            sold=Count("pk", filter=Q(status__in=SOLD)),
            area=Sum("building_area"),
            list_value=Sum("list_total"),
            remaining_value=Sum("list_total", filter=Q(status__in=REMAINING)),
        )
        .order_by(field)
    )
    return tuple(
        InventoryRow(
            key=str(row[field]),
            units=row["units"],
            remaining=row["remaining"],
            sold=row["sold"],
            area=row["area"] or ZERO,
            list_value=row["list_value"] or ZERO,
            remaining_value=row["remaining_value"] or ZERO,
        )
        for row in grouped
    )


def _per_m2(amount: Decimal, area: Decimal) -> Decimal | None:
    if not area:
        return None
    return (amount / area).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def inventory_report(*, scope: Scope, price_band: Decimal = DEFAULT_BAND) -> InventoryReport:
    """RPT-06 (UNIT-05 figures): price bands are ``price_band`` yuan of list total, labelled by their lower
    bound; the price achieved is the live contracts' price per m² of building area."""
    units = Unit.objects.using(scope.db).filter(site_id=scope.site.pk)
    banded = units.annotate(
        band=Cast(Floor(F("list_total") / Value(price_band)), IntegerField())
        * Value(price_band, output_field=DecimalField(max_digits=14, decimal_places=2))
    )
    totals = _rows(units.annotate(everything=Value(0, output_field=IntegerField())), "everything")
    sold = (
        Contract.objects.using(scope.db)
        .filter(site_id=scope.site.pk, status__in=LIVE_CONTRACT)
        .aggregate(
            units=Count("pk"), area=Sum("deal__area"), amount=Sum("price"), listed=Sum("deal__list_total")
        )
    )
    area = sold["area"] or ZERO
    return InventoryReport(
        by_status=_rows(units, "status"),
        by_layout=_rows(units, "layout"),
        by_batch=_rows(units, "sales_batch"),
        by_price_band=_rows(banded, "band"),
        price_band=price_band,
        total=totals[0] if totals else InventoryRow("", 0, 0, 0, ZERO, ZERO, ZERO),
        sold_units=sold["units"] or 0,
        sold_area=area,
        sold_amount=sold["amount"] or ZERO,
        sold_list_amount=sold["listed"] or ZERO,
        average_price_per_m2=_per_m2(sold["amount"] or ZERO, area),
        average_list_price_per_m2=_per_m2(sold["listed"] or ZERO, area),
    )
