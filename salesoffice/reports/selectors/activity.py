"""The sales activity figures behind the daily, weekly and monthly reports (RPT-01, RPT-02, RPT-03) and the
team view (TEAM-01): one grouped query per kind of record, never a loop over rows.

Every figure is defined once, in ``MEASURES``: the record it counts, the moment that places it in a
business day, the salesperson it belongs to and the condition. The aggregate queries and the drill-down
list (``selectors.drill``) both read that definition, so a figure and the rows behind it always agree.

The rows of a stream are selected by ``Window``s (a site and the moments a period covers under that site's
zone and cut-off), so one site's report and the group report of many sites (``selectors.group``) run the
same queries, the latter grouped by site."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Trunc

from customers.models import Customer, FollowUp, Registration
from deals.models import Contract, Deal, Deposit, MoneyRecord, Subscription, Unit, UnitStatusChange
from reception.models import Reception
from salesoffice.reports import rules
from salesoffice.reports.rules import Period
from salesoffice.reports.selectors.common import Scope, people_names

ZERO = Decimal("0.00")
# PAY-01: money the buyer paid in (reversals of these kinds carry a negative amount and net out).
RECEIVED_KINDS = (
    MoneyRecord.Kind.DEPOSIT, MoneyRecord.Kind.TOP_UP, MoneyRecord.Kind.INSTALMENT,
    MoneyRecord.Kind.LOAN_RELEASE, MoneyRecord.Kind.AREA_ADJUSTMENT, MoneyRecord.Kind.FEE,
)  # fmt: skip
# DEP-06, CON-04: money paid back or kept when a deal ends (negative amounts on the deal's side).
RETURNED_KINDS = (MoneyRecord.Kind.REFUND, MoneyRecord.Kind.FORFEITURE, MoneyRecord.Kind.DOUBLE_RETURN)
CLOSED_STATUSES = (Customer.Status.LOST, Customer.Status.CONTRACTED, Customer.Status.OWNER)


@dataclasses.dataclass(frozen=True)
class Stream:
    """A kind of record as the reports count it: where its site, moment and salesperson are."""

    model: type[Model]
    site_field: str
    time_field: str
    person_field: str
    base: Q


STREAMS: dict[str, Stream] = {
    "receptions": Stream(Reception, "day__site_id", "arrived_at", "receiver_id", Q()),
    # SEC-05: a correction is a new registration pointing at the original; only originals are counted.
    "registrations": Stream(
        Registration, "site_id", "recorded_at", "salesperson_id", Q(corrects__isnull=True)
    ),
    "follow_ups": Stream(FollowUp, "site_id", "at", "salesperson_id", Q()),
    # DEP-05: moving a deposit to another unit starts a new row; the move is not a new deposit.
    "deposits": Stream(Deposit, "site_id", "paid_at", "salesperson_id", ~Q(previous__status="transferred")),
    "subscriptions": Stream(
        Subscription, "site_id", "created_at", "deal__salesperson_id", Q(replaces__isnull=True)
    ),
    "contracts": Stream(Contract, "site_id", "signed_at", "deal__salesperson_id", Q()),
    "cancellations": Stream(Deal, "site_id", "ended_at", "salesperson_id", Q(status=Deal.Status.CANCELLED)),
    "money": Stream(MoneyRecord, "site_id", "at", "deal__salesperson_id", Q(kind__in=RECEIVED_KINDS)),
    "money_out": Stream(MoneyRecord, "site_id", "at", "deal__salesperson_id", Q(kind__in=RETURNED_KINDS)),
}


@dataclasses.dataclass(frozen=True)
class Measure:
    """One figure: a count of the stream's rows matching ``condition``, or the sum of ``amount``.
    ``drill`` names the list of rows behind it."""

    stream: str
    condition: Q
    amount: str | None = None
    drill: str = ""


MEASURES: dict[str, Measure] = {
    "walk_ins": Measure("receptions", Q()),
    "turns": Measure("receptions", Q(counted=True)),
    "registrations_valid": Measure("registrations", Q(kind=Registration.Kind.VISIT, complete=True)),
    "registrations_incomplete": Measure("registrations", Q(kind=Registration.Kind.VISIT, complete=False)),
    "calls": Measure("registrations", Q(kind=Registration.Kind.CALL)),
    "appointments": Measure("registrations", Q(kind=Registration.Kind.CALL, appointment_entered=True)),
    "registrations_all": Measure("registrations", Q()),
    "follow_ups": Measure("follow_ups", Q()),
    "small_deposits": Measure("deposits", Q(kind=Deposit.Kind.SMALL)),
    "small_deposit_amount": Measure("deposits", Q(kind=Deposit.Kind.SMALL), "amount", "small_deposits"),
    "large_deposits": Measure("deposits", Q(kind=Deposit.Kind.LARGE)),
    "large_deposit_amount": Measure("deposits", Q(kind=Deposit.Kind.LARGE), "amount", "large_deposits"),
    "subscriptions": Measure("subscriptions", Q()),
    "subscription_amount": Measure("subscriptions", Q(), "price", "subscriptions"),
    "contracts": Measure("contracts", Q()),
    "contract_area": Measure("contracts", Q(), "deal__area", "contracts"),
    "contract_amount": Measure("contracts", Q(), "price", "contracts"),
    "cancellations": Measure("cancellations", Q()),
    "money_received": Measure("money", Q(), "amount"),
    "refunded": Measure("money_out", Q(kind=MoneyRecord.Kind.REFUND), "amount"),
    "forfeited": Measure("money_out", Q(kind=MoneyRecord.Kind.FORFEITURE), "amount"),
    "returned_double": Measure("money_out", Q(kind=MoneyRecord.Kind.DOUBLE_RETURN), "amount"),
}
AMOUNTS = frozenset(key for key, measure in MEASURES.items() if measure.amount)
# Figures that are not counted from a stream in the period but stated at its close.
OVERDUE = "follow_ups_overdue"
DRILLABLE = frozenset({*(m.drill or key for key, m in MEASURES.items()), OVERDUE})


@dataclasses.dataclass(frozen=True)
class Figures:
    """RPT-01's figures for one salesperson, one day or a whole site."""

    walk_ins: int = 0
    turns: int = 0
    registrations_valid: int = 0
    registrations_incomplete: int = 0
    calls: int = 0
    appointments: int = 0
    follow_ups: int = 0
    follow_ups_overdue: int = 0
    small_deposits: int = 0
    small_deposit_amount: Decimal = ZERO
    large_deposits: int = 0
    large_deposit_amount: Decimal = ZERO
    subscriptions: int = 0
    subscription_amount: Decimal = ZERO
    contracts: int = 0
    contract_area: Decimal = ZERO
    contract_amount: Decimal = ZERO
    cancellations: int = 0
    money_received: Decimal = ZERO
    # Signed from the deal's side, as recorded (PAY-01): money paid back or kept shows negative.
    refunded: Decimal = ZERO
    forfeited: Decimal = ZERO
    returned_double: Decimal = ZERO

    def plus(self, other: Figures) -> Figures:
        return Figures(**{
            field.name: getattr(self, field.name) + getattr(other, field.name)
            for field in dataclasses.fields(self)
        })  # fmt: skip

    def get(self, key: str) -> Any:
        return getattr(self, key)

    @property
    def registrations(self) -> int:
        return self.registrations_valid + self.registrations_incomplete

    @property
    def valid_rate(self) -> Decimal | None:
        """TEAM-01: the share of visit registrations that were complete (REG-02)."""
        return rules.rate(self.registrations_valid, self.registrations)


