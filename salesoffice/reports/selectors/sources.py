"""RPT-05 (sources) and MKT-02 (marketing effect): which sources and activities bring registrations, visits,
deposits and deals, and at what cost per visit and per deal when costs are entered. A customer's deal is
credited to the source of the customer (REG-01) and to every activity whose code its registrations carry."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from customers.models import Registration, Source
from deals.models import Contract, Deposit
from salesoffice.reports import rules
from salesoffice.reports.models import Activity
from salesoffice.reports.rules import Period
from salesoffice.reports.selectors.activity import ZERO
from salesoffice.reports.selectors.common import Scope

LIVE_CONTRACT = ("signed", "approved", "filed", "completed")


@dataclasses.dataclass(frozen=True)
class SourceRow:
    key: str
    label: str
    registrations: int
    visits: int
    calls: int
    deposits: int
    deals: int
    deal_amount: Decimal
    cost: Decimal

    @property
    def cost_per_visit(self) -> Decimal | None:
        return rules.per(self.cost, self.visits)

    @property
    def cost_per_deal(self) -> Decimal | None:
        return rules.per(self.cost, self.deals)


@dataclasses.dataclass(frozen=True)
class SourcesReport:
    period: Period
    rows: tuple[SourceRow, ...]


def sources_report(*, scope: Scope, period: Period) -> SourcesReport:
    """RPT-05: registrations, visits and calls by the source recorded on them; deposits and contracts of the
    period by the customer's source; cost = the cost of the activities of that channel in the period."""
    after, until = rules.bounds(period, scope.cutoff, scope.tz)
    registrations = (
        Registration.objects.using(scope.db)
        .filter(site_id=scope.site.pk, corrects__isnull=True, recorded_at__gt=after, recorded_at__lte=until)
        .filter(scope.people_q("salesperson_id"))
        .values("source")
        .annotate(
            registrations=Count("pk"),
            visits=Count("pk", filter=Q(kind=Registration.Kind.VISIT)),
            calls=Count("pk", filter=Q(kind=Registration.Kind.CALL)),
        )
        .order_by()
    )
    deposits = (
        Deposit.objects.using(scope.db)
        .filter(site_id=scope.site.pk, paid_at__gt=after, paid_at__lte=until)
        .exclude(previous__status="transferred")
        .filter(scope.people_q("salesperson_id"))
        .values("customer__source")
        .annotate(count=Count("pk"))
        .order_by()
    )
    contracts = (
        Contract.objects.using(scope.db)
        .filter(site_id=scope.site.pk, signed_at__gt=after, signed_at__lte=until)
        .filter(scope.people_q("deal__salesperson_id"))
        .values("deal__customer__source")
        .annotate(count=Count("pk"), amount=Sum("price"))
        .order_by()
    )
    costs = (
        Activity.objects.using(scope.db)
        .filter(site_id=scope.site.pk, starts_on__lte=period.last, ends_on__gte=period.first)
        .values("channel")
        .annotate(cost=Sum("cost"))
        .order_by()
    )
    table: dict[str, dict[str, Any]] = {}
    for row in registrations:
        table.setdefault(row["source"], {}).update(row)
    for row in deposits:
        table.setdefault(row["customer__source"], {})["deposits"] = row["count"]
    for row in contracts:
        entry = table.setdefault(row["deal__customer__source"], {})
        entry.update(deals=row["count"], deal_amount=row["amount"])
    for row in costs:
        table.setdefault(row["channel"], {})["cost"] = row["cost"]
    labels = dict(Source.choices)
    rows = tuple(
        sorted(
            (
                SourceRow(
                    key=key,
                    label=str(labels.get(key, key)),
                    registrations=values.get("registrations", 0),
                    visits=values.get("visits", 0),
                    calls=values.get("calls", 0),
                    deposits=values.get("deposits", 0),
                    deals=values.get("deals", 0),
                    deal_amount=values.get("deal_amount") or ZERO,
                    cost=values.get("cost") or ZERO,
                )
                for key, values in table.items()
            ),
            key=lambda row: (-row.visits, -row.registrations, row.label),
        )
    )
    return SourcesReport(period=period, rows=rows)


