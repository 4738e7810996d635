"""RPT-03 across sites (集团营销月报): the month's figures of every site a person reads at whole-site scope,
one row per site and a total, for the group's monthly meeting and P6 ("monthly report of all 200 sites").

The figures are those of each site's own monthly report: the same ``MEASURES`` counted by the same stream
queries (``activity.figures_by_site``), grouped by site in SQL, so the report runs a constant number of
queries whatever the number of sites.

Time zones and cut-offs. The month is a calendar month (``YYYY-MM``), the same for every site; each site's
row covers that month's business days under the site's own zone and daily cut-off (``rules.bounds``: from
just after the cut-off of the day before the 1st to the cut-off of the last day), exactly as the site's own
monthly report counts them, so a row always equals the totals of that report. The moments covered thus
differ between sites with different zones or cut-offs; the total is the sum of the rows. Without a month
asked for, the report shows the month of the earliest current business day among its sites (each by its
own zone and cut-off): the latest month that has begun at every site. With one zone and cut-off (the usual
installation) that is simply each site's current month, the default of its own monthly report."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from salesoffice.reports import rules
from salesoffice.reports.rules import Period
from salesoffice.reports.selectors.activity import Figures, Window, figures_by_site, units_available_by_site
from salesoffice.reports.selectors.common import Scope
from salesoffice.routers import report_database


@dataclasses.dataclass(frozen=True)
class SiteMonth:
    """One site's row: its month under its own zone and cut-off (``(after, until]``), the figures of its
    monthly report and the units available at the close of the month's last business day (RPT-01's
    definition)."""

    site_id: int
    site_code: str
    site_name: str
    scope: str
    time_zone: str
    daily_cutoff: dt.time
    after: dt.datetime
    until: dt.datetime
    figures: Figures
    units_available_at_close: int


@dataclasses.dataclass(frozen=True)
class GroupMonthlyReport:
    """RPT-03 across sites: the rows by site name and their total."""

    period: Period
    rows: tuple[SiteMonth, ...]
    totals: Figures
    units_available_at_close: int

    @property
    def cutoffs(self) -> frozenset[tuple[str, dt.time]]:
        """The distinct (zone, cut-off) pairs of the sites: one pair means one set of moments for all."""
        return frozenset((row.time_zone, row.daily_cutoff) for row in self.rows)


def default_month(*, scopes: Sequence[Scope], now: dt.datetime) -> dt.date:
    """The first day of the month shown when none is asked for: the month of the earliest current business
    day among the sites, each by its own zone and cut-off (RPT-01), so the month has begun everywhere."""
    days = [rules.business_day(now, scope.cutoff, scope.tz) for scope in scopes]
    return rules.month_of(min(days) if days else now.date()).first


def group_monthly_report(*, scopes: Sequence[Scope], period: Period) -> GroupMonthlyReport:
    """RPT-03 across sites: each site's figures for ``period`` in its own window, grouped by site, with the
    units available at each site's close of the period; rows follow the order of ``scopes``. One query per
    kind of record (``activity.STREAMS``) and one for the units, whatever the number of sites."""
    windows = [Window(scope.site.pk, *rules.bounds(period, scope.cutoff, scope.tz)) for scope in scopes]
    database = report_database()
    figures = figures_by_site(db=database, windows=windows)
    units = units_available_by_site(db=database, moments={window.site_id: window.until for window in windows})
    rows = tuple(
        SiteMonth(
            site_id=scope.site.pk,
            site_code=scope.site.code,
            site_name=scope.site.name,
            scope=scope.kind.value,
            time_zone=scope.site.time_zone,
            daily_cutoff=scope.cutoff,
            after=window.after,
            until=window.until,
            figures=figures.get(scope.site.pk, Figures()),
            units_available_at_close=units.get(scope.site.pk, 0),
        )
        for scope, window in zip(scopes, windows, strict=True)
    )
    totals = Figures()
    for row in rows:
        totals = totals.plus(row.figures)
    return GroupMonthlyReport(
        period=period,
        rows=rows,
        totals=totals,
        units_available_at_close=sum(row.units_available_at_close for row in rows),
    )