FIGURE_KEYS = tuple(field.name for field in dataclasses.fields(Figures))


def _figures(values: Mapping[str, Any]) -> Figures:
    cleaned: dict[str, Any] = {
        key: (Decimal(values[key] or 0) if key in AMOUNTS else int(values[key] or 0))
        for key in FIGURE_KEYS
        if key in values
    }
    return Figures(**cleaned)


@dataclasses.dataclass(frozen=True)
class PersonFigures:
    user_id: int
    name: str
    figures: Figures


@dataclasses.dataclass(frozen=True)
class BucketFigures:
    """One day (or month) of a period."""

    start: dt.date
    figures: Figures


@dataclasses.dataclass(frozen=True)
class ActivityReport:
    """RPT-01/02/03: the figures of a period for the site (within the scope), per salesperson and per
    day or month; ``after``/``until`` are the moments the period covers under the cut-off."""

    site_id: int
    site_name: str
    scope: str
    period: Period
    after: dt.datetime
    until: dt.datetime
    totals: Figures
    people: tuple[PersonFigures, ...]
    buckets: tuple[BucketFigures, ...]
    walk_ins_by_type: dict[str, int]
    units_available_at_close: int | None


@dataclasses.dataclass(frozen=True)
class Window:
    """A site and the moments ``(after, until]`` a period covers there under its zone and cut-off."""

    site_id: int
    after: dt.datetime
    until: dt.datetime


