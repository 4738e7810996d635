"""Pure decisions of the reports: which moments a business day covers under the daily cut-off, the
periods of the weekly, monthly and half-year reports, rates and medians. No Django, no clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

ONE_MICROSECOND = dt.timedelta(microseconds=1)


class PeriodKind(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    HALF_YEAR = "half_year"
    CUSTOM = "custom"


@dataclasses.dataclass(frozen=True)
class Period:
    """A run of business days, both ends included."""

    kind: PeriodKind
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same kind just before this one (RPT-02: "against the previous week")."""
        if self.kind == PeriodKind.MONTH:
            return month_of(self.first - dt.timedelta(days=1))
        if self.kind == PeriodKind.HALF_YEAR:
            return half_year_ending(self.first - dt.timedelta(days=1))
        length = dt.timedelta(days=self.days)
        return Period(self.kind, self.first - length, self.last - length)


def day_of(day: dt.date) -> Period:
    return Period(PeriodKind.DAY, day, day)


def week_of(day: dt.date) -> Period:
    """RPT-02: the week runs Monday to Sunday (the weekly meeting is on Monday)."""
    monday = day - dt.timedelta(days=day.weekday())
    return Period(PeriodKind.WEEK, monday, monday + dt.timedelta(days=6))


def month_of(day: dt.date) -> Period:
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Period(PeriodKind.MONTH, first, following - dt.timedelta(days=1))


def half_year_ending(day: dt.date) -> Period:
    """RPT-03: the half-year analysis covers the six whole months up to the month of ``day`` (presented in
    the April and October monthly reports)."""
    last = month_of(day).last
    first_month = day.month - 5
    year = day.year
    if first_month < 1:
        first_month += 12
        year -= 1
    return Period(PeriodKind.HALF_YEAR, dt.date(year, first_month, 1), last)


def is_half_year_month(day: dt.date) -> bool:
    """RPT-03 (D-RPT-04): the April and October monthly reports carry the half-year analysis."""
    return day.month in (4, 10)


def business_day(moment: dt.datetime, cutoff: dt.time, tz: ZoneInfo) -> dt.date:
    """RPT-01, REG-03: a moment after the daily cut-off counts towards the next day
    ("18:00后的数据将统计到第二天"); a moment exactly at the cut-off still counts today."""
    local = moment.astimezone(tz)
    if local.time() > cutoff:
        return local.date() + dt.timedelta(days=1)
    return local.date()


def bounds(period: Period, cutoff: dt.time, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """RPT-01: the moments a period covers as ``(after, until]``: from just after the cut-off of the day
    before its first day up to and including the cut-off of its last day."""
    after = dt.datetime.combine(period.first - dt.timedelta(days=1), cutoff, tzinfo=tz)
    until = dt.datetime.combine(period.last, cutoff, tzinfo=tz)
    return after, until


def business_day_shift(cutoff: dt.time) -> dt.timedelta:
    """The shift that turns a moment into its business day by taking the local date: a moment up to the
    cut-off stays on its date, one after it moves to the next (used as ``TruncDate(moment + shift)``)."""
    since_midnight = dt.timedelta(
        hours=cutoff.hour, minutes=cutoff.minute, seconds=cutoff.second, microseconds=cutoff.microsecond
    )
    return dt.timedelta(days=1) - since_midnight - ONE_MICROSECOND


def rate(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """A share to one decimal place in percent; ``None`` when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def per(amount: Decimal, count: int) -> Decimal | None:
    """RPT-05, MKT-02: cost per result in yuan; ``None`` without results or without a cost entered."""
    if not count or not amount:
        return None
    return (amount / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def median(values: Sequence[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def change(current: int | Decimal, previous: int | Decimal) -> Decimal | None:
    """RPT-02: the change against the previous period in percent."""
    if not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
