"""Scoped reads of the inventory: the sales-control board, unit lists and history, the inventory summary and
alerts (UNIT-04, UNIT-05, SEC-01, P5). Every lookup goes through the user's sites and capabilities."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from deals.models import (
    ApprovalRequest,
    Building,
    CommissionRecord,
    Contract,
    Deal,
    Deposit,
    InventoryImport,
    MoneyRecord,
    Mortgage,
    PriceChange,
    Subscription,
    Unit,
    UnitStatusChange,
)
from deals.quotes import FeeBasis, FeeSetting, LoanType, Quote, quote
from deals.rules import DealRuleError
from salesoffice.core import access
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import Site, User
from salesoffice.core.roles import Cap

READ_CAPS = (Cap.UNITS_READ, Cap.UNITS_READ_AVAILABLE)
# Not yet sold: what a manager can still price and put on sale (UNIT-05).
REMAINING = (Unit.Status.WITHHELD, Unit.Status.AVAILABLE)


@dataclasses.dataclass(frozen=True)
class UnitFilters:
    """UNIT-04 board filters; ``None`` means no bound."""

    layout: str = ""
    area_min: Decimal | None = None
    area_max: Decimal | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    sales_batch: str = ""
    status: str = ""

    def as_q(self) -> Q:
        q = Q()
        if self.layout:
            q &= Q(layout=self.layout)
        if self.area_min is not None:
            q &= Q(building_area__gte=self.area_min)
        if self.area_max is not None:
            q &= Q(building_area__lte=self.area_max)
        if self.price_min is not None:
            q &= Q(list_total__gte=self.price_min)
        if self.price_max is not None:
            q &= Q(list_total__lte=self.price_max)
        if self.sales_batch:
            q &= Q(sales_batch=self.sales_batch)
        if self.status:
            q &= Q(status=self.status)
        return q

    @property
    def active(self) -> bool:
        return bool(self.as_q())


def _scoped_units(*, user: Any, site_id: int) -> QuerySet[Unit]:
    """SEC-01: a channel agent sees only available units; anyone else on the site sees all of them."""
    access.require_site(user, site_id)
    if access.can(user, site_id, Cap.UNITS_READ):
        return Unit.objects.filter(site_id=site_id)
    if access.can(user, site_id, Cap.UNITS_READ_AVAILABLE):
        return Unit.objects.filter(site_id=site_id, status=Unit.Status.AVAILABLE)
    raise PermissionDenied


def building_list(*, user: Any, site: Site | int) -> QuerySet[Building]:
    site_id = site.pk if isinstance(site, Site) else site
    access.require_site(user, site_id)
    if not any(access.can(user, site_id, cap) for cap in READ_CAPS):
        raise PermissionDenied
    return Building.objects.filter(site_id=site_id)


def building_get(*, user: Any, building_id: Any) -> Building:
    """Another site's building is 404 (SEC-07)."""
    building = Building.objects.filter(
        pk=_int_or_404(building_id), site_id__in=access.site_ids_with(user, *READ_CAPS)
    ).first()
    if building is None:
        raise Http404
    return building


def unit_list(*, user: Any, site: Site | int, filters: UnitFilters | None = None) -> QuerySet[Unit]:
    site_id = site.pk if isinstance(site, Site) else site
    units = _scoped_units(user=user, site_id=site_id).select_related("building")
    if filters is not None:
        units = units.filter(filters.as_q())
    return units


def unit_get(*, user: Any, unit_id: Any, for_update_cap: Cap | None = None) -> Unit:
    """One unit the user may see; 404 for another site's unit or one hidden from their role, 403 when they
    see it but lack ``for_update_cap``."""
    unit = Unit.objects.select_related("building").filter(pk=_int_or_404(unit_id)).first()
    if unit is None or unit.site_id not in access.roles_by_site(user):
        raise Http404
    if not _scoped_units(user=user, site_id=unit.site_id).filter(pk=unit.pk).exists():
        raise Http404
    if for_update_cap is not None:
        access.require(user, unit.site_id, for_update_cap)
    return unit