def _by_value(pairs: Iterable[tuple[int, Any]]) -> dict[Any, list[int]]:
    """Site ids grouped by a value they share (their bounds or their closing moment)."""
    grouped: dict[Any, list[int]] = {}
    for site_id, value in pairs:
        grouped.setdefault(value, []).append(site_id)
    return grouped


def windows_q(stream: Stream, windows: Sequence[Window]) -> Q:
    """The stream's rows of each site within that site's own window, as one condition; sites sharing a zone
    and cut-off share one term, so the usual installation (one zone) gets one range over a list of sites."""
    terms: Q | None = None
    bounds = _by_value((window.site_id, (window.after, window.until)) for window in windows)
    for (after, until), site_ids in bounds.items():
        site: dict[str, Any] = (
            {stream.site_field: site_ids[0]} if len(site_ids) == 1 else {f"{stream.site_field}__in": site_ids}
        )
        term = Q(**site, **{f"{stream.time_field}__gt": after, f"{stream.time_field}__lte": until})
        terms = term if terms is None else terms | term
    return terms if terms is not None else Q(pk__in=[])


def stream_rows_in(
    *, db: str, stream: Stream, windows: Sequence[Window], people: Q | None = None
) -> QuerySet[Any]:
    """The stream's rows in the given windows (and of the given people, when the scope is narrower than the
    site)."""
    return (
        stream.model._default_manager.using(db)
        .filter(windows_q(stream, windows))
        .filter(stream.base)
        .filter(people or Q())
    )


def stream_rows(*, scope: Scope, stream: Stream, after: dt.datetime, until: dt.datetime) -> QuerySet[Any]:
    """The stream's rows at the site, in scope, in ``(after, until]``."""
    return stream_rows_in(
        db=scope.db, stream=stream, windows=[Window(scope.site.pk, after, until)],
        people=scope.people_q(stream.person_field),
    )  # fmt: skip


def bucket_expression(*, scope: Scope, time_field: str, by: str) -> Trunc:
    """RPT-01: the business day (or its month) of a moment under the site's cut-off, computed in SQL."""
    shifted = ExpressionWrapper(
        F(time_field) + rules.business_day_shift(scope.cutoff), output_field=DateTimeField()
    )
    return Trunc(shifted, by, output_field=DateField(), tzinfo=scope.tz)


def _aggregates(stream_name: str) -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    for key, measure in MEASURES.items():
        if measure.stream != stream_name:
            continue
        if measure.amount:
            aggregates[key] = Sum(measure.amount, filter=measure.condition or None)
        else:
            aggregates[key] = Count("pk", filter=measure.condition or None)
    return aggregates


def measured(name: str, rows: QuerySet[Any], group: Sequence[str]) -> QuerySet[Any]:
    """The stream's measures of ``rows`` grouped by ``group``: one aggregate query."""
    return rows.values(*group).annotate(**_aggregates(name)).order_by()


