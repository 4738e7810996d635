"""RPT-07 (money): deposits held, received, refunded and forfeited; receivables and overdue instalments;
loans pending by stage (MORT-02). Set-based: one grouped query per figure family."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from deals.models import Contract, Deal, Deposit, Instalment, MoneyRecord, Mortgage
from salesoffice.core.phones import mask_name
from salesoffice.reports.rules import Period
from salesoffice.reports.selectors.activity import ZERO, ActivityReport, activity_report
from salesoffice.reports.selectors.common import Scope

MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=16, decimal_places=2)
LIVE_CONTRACT = ("signed", "approved", "filed", "completed")
SETTLED_LOANS = (Mortgage.Status.FUNDS_RELEASED, Mortgage.Status.REFUSED)
OVERDUE_LISTED = 50


@dataclasses.dataclass(frozen=True)
class LoanStage:
    status: str
    label: str
    count: int
    amount: Decimal


@dataclasses.dataclass(frozen=True)
class OverdueDeal:
    deal_id: int
    unit: str
    customer: str
    price: Decimal
    due: Decimal
    paid: Decimal
    overdue: Decimal


@dataclasses.dataclass(frozen=True)
class MoneyReport:
    """RPT-07: flows of the period (``flows``, with a row per day) and positions at ``as_of``."""

    flows: ActivityReport
    as_of: dt.date
    deposits_held: int
    deposits_held_amount: Decimal
    contracts_value: Decimal
    receivable: Decimal
    overdue_deals: int
    overdue_amount: Decimal
    overdue_list: tuple[OverdueDeal, ...]
    loans: tuple[LoanStage, ...]


def _deal_positions(*, scope: Scope, as_of: dt.date) -> Any:
    """PAY-01/02: each contracted deal's price, what is due before ``as_of`` and what has been paid towards
    the price (fees excluded), as SQL subqueries."""
    paid = (
        MoneyRecord.objects.filter(deal=OuterRef("pk"))
        .exclude(kind=MoneyRecord.Kind.FEE)
        .values("deal")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    due = (
        Instalment.objects.filter(deal=OuterRef("pk"), due_on__lt=as_of)
        .values("deal")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    price = Contract.objects.filter(deal=OuterRef("pk"), status__in=LIVE_CONTRACT).values("price")[:1]
    zero = Value(ZERO, output_field=MONEY)
    return (
        Deal.objects.using(scope.db)
        .filter(site_id=scope.site.pk, status=Deal.Status.CONTRACTED)
        .filter(scope.people_q("salesperson_id"))
        .annotate(
            price_total=Coalesce(Subquery(price, output_field=MONEY), zero),
            paid_total=Coalesce(Subquery(paid, output_field=MONEY), zero),
            due_total=Coalesce(Subquery(due, output_field=MONEY), zero),
        )
        .annotate(
            receivable=F("price_total") - F("paid_total"),
            overdue=Greatest(F("due_total") - F("paid_total"), zero, output_field=MONEY),
        )
    )


def money_report(*, scope: Scope, period: Period, as_of: dt.date) -> MoneyReport:
    """RPT-07: what came in and went out in the period, and what is held, owed and overdue at ``as_of``."""
    flows = activity_report(scope=scope, period=period, by="day")
    held = (
        Deposit.objects.using(scope.db)
        .filter(site_id=scope.site.pk, status=Deposit.Status.ACTIVE)
        .filter(scope.people_q("salesperson_id"))
        .aggregate(count=Count("pk"), amount=Sum("amount"))
    )
    positions = _deal_positions(scope=scope, as_of=as_of)
    totals = positions.aggregate(
        value_total=Sum("price_total"),
        receivable_total=Sum("receivable"),
        overdue_total=Sum("overdue"),
        overdue_deals=Count("pk", filter=Q(overdue__gt=0)),
    )  # fmt: skip
    overdue_rows = (
        positions.filter(overdue__gt=0)
        .order_by("-overdue", "pk")
        .values("pk", "unit__building__name", "unit__number", "customer__name", "price_total", "due_total",
                "paid_total", "overdue")[:OVERDUE_LISTED]
    )  # fmt: skip
    status_labels = dict(Mortgage.Status.choices)
    loans = (
        Mortgage.objects.using(scope.db)
        .filter(site_id=scope.site.pk)
        .exclude(status__in=SETTLED_LOANS)
        .filter(scope.people_q("deal__salesperson_id"))
        .values("status")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("status")
    )
    return MoneyReport(
        flows=flows,
        as_of=as_of,
        deposits_held=held["count"] or 0,
        deposits_held_amount=held["amount"] or ZERO,
        contracts_value=totals["value_total"] or ZERO,
        receivable=totals["receivable_total"] or ZERO,
        overdue_deals=totals["overdue_deals"] or 0,
        overdue_amount=totals["overdue_total"] or ZERO,
        overdue_list=tuple(
            OverdueDeal(
                deal_id=row["pk"],
                unit=f"{row['unit__building__name']}-{row['unit__number']}",
                customer=mask_name(row["customer__name"]),
                price=row["price_total"],
                due=row["due_total"],
                paid=row["paid_total"],
                overdue=row["overdue"],
            )
            for row in overdue_rows
        ),
        loans=tuple(
            LoanStage(
                status=row["status"],
                label=str(status_labels.get(row["status"], row["status"])),
                count=row["count"],
                amount=row["amount"] or ZERO,
            )
            for row in loans
        ),
    )