def _int_or_404(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@dataclasses.dataclass(frozen=True)
class BoardCell:
    """One unit of the grid as plain values (``BOARD_FIELDS``): 2,000 of them are read per page (P5)."""

    unit: dict[str, Any]
    matches: bool


@dataclasses.dataclass(frozen=True)
class Board:
    building: Building
    floors: list[tuple[int, list[BoardCell]]]
    status_counts: dict[str, int]
    layouts: list[str]
    batches: list[str]


BOARD_FIELDS = (
    "id",
    "floor",
    "number",
    "layout",
    "building_area",
    "list_total",
    "sales_batch",
    "status",
    "status_changed_at",
)


def board_get(*, user: Any, building: Building, filters: UnitFilters | None = None) -> Board:
    """UNIT-04, P5: the grid of one building (top floor first), every unit flagged whether it matches the
    filters so the grid keeps its shape. One query for the units whatever the building's size."""
    filters = filters or UnitFilters()
    q = filters.as_q()
    units = (
        _scoped_units(user=user, site_id=building.site_id)
        .filter(building=building)
        .order_by("-floor", "number")
    )
    matching = set(units.filter(q).values_list("pk", flat=True)) if filters.active else None
    by_floor: dict[int, list[BoardCell]] = defaultdict(list)
    counts: dict[str, int] = dict.fromkeys(Unit.Status.values, 0)
    layouts: set[str] = set()
    batches: set[str] = set()
    for unit in units.values(*BOARD_FIELDS):
        by_floor[unit["floor"]].append(
            BoardCell(unit=unit, matches=matching is None or unit["id"] in matching)
        )
        counts[unit["status"]] += 1
        layouts.add(unit["layout"])
        if unit["sales_batch"]:
            batches.add(unit["sales_batch"])
    return Board(
        building=building,
        floors=sorted(by_floor.items(), key=lambda item: -item[0]),
        status_counts=counts,
        layouts=sorted(layouts),
        batches=sorted(batches),
    )


@dataclasses.dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    kind: str
    actor: Any
    reason: str
    status_change: UnitStatusChange | None = None
    price_change: PriceChange | None = None


def unit_history(*, unit: Unit, limit: int = 50) -> list[HistoryEntry]:
    """UNIT-04: status and price changes of one unit, newest first (the caller got ``unit`` from
    ``unit_get``, so it is already scoped)."""
    statuses = unit.status_changes.select_related("actor")[:limit]
    prices = unit.price_changes.select_related("actor")[:limit]
    entries = [
        HistoryEntry(at=item.at, kind="status", actor=item.actor, reason=item.reason, status_change=item)
        for item in statuses
    ] + [
        HistoryEntry(at=item.at, kind="price", actor=item.actor, reason=item.reason, price_change=item)
        for item in prices
    ]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:limit]


@dataclasses.dataclass(frozen=True)
class SummaryRow:
    key: str
    total: int
    remaining: int

    @property
    def remaining_share(self) -> Decimal:
        return (Decimal(self.remaining) / self.total).quantize(Decimal("0.001")) if self.total else Decimal(0)


def _summary(units: QuerySet[Unit], field: str) -> list[SummaryRow]:
    rows = (
        units.values(field)
        .annotate(total=Count("pk"), remaining=Count("pk", filter=Q(status__in=REMAINING)))
        .order_by(field)
    )
    return [SummaryRow(key=str(row[field]), total=row["total"], remaining=row["remaining"]) for row in rows]


@dataclasses.dataclass(frozen=True)
class InventorySummary:
    by_layout: list[SummaryRow]
    by_batch: list[SummaryRow]
    by_price_band: list[SummaryRow]
    price_band: Decimal