def _collect(
    *, scope: Scope, after: dt.datetime, until: dt.datetime, by: str | None
) -> dict[tuple[dt.date | None, int | None], dict[str, Any]]:
    """Every stream's figures grouped by (bucket, salesperson): one query per stream."""
    cells: dict[tuple[dt.date | None, int | None], dict[str, Any]] = {}
    for name, stream in STREAMS.items():
        rows = stream_rows(scope=scope, stream=stream, after=after, until=until)
        group = [stream.person_field]
        if by:
            rows = rows.annotate(bucket=bucket_expression(scope=scope, time_field=stream.time_field, by=by))
            group.append("bucket")
        for row in measured(name, rows, group):
            values = cells.setdefault((row.get("bucket"), row[stream.person_field]), {})
            for key in _aggregates(name):
                values[key] = row[key]
    return cells


def figures_by_site(*, db: str, windows: Sequence[Window]) -> dict[int, Figures]:
    """RPT-03 across sites: every stream's figures of each site within its own window, grouped by site in
    SQL, so the group report runs one query per stream whatever the number of sites. The whole site is
    counted (no salesperson filter); follow-ups overdue are not counted here (a figure of the close of one
    day, not of a period)."""
    values: dict[int, dict[str, Any]] = {window.site_id: {} for window in windows}
    if not values:
        return {}
    for name, stream in STREAMS.items():
        rows = stream_rows_in(db=db, stream=stream, windows=windows)
        for row in measured(name, rows, [stream.site_field]):
            values[row[stream.site_field]].update({key: row[key] for key in _aggregates(name)})
    return {site_id: _figures(site_values) for site_id, site_values in values.items()}


def overdue_follow_ups(*, scope: Scope, day: dt.date, until: dt.datetime) -> QuerySet[FollowUp]:
    """RPT-01: follow-ups whose next contact was due on or before ``day`` with nothing recorded for the
    customer since, at the close of ``day``; lost and closed customers are not chased."""
    later = FollowUp.objects.filter(customer=OuterRef("customer"), at__gt=OuterRef("at"), at__lte=until)
    return (
        FollowUp.objects.using(scope.db)
        .filter(site_id=scope.site.pk, next_date__lte=day, at__lte=until)
        .filter(scope.people_q("salesperson_id"))
        .filter(~Exists(later))
        .exclude(customer__status__in=CLOSED_STATUSES)
    )