@dataclasses.dataclass(frozen=True)
class ActivityEffect:
    """MKT-02 (营销效果评估): what one activity brought, and what each result cost."""

    id: int
    code: str
    name: str
    kind: str
    channel: str
    starts_on: Any
    ends_on: Any
    budget: Decimal
    cost: Decimal
    target_visits: int
    target_deals: int
    registrations: int
    visits: int
    customers: int
    deposits: int
    deals: int
    deal_amount: Decimal

    @property
    def cost_per_registration(self) -> Decimal | None:
        return rules.per(self.cost, self.registrations)

    @property
    def cost_per_visit(self) -> Decimal | None:
        return rules.per(self.cost, self.visits)

    @property
    def cost_per_deal(self) -> Decimal | None:
        return rules.per(self.cost, self.deals)


def _count(rows: Any) -> Subquery:
    return Subquery(
        rows.values("site_id").annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
    )


def activity_effects(*, scope: Scope, period: Period | None = None) -> tuple[ActivityEffect, ...]:
    """MKT-02: for each activity (those overlapping ``period``, or all), the registrations and visits
    carrying its code, the customers they brought, and the deposits and contracts of those customers since
    the activity began, compared side by side. One query with correlated subqueries per figure."""
    activities = Activity.objects.using(scope.db).filter(site_id=scope.site.pk)
    if period is not None:
        activities = activities.filter(starts_on__lte=period.last, ends_on__gte=period.first)
    carried = Registration.objects.filter(
        site_id=OuterRef("site_id"), activity_code=OuterRef("code"), corrects__isnull=True
    )
    traced = Registration.objects.filter(
        customer=OuterRef("customer_id"), activity_code=OuterRef(OuterRef("code"))
    )
    deals = Contract.objects.filter(site_id=OuterRef("site_id"), status__in=LIVE_CONTRACT).filter(
        Exists(
            Registration.objects.filter(
                customer=OuterRef("deal__customer_id"), activity_code=OuterRef(OuterRef("code"))
            )
        )
    )
    money: DecimalField[Decimal, Decimal] = DecimalField(max_digits=16, decimal_places=2)
    rows = activities.annotate(
        registrations=Coalesce(_count(carried), 0),
        visits=Coalesce(_count(carried.filter(kind=Registration.Kind.VISIT)), 0),
        customers=Coalesce(
            Subquery(
                carried.values("site_id").annotate(n=Count("customer_id", distinct=True)).values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        ),
        deposits=Coalesce(
            Subquery(
                Deposit.objects.filter(site_id=OuterRef("site_id"))
                .filter(Exists(traced))
                .exclude(previous__status="transferred")
                .values("site_id")
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        ),
        deals=Coalesce(_count(deals), 0),
        deal_amount=Coalesce(
            Subquery(
                deals.values("site_id").annotate(total=Sum("price")).values("total")[:1], output_field=money
            ),
            Value(ZERO, output_field=money),
        ),
    ).order_by("-starts_on", "-id")
    kinds = dict(Activity.Kind.choices)
    channels = dict(Source.choices)
    return tuple(
        ActivityEffect(
            id=row.pk,
            code=row.code,
            name=row.name,
            kind=str(kinds.get(row.kind, row.kind)),
            channel=str(channels.get(row.channel, row.channel)),
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            budget=row.budget,
            cost=row.cost,
            target_visits=row.target_visits,
            target_deals=row.target_deals,
            registrations=row.registrations,
            visits=row.visits,
            customers=row.customers,
            deposits=row.deposits,
            deals=row.deals,
            deal_amount=row.deal_amount,
        )
        for row in rows[:200]
    )
