"""RPT-04 (funnel): calls → first visits → return visits → small deposits → large deposits → contracts for
the customers first registered in a period, with conversion rates and the median days between stages, by
site, salesperson (owner) or source. Each customer's stage times come from SQL subqueries; the counts are
one grouped query; the medians use PostgreSQL's percentile aggregate."""

from __future__ import annotations

import dataclasses
import itertools
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    DurationField,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
)

from customers.models import Customer, Registration, Source
from deals.models import Contract, Deposit
from salesoffice.reports import rules
from salesoffice.reports.rules import Period
from salesoffice.reports.selectors.common import Scope, people_names

STAGES = ("first_call", "first_visit", "return_visit", "small_deposit", "large_deposit", "contract")


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)`` of an interval (wrapped by ``_days`` into days)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _days(expression: Any) -> Func:
    return Func(
        expression, template="EXTRACT(EPOCH FROM %(expressions)s) / 86400.0", output_field=FloatField()
    )


@dataclasses.dataclass(frozen=True)
class FunnelRow:
    """One group (the site, a salesperson or a source): customers reaching each stage, the conversion from
    each stage to the next, and the median days between consecutive stages."""

    key: str
    label: str
    customers: int
    stages: dict[str, int]
    conversions: dict[str, Decimal | None]
    median_days: dict[str, float | None]


@dataclasses.dataclass(frozen=True)
class FunnelReport:
    period: Period
    group: str
    rows: tuple[FunnelRow, ...]


def _first(model: Any, customer_path: str, condition: Q, field: str) -> Subquery:
    rows = (
        model.objects.filter(**{customer_path: OuterRef("pk")})
        .filter(condition)
        .order_by(field)
        .values(field)[:1]
    )
    return Subquery(rows, output_field=DateTimeField())


def _cohort(*, scope: Scope, period: Period) -> Any:
    """The customers whose first registration falls in the period, with the time of each stage."""
    after, until = rules.bounds(period, scope.cutoff, scope.tz)
    visits = Registration.objects.filter(
        customer=OuterRef("pk"), kind=Registration.Kind.VISIT, corrects__isnull=True
    ).order_by("recorded_at")
    return (
        Customer.objects.using(scope.db)
        .filter(site_id=scope.site.pk, merged_into__isnull=True)
        .filter(scope.people_q("owner_id"))
        .annotate(first_contact=_first(Registration, "customer", Q(corrects__isnull=True), "recorded_at"))
        .filter(first_contact__gt=after, first_contact__lte=until)
        .annotate(
            first_call=_first(Registration, "customer", Q(kind=Registration.Kind.CALL), "recorded_at"),
            first_visit=Subquery(visits.values("recorded_at")[:1], output_field=DateTimeField()),
            return_visit=Subquery(visits.values("recorded_at")[1:2], output_field=DateTimeField()),
            small_deposit=_first(Deposit, "customer", Q(kind=Deposit.Kind.SMALL), "paid_at"),
            large_deposit=_first(Deposit, "customer", Q(kind=Deposit.Kind.LARGE), "paid_at"),
            contract=_first(Contract, "deal__customer", Q(), "signed_at"),
        )
    )


def funnel_report(*, scope: Scope, period: Period, group: str = "site") -> FunnelReport:
    """RPT-04. A customer counts at a stage once it reached it, whatever the order (a caller who walks in
    without calling counts from the visit on); the conversion is stage ÷ previous stage."""
    field = {"salesperson": "owner_id", "source": "source"}.get(group)
    cohort = _cohort(scope=scope, period=period)
    counts: dict[str, Any] = {"customers": Count("pk")}
    for stage in STAGES:
        counts[f"reached_{stage}"] = Count("pk", filter=Q(**{f"{stage}__isnull": False}))
    postgres = connections[scope.db].vendor == "postgresql"
    if postgres:
        for earlier, later in itertools.pairwise(STAGES):
            counts[f"days_{later}"] = _days(
                Median(
                    F(later) - F(earlier),
                    filter=Q(**{f"{later}__isnull": False, f"{earlier}__isnull": False}),
                )
            )
    grouped = cohort.values(field) if field else cohort.values(key=F("site_id"))
    rows = list(grouped.annotate(**counts).order_by())
    if field is None:
        rows = rows or [{"key": scope.site.pk, "customers": 0, **{f"reached_{stage}": 0 for stage in STAGES}}]
    labels = _labels(scope=scope, group=group, keys=[row.get(field or "key") for row in rows])
    result = []
    for row in rows:
        key = row.get(field or "key")
        stages = {stage: row[f"reached_{stage}"] for stage in STAGES}
        conversions = {
            later: rules.rate(stages[later], stages[earlier]) for earlier, later in itertools.pairwise(STAGES)
        }
        medians = {later: (round(row[f"days_{later}"], 1) if row.get(f"days_{later}") is not None else None)
                   for later in STAGES[1:]}  # fmt: skip
        result.append(
            FunnelRow(
                key=str(key),
                label=labels.get(key, str(key or "—")),
                customers=row["customers"],
                stages=stages,
                conversions=conversions,
                median_days=medians,
            )
        )
    result.sort(key=lambda row: (-row.customers, row.label))
    return FunnelReport(period=period, group=group, rows=tuple(result))


def _labels(*, scope: Scope, group: str, keys: list[Any]) -> dict[Any, str]:
    if group == "salesperson":
        return dict(people_names(scope=scope, seen=[key for key in keys if key]))
    if group == "source":
        return {value: str(label) for value, label in Source.choices}
    return {scope.site.pk: scope.site.name}