def units_available_by_site(*, db: str, moments: Mapping[int, dt.datetime]) -> dict[int, int]:
    """RPT-01: units available for sale at each site's ``moment``, read back from the status log (UNIT-02):
    the last change up to then, else the state before the first later change, else the unit's status now.
    One query grouped by site, whatever the number of sites; a site without such units has no entry."""
    if not moments:
        return {}
    by_moment = _by_value(moments.items())
    moment: Expression
    if len(by_moment) == 1:
        moment = Value(next(iter(by_moment)), output_field=DateTimeField())
    else:
        moment = Case(
            *(When(site_id__in=site_ids, then=Value(at)) for at, site_ids in by_moment.items()),
            output_field=DateTimeField(),
        )
    before = UnitStatusChange.objects.filter(unit=OuterRef("pk"), at__lte=OuterRef("moment")).order_by(
        "-at", "-id"
    )
    after = UnitStatusChange.objects.filter(unit=OuterRef("pk"), at__gt=OuterRef("moment")).order_by(
        "at", "id"
    )
    site_filter = Q(site_id=next(iter(moments))) if len(moments) == 1 else Q(site_id__in=list(moments))
    rows = (
        Unit.objects.using(db)
        .filter(site_filter)
        .annotate(moment=moment)
        .filter(created_at__lte=F("moment"))
        .annotate(
            status_then=Coalesce(
                Subquery(before.values("to_status")[:1]),
                Subquery(after.values("from_status")[:1]),
                F("status"),
            )
        )
        .filter(status_then=Unit.Status.AVAILABLE)
        .values("site_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["site_id"]: row["count"] for row in rows}


def units_available_at(*, scope: Scope, moment: dt.datetime) -> int:
    """RPT-01: units available for sale at the site at ``moment`` (see ``units_available_by_site``)."""
    return units_available_by_site(db=scope.db, moments={scope.site.pk: moment}).get(scope.site.pk, 0)


def activity_report(
    *,
    scope: Scope,
    period: Period,
    by: str | None = None,
    with_close: bool = False,
    with_overdue: bool = True,
) -> ActivityReport:
    """RPT-01/02/03: the period's figures within ``scope``, per salesperson and (``by`` = "day" or "month")
    per business day or month. ``with_close`` adds what RPT-01 states at the close of the last day;
    ``with_overdue`` False leaves out the follow-ups overdue at that close (a chart of the days beside
    a daily report that already counts them)."""
    after, until = rules.bounds(period, scope.cutoff, scope.tz)
    cells = _collect(scope=scope, after=after, until=until, by=by)
    overdue: dict[int, int] = {}
    if with_overdue:
        overdue = dict(
            overdue_follow_ups(scope=scope, day=period.last, until=until)
            .values_list("salesperson_id")
            .annotate(count=Count("pk"))
            .order_by()
        )
    per_person: dict[int, Figures] = {}
    per_bucket: dict[dt.date, Figures] = {}
    for (bucket, person), values in cells.items():
        figures = _figures(values)
        if person is not None:
            per_person[person] = per_person.get(person, Figures()).plus(figures)
        if bucket is not None:
            per_bucket[bucket] = per_bucket.get(bucket, Figures()).plus(figures)
    totals = Figures()
    for (_bucket, _person), values in cells.items():
        totals = totals.plus(_figures(values))
    totals = dataclasses.replace(totals, follow_ups_overdue=sum(overdue.values()))
    for person, count in overdue.items():
        per_person[person] = dataclasses.replace(per_person.get(person, Figures()), follow_ups_overdue=count)
    names = people_names(scope=scope, seen=per_person)
    people = tuple(
        sorted(
            (
                PersonFigures(user_id=pk, name=name, figures=per_person.get(pk, Figures()))
                for pk, name in names.items()
            ),
            key=lambda row: (-row.figures.contract_amount, -row.figures.walk_ins, row.name),
        )
    )
    buckets: tuple[BucketFigures, ...] = ()
    if by:
        buckets = tuple(
            BucketFigures(start=start, figures=per_bucket.get(start, Figures()))
            for start in _starts(period, by)
        )
    walk_ins_by_type: dict[str, int] = {}
    units_at_close = None
    if with_close:
        walk_ins_by_type = dict(
            stream_rows(scope=scope, stream=STREAMS["receptions"], after=after, until=until)
            .values_list("type")
            .annotate(count=Count("pk"))
            .order_by("type")
        )
        units_at_close = units_available_at(scope=scope, moment=until)
    return ActivityReport(
        site_id=scope.site.pk, site_name=scope.site.name, scope=scope.kind.value, period=period, after=after,
        until=until, totals=totals, people=people, buckets=buckets, walk_ins_by_type=walk_ins_by_type,
        units_available_at_close=units_at_close,
    )  # fmt: skip


def _starts(period: Period, by: str) -> list[dt.date]:
    starts: list[dt.date] = []
    current = period.first
    while current <= period.last:
        starts.append(current)
        current = (
            current + dt.timedelta(days=1)
            if by == "day"
            else rules.month_of(current).last + dt.timedelta(days=1)
        )
    return starts


def daily_report(*, scope: Scope, day: dt.date) -> ActivityReport:
    """RPT-01 (销售日报): the business day's figures per site and per salesperson, counted by the site's
    cut-off, with walk-ins by kind and the units available at close."""
    return activity_report(scope=scope, period=rules.day_of(day), with_close=True)