def inventory_summary(
    *, user: Any, site: Site | int, price_band: Decimal = Decimal("500000")
) -> InventorySummary:
    """UNIT-05: units and remaining units by layout, sales batch and price band (bands of ``price_band``
    yuan of list total, labelled by their lower bound)."""
    site_id = site.pk if isinstance(site, Site) else site
    access.require(user, site_id, Cap.UNITS_READ)
    units = Unit.objects.filter(site_id=site_id)
    bands: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for total, status in units.values_list("list_total", "status").iterator(chunk_size=5000):
        band = bands[int(total // price_band)]
        band[0] += 1
        band[1] += status in REMAINING
    return InventorySummary(
        by_layout=_summary(units, "layout"),
        by_batch=_summary(units, "sales_batch"),
        by_price_band=[
            SummaryRow(key=str(price_band * index), total=total, remaining=remaining)
            for index, (total, remaining) in sorted(bands.items())
        ],
        price_band=price_band,
    )


@dataclasses.dataclass(frozen=True)
class InventoryAlert:
    kind: str  # "low_layout" or "unsold"
    layout: str = ""
    remaining_share: Decimal | None = None
    units: tuple[Unit, ...] = ()


def inventory_alerts(
    *,
    user: Any,
    site: Site | int,
    now: dt.datetime,
    remaining_share_below: Decimal = Decimal("0.2"),
    unsold_days: int = 90,
    unsold_limit: int = 50,
) -> list[InventoryAlert]:
    """UNIT-05 (库存预警): layouts whose remaining share is under the threshold, and units on sale for longer
    than ``unsold_days`` since their first release (at most ``unsold_limit`` listed, oldest first)."""
    site_id = site.pk if isinstance(site, Site) else site
    access.require(user, site_id, Cap.UNITS_READ)
    units = Unit.objects.filter(site_id=site_id)
    alerts = [
        InventoryAlert(kind="low_layout", layout=row.key, remaining_share=row.remaining_share)
        for row in _summary(units, "layout")
        if row.total and row.remaining_share < remaining_share_below
    ]
    stale = tuple(
        units.filter(status=Unit.Status.AVAILABLE, released_at__lt=now - dt.timedelta(days=unsold_days))
        .select_related("building")
        .order_by("released_at")[:unsold_limit]
    )
    if stale:
        alerts.append(InventoryAlert(kind="unsold", units=stale))
    return alerts


def inventory_import_get(*, user: Any, import_id: Any) -> InventoryImport:
    record = (
        InventoryImport.objects.defer("content")
        .filter(pk=_int_or_404(import_id), site_id__in=access.site_ids_with(user, Cap.UNITS_CONTROL))
        .first()
    )
    if record is None:
        raise Http404
    return record


# QUOTE-01 lists taxes and fees "per site settings"; until the site policy carries them these defaults apply.
DEFAULT_FEES: tuple[FeeSetting, ...] = (
    FeeSetting(name="契税", basis=FeeBasis.SHARE_OF_TOTAL, value=Decimal("0.015")),
    FeeSetting(name="专项维修资金", basis=FeeBasis.PER_SQUARE_METRE, value=Decimal("100.00")),
)
PERCENT = Decimal(100)


def unit_quote(
    *,
    unit: Unit,
    loan_type: LoanType,
    down_payment_ratio: Decimal,
    years: int,
    commercial_rate_percent: Decimal | None,
    provident_fund_rate_percent: Decimal | None,
    provident_fund_limit: Decimal | None,
    fees: tuple[FeeSetting, ...] = DEFAULT_FEES,
) -> Quote:
    """QUOTE-01: the counter quote of one visible unit at its list total (rates given in percent a year).

    The calculator's refusals come back as a 400 with the offending terms."""
    try:
        return quote(
            list_total=unit.list_total,
            loan_type=loan_type,
            down_payment_ratio=Decimal(1) if loan_type == LoanType.FULL_PAYMENT else down_payment_ratio,
            months=years * 12,
            commercial_rate=None if commercial_rate_percent is None else commercial_rate_percent / PERCENT,
            provident_fund_rate=(
                None if provident_fund_rate_percent is None else provident_fund_rate_percent / PERCENT
            ),
            provident_fund_limit=provident_fund_limit,
            area=unit.building_area,
            fees=fees,
        )
    except DealRuleError as error:
        raise DomainError(
            _("These loan terms cannot be quoted: %(reason)s") % {"reason": error.message}
        ) from error


# --- Deals: scoped reads of deposits, approvals, subscriptions, contracts, money, loans, commission ---

DEAL_VIEW_CAPS = (Cap.DEALS_READ, Cap.DEALS_REQUEST, Cap.PAYMENTS_RECORD)


def deals_visible(*, user: Any, site_id: int) -> QuerySet[Deal]:
    """SEC-01: supervisors, managers, finance and service read the site's deals; a salesperson reads the
    deals they took and those of customers they own. Another site is a 404."""
    access.require_site(user, site_id)
    deals = Deal.objects.filter(site_id=site_id)
    if access.can(user, site_id, Cap.DEALS_READ) or access.can(user, site_id, Cap.PAYMENTS_RECORD):
        return deals
    if access.can(user, site_id, Cap.DEALS_REQUEST):
        return deals.filter(Q(salesperson=user) | Q(customer__owner=user))
    raise PermissionDenied


def _site_of(model: Any, object_id: Any) -> tuple[Any, int]:
    row = model.objects.filter(pk=_int_or_404(object_id)).only("pk", "site_id").first()
    if row is None:
        raise Http404
    return row, row.site_id


def deal_get(*, user: Any, deal_id: Any) -> Deal:
    _row, site_id = _site_of(Deal, deal_id)
    deal = (
        deals_visible(user=user, site_id=site_id)
        .select_related("unit__building", "customer", "salesperson", "site")
        .filter(pk=_int_or_404(deal_id))
        .first()
    )
    if deal is None:
        raise Http404
    return deal


def deposit_get(*, user: Any, deposit_id: Any) -> Deposit:
    row, _site = _site_of(Deposit, deposit_id)
    deal_get(user=user, deal_id=Deposit.objects.only("deal_id").get(pk=row.pk).deal_id)
    return Deposit.objects.select_related("deal", "unit__building", "customer", "salesperson").get(pk=row.pk)


def subscription_get(*, user: Any, subscription_id: Any) -> Subscription:
    row, _site = _site_of(Subscription, subscription_id)
    deal_get(user=user, deal_id=Subscription.objects.only("deal_id").get(pk=row.pk).deal_id)
    return Subscription.objects.select_related(
        "deal__customer", "deal__salesperson", "deposit", "unit__building", "site"
    ).get(pk=row.pk)


def contract_get(*, user: Any, contract_id: Any) -> Contract:
    row, _site = _site_of(Contract, contract_id)
    deal_get(user=user, deal_id=Contract.objects.only("deal_id").get(pk=row.pk).deal_id)
    return Contract.objects.select_related("deal", "unit__building", "subscription").get(pk=row.pk)


def money_record_get(*, user: Any, record_id: Any) -> MoneyRecord:
    row, _site = _site_of(MoneyRecord, record_id)
    deal_get(user=user, deal_id=MoneyRecord.objects.only("deal_id").get(pk=row.pk).deal_id)
    return MoneyRecord.objects.select_related("deal").get(pk=row.pk)


def mortgage_get(*, user: Any, mortgage_id: Any) -> Mortgage:
    row, _site = _site_of(Mortgage, mortgage_id)
    deal_get(user=user, deal_id=Mortgage.objects.only("deal_id").get(pk=row.pk).deal_id)
    return Mortgage.objects.select_related("deal__unit__building", "deal__customer").get(pk=row.pk)


def approval_list(*, user: Any, site_id: int, status: str = "requested") -> QuerySet[ApprovalRequest]:
    """DISC-02: the approver's inbox (supervisors and managers see the site's requests); a salesperson
    sees their own requests."""
    access.require_site(user, site_id)
    requests = ApprovalRequest.objects.filter(site_id=site_id).select_related(
        "unit__building", "target_unit", "customer", "requested_by", "decided_by"
    )
    if status:
        requests = requests.filter(status=status)
    if access.can(user, site_id, Cap.DISCOUNTS_APPROVE_LIMITED) or access.can(
        user, site_id, Cap.DEALS_APPROVE
    ):
        return requests
    if access.can(user, site_id, Cap.DEALS_REQUEST):
        return requests.filter(requested_by=user)
    raise PermissionDenied


def approval_get(*, user: Any, request_id: Any) -> ApprovalRequest:
    _row, site_id = _site_of(ApprovalRequest, request_id)
    found = approval_list(user=user, site_id=site_id, status="").filter(pk=_int_or_404(request_id)).first()
    if found is None:
        raise Http404
    return found


def mortgage_list(*, user: Any, site_id: int) -> QuerySet[Mortgage]:
    """MORT-01: the loan list (办理贷款客户清单) of the site."""
    visible = deals_visible(user=user, site_id=site_id)
    return (
        Mortgage.objects.filter(site_id=site_id, deal__in=visible)
        .select_related("deal__unit__building", "deal__customer", "deal__salesperson")
        .order_by("status_since", "pk")
    )


@dataclasses.dataclass(frozen=True)
class StatementLine:
    record: CommissionRecord
    contract_number: str
    unit: str


@dataclasses.dataclass(frozen=True)
class CommissionStatement:
    """COMM-03: one salesperson's commission lines of a month, each deal with share, rate and amount."""

    site: Site
    salesperson: Any
    year: int
    month: int
    lines: list[StatementLine]
    total: Decimal
    confirmed: Decimal
    pending: Decimal


def commission_statement(
    *, user: Any, site_id: int, salesperson_id: Any, year: int, month: int
) -> CommissionStatement:
    """COMM-03: a salesperson reads their own statement; managers and finance read anyone's at the site."""
    access.require_site(user, site_id)
    person_id = _int_or_404(salesperson_id)
    if person_id != user.pk and not (
        access.can(user, site_id, Cap.REPORTS_MONEY) or access.can(user, site_id, Cap.REPORTS_SITE)
    ):
        raise PermissionDenied
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise Http404
    site = Site.objects.get(pk=site_id)
    zone = zoneinfo.ZoneInfo(site.time_zone)
    start = dt.datetime(year, month, 1, tzinfo=zone)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    records = list(
        CommissionRecord.objects.filter(site_id=site_id, user_id=person_id, at__gte=start, at__lt=end)
        .select_related("deal__unit__building")
        .order_by("at", "pk")
    )
    numbers = dict(
        Contract.objects.filter(deal_id__in={record.deal_id for record in records}).values_list(
            "deal_id", "number"
        )
    )
    lines = [
        StatementLine(
            record=record, contract_number=numbers.get(record.deal_id, ""), unit=str(record.deal.unit)
        )
        for record in records
    ]
    salesperson = User.objects.filter(pk=person_id).first()
    if salesperson is None:
        raise Http404
    return CommissionStatement(
        site=site,
        salesperson=salesperson,
        year=year,
        month=month,
        lines=lines,
        total=sum((record.amount for record in records), Decimal("0.00")),
        confirmed=sum(
            (r.amount for r in records if r.status == CommissionRecord.Status.CONFIRMED), Decimal("0.00")
        ),
        pending=sum(
            (r.amount for r in records if r.status == CommissionRecord.Status.PENDING), Decimal("0.00")
        ),
    )


def unit_active_deal(*, user: Any, unit: Unit) -> Deal | None:
    """UNIT-03: the one active deal holding the unit, when the user may read it."""
    if not any(access.can(user, unit.site_id, cap) for cap in DEAL_VIEW_CAPS):
        return None
    return (
        deals_visible(user=user, site_id=unit.site_id)
        .filter(unit=unit, status__in=Deal.ACTIVE)
        .select_related("customer")
        .first()
    )


def customer_deals(*, user: Any, customer_id: int, site_id: int) -> list[Deal]:
    """CUS-04: the customer's deals the user may read, newest first, with what the file shows."""
    return list(
        deals_visible(user=user, site_id=site_id)
        .filter(customer_id=customer_id)
        .select_related("unit__building")
        .prefetch_related("deposits", "contracts")
        .order_by("-created_at")[:20]
    )


def board_version(*, building: Building) -> str:
    """UNIT-04: a fingerprint of the building's statuses and prices, from one aggregate over the
    building's units, so a board that polls every 2 seconds is only re-sent when something changed."""
    figures = Unit.objects.filter(building=building).aggregate(
        changed=Max("status_changed_at"), units=Count("pk"), total=Sum("list_total")
    )
    changed = figures["changed"].isoformat() if figures["changed"] else ""
    return f"{changed}|{figures['units']}|{figures['total']}"
