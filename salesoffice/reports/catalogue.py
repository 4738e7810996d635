"""Every report by name (RPT-09): what scopes may read it and how its document is built from the selectors.
Pages, exports and scheduled delivery all build reports here, so they print the same figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesoffice.reports import charts, layouts, rules
from salesoffice.reports.forms import ReportParams
from salesoffice.reports.layouts import Link, ReportDocument
from salesoffice.reports.selectors import activity, drill, funnel, group, inventory, money, sources, team
from salesoffice.reports.selectors.common import ACTIVITY_SCOPES, Scope, ScopeKind

SCOPE_LABELS = {
    ScopeKind.SITE: gettext_lazy("Whole site"),
    ScopeKind.MONEY: gettext_lazy("Whole site (money)"),
    ScopeKind.SERVICE: gettext_lazy("Whole site (service)"),
    ScopeKind.TEAM: gettext_lazy("My team"),
    ScopeKind.OWN: gettext_lazy("My own figures"),
    ScopeKind.AGGREGATE: gettext_lazy("Site figures only"),
}
PDF_REGISTRATION_ROWS = 100


@dataclasses.dataclass(frozen=True)
class Entry:
    title: str | object
    rule: str
    scopes: frozenset[ScopeKind]
    build: Callable[[Scope, ReportParams, Link | None], ReportDocument]


def printed_filters(scope: Scope, params: ReportParams, names: dict[int, str]) -> list[tuple[str, str]]:
    """RPT-09: the filter as printed on every page, PDF and workbook."""
    period = params.period
    span = (
        period.first.isoformat()
        if period.days == 1
        else f"{period.first.isoformat()} – {period.last.isoformat()}"
    )
    filters = [
        (_("Site"), scope.site.name),
        (_("Period"), span),
        (_("Scope"), str(SCOPE_LABELS[scope.kind])),
        (_("Daily cut-off"), scope.cutoff.strftime("%H:%M")),
    ]
    if params.salesperson_id:
        filters.append((_("Salesperson"), names.get(params.salesperson_id, str(params.salesperson_id))))
    if params.group != "site":
        filters.append((_("Group by"), params.group))
    return filters


def build_daily(scope: Scope, params: ReportParams, link: Link | None) -> ReportDocument:
    """RPT-01."""
    scoped = scope.narrowed_to(params.salesperson_id)
    day = params.period.last
    report = activity.daily_report(scope=scoped, day=day)
    week = activity.activity_report(
        scope=scoped,
        period=rules.Period(rules.PeriodKind.CUSTOM, day - dt.timedelta(days=6), day),
        by="day",
        with_overdue=False,
    )
    registrations: list[drill.DrillRow] = []
    total = report.totals.registrations + report.totals.calls
    if scoped.personal:
        rows = drill.drill_rows(scope=scoped, metric="registrations_all", period=params.period)
        registrations = [drill.drill_row(values, scoped.tz) for values in rows[:PDF_REGISTRATION_ROWS]]
    names = {person.user_id: person.name for person in report.people}
    return layouts.daily_document(
        report=report, week=week, registrations=registrations, registrations_total=total,
        link=link if scoped.personal else None, filters=printed_filters(scope, params, names),
    )  # fmt: skip


CATALOGUE: dict[str, Entry] = {
    "daily": Entry(gettext_lazy("Daily sales report"), "RPT-01", ACTIVITY_SCOPES, build_daily),
}


def _targets(scope: Scope, period: rules.Period, kind: str) -> dict[str, Decimal]:
    from salesoffice.reports.models import Target

    rows = Target.objects.using(scope.db).filter(
        site_id=scope.site.pk, period=kind, starts_on=period.first, salesperson__isnull=True
    )
    if scope.user_ids is not None and len(scope.user_ids) == 1:
        rows = Target.objects.using(scope.db).filter(
            site_id=scope.site.pk, period=kind, starts_on=period.first, salesperson_id__in=scope.user_ids
        )
    return dict(rows.values_list("metric", "value"))


def build_weekly(scope: Scope, params: ReportParams, link: Link | None) -> ReportDocument:
    """RPT-02."""
    scoped = scope.narrowed_to(params.salesperson_id)
    report = activity.activity_report(scope=scoped, period=params.period, by="day")
    previous = activity.activity_report(scope=scoped, period=params.period.previous())
    names = {person.user_id: person.name for person in report.people}
    return layouts.period_document(
        slug="weekly", title=_("Weekly sales report"), rule="RPT-02", report=report, previous=previous,
        targets=_targets(scoped, params.period, "week"), effects=sources.activity_effects(scope=scoped, period=params.period),
        link=link if scoped.personal else None, filters=printed_filters(scope, params, names),
        previous_label=_("Previous week"),
    )  # fmt: skip


def build_monthly(scope: Scope, params: ReportParams, link: Link | None) -> ReportDocument:
    """RPT-03; in April and October (or on request) with the six-month analysis by month, sources and
    activities (D-RPT-04)."""
    scoped = scope.narrowed_to(params.salesperson_id)
    report = activity.activity_report(scope=scoped, period=params.period, by="day")
    previous = activity.activity_report(scope=scoped, period=params.period.previous())
    names = {person.user_id: person.name for person in report.people}
    extra_tables: list[layouts.Table] = []
    extra_charts: list[str] = []
    if params.half_year or rules.is_half_year_month(params.period.first):
        half = rules.half_year_ending(params.period.first)
        months = activity.activity_report(scope=scoped, period=half, by="month")
        extra_tables += [
            layouts.buckets_table(_("Six months by month"), months, layouts.PERIOD_FIGURES, month=True),
            layouts.sources_table(
                _("Six months by source"), sources.sources_report(scope=scoped, period=half)
            ),
            layouts.effects_table(
                _("Six months of activities"), sources.activity_effects(scope=scoped, period=half)
            ),
        ]
        extra_charts.append(
            charts.line_chart(
                _("Six months"),
                [f"{b.start:%Y-%m}" for b in months.buckets],
                [
                    (str(layouts.FIGURE_LABELS["contracts"]), [b.figures.contracts for b in months.buckets]),
                    (str(layouts.FIGURE_LABELS["walk_ins"]), [b.figures.walk_ins for b in months.buckets]),
                ],
            )
        )
    return layouts.period_document(
        slug="monthly", title=_("Monthly sales report"), rule="RPT-03", report=report, previous=previous,
        targets=_targets(scoped, params.period, "month"), effects=sources.activity_effects(scope=scoped, period=params.period),
        link=link if scoped.personal else None, filters=printed_filters(scope, params, names),
        previous_label=_("Previous month"), extra_tables=extra_tables, extra_charts=extra_charts,
    )  # fmt: skip


def build_funnel(scope: Scope, params: ReportParams, link: Link | None) -> ReportDocument:
    """RPT-04."""
    scoped = scope.narrowed_to(params.salesperson_id)
    report = funnel.funnel_report(scope=scoped, period=params.period, group=params.group)
    return layouts.funnel_document(report, scope.site.name, printed_filters(scope, params, {}))


def build_sources(scope: Scope, params: ReportParams, link: Link | None) -> ReportDocument:
    """RPT-05 with MKT-02 by activity."""
    scoped = scope.narrowed_to(params.salesperson_id)
    return layouts.sources_document(
        sources.sources_report(scope=scoped, period=params.period),
        sources.activity_effects(scope=scoped, period=params.period),
        scope.site.name, printed_filters(scope, params, {}),
    )  # fmt: skip


def build_inventory(scope: Scope, params: ReportParams, link: Link | None) -> ReportDocument:
    """RPT-06 with the UNIT-05 alerts (from the deals app, for those who may read units)."""
    from django.utils import timezone

    from deals import selectors as deal_selectors
    from salesoffice.core import access
    from salesoffice.core.roles import Cap

    report = inventory.inventory_report(scope=scope)
    alerts: list[str] = []
    if scope.viewer is not None and access.can(scope.viewer, scope.site.pk, Cap.UNITS_READ):
        for alert in deal_selectors.inventory_alerts(
            user=scope.viewer, site=scope.site.pk, now=timezone.now()
        ):
            if alert.kind == "low_layout":
                share = int((alert.remaining_share or 0) * 100)
                alerts.append(
                    _("Layout %(layout)s: only %(share)s%% left") % {"layout": alert.layout, "share": share}
                )
            else:
                alerts.append(_("%(count)s units unsold for a long time") % {"count": len(alert.units)})
    filters = [
        (_("Site"), scope.site.name),
        (_("Scope"), str(SCOPE_LABELS[scope.kind])),
        (_("As of"), _("now")),
    ]
    return layouts.inventory_document(report, alerts, scope.site.name, filters)


def build_money(scope: Scope, params: ReportParams, link: Link | None) -> ReportDocument:
    """RPT-07."""
    report = money.money_report(scope=scope, period=params.period, as_of=params.period.last)
    return layouts.money_document(
        report, scope.personal, link if scope.personal and scope.kind != ScopeKind.MONEY else None,
        scope.site.name, printed_filters(scope, params, {}),
    )  # fmt: skip


def build_team(scope: Scope, params: ReportParams, link: Link | None) -> ReportDocument:
    """TEAM-01/02 with ROTA-09."""
    report = team.team_report(scope=scope, period=params.period)
    return layouts.team_document(report, scope.site.name, printed_filters(scope, params, {}), link)


def build_marketing(scope: Scope, params: ReportParams, link: Link | None) -> ReportDocument:
    """MKT-02."""
    effects = sources.activity_effects(scope=scope, period=params.period)
    return layouts.marketing_document(effects, scope.site.name, printed_filters(scope, params, {}))


def build_service(scope: Scope, params: ReportParams, link: Link | None) -> ReportDocument:
    """RPT-08: the service statistics of SVC-08 and the satisfaction results of SVC-06, from handover."""
    from handover.selectors import service_statistics

    start = dt.datetime.combine(params.period.first, dt.time.min, tzinfo=scope.tz)
    end = dt.datetime.combine(params.period.last + dt.timedelta(days=1), dt.time.min, tzinfo=scope.tz)
    statistics = service_statistics(user=scope.viewer, site=scope.site.pk, start=start, end=end)
    return layouts.service_document(statistics, scope.site.name, printed_filters(scope, params, {}))


def build_group_monthly(report: group.GroupMonthlyReport) -> ReportDocument:
    """RPT-03 across sites (集团营销月报), with its filter as printed (RPT-09): the month, the sites and the
    zone and cut-off each site counts the month by."""
    period = report.period
    pairs: dict[tuple[str, dt.time], int] = {}
    for row in report.rows:
        pairs[(row.time_zone, row.daily_cutoff)] = pairs.get((row.time_zone, row.daily_cutoff), 0) + 1
    cutoffs = "; ".join(
        f"{zone} {cutoff:%H:%M}" + (f" ({count})" if len(pairs) > 1 else "")
        for (zone, cutoff), count in sorted(pairs.items())
    )
    filters = [
        (_("Month"), f"{period.first:%Y-%m}"),
        (_("Period"), f"{period.first.isoformat()} – {period.last.isoformat()}"),
        (_("Sites"), str(len(report.rows))),
        (_("Time zone and daily cut-off"), cutoffs),
    ]
    return layouts.group_monthly_document(
        report, title=_("Group monthly sales report"), filters=filters,
        group_name=_("%(count)s sites") % {"count": len(report.rows)},
    )  # fmt: skip


_SITE = frozenset({ScopeKind.SITE, ScopeKind.AGGREGATE})
CATALOGUE.update({
    "weekly": Entry(gettext_lazy("Weekly sales report"), "RPT-02", ACTIVITY_SCOPES, build_weekly),
    "monthly": Entry(gettext_lazy("Monthly sales report"), "RPT-03", ACTIVITY_SCOPES, build_monthly),
    "funnel": Entry(gettext_lazy("Sales funnel"), "RPT-04", ACTIVITY_SCOPES, build_funnel),
    "sources": Entry(gettext_lazy("Sources"), "RPT-05", frozenset({ScopeKind.SITE, ScopeKind.TEAM, ScopeKind.AGGREGATE}), build_sources),
    "inventory": Entry(gettext_lazy("Inventory"), "RPT-06", frozenset({ScopeKind.SITE, ScopeKind.MONEY, ScopeKind.TEAM, ScopeKind.AGGREGATE}), build_inventory),
    "money": Entry(gettext_lazy("Money"), "RPT-07", frozenset({ScopeKind.SITE, ScopeKind.MONEY, ScopeKind.AGGREGATE}), build_money),
    "team": Entry(gettext_lazy("Team"), "TEAM-01/02", frozenset({ScopeKind.SITE, ScopeKind.TEAM}), build_team),
    "marketing": Entry(gettext_lazy("Marketing effect"), "MKT-02", _SITE, build_marketing),
    "service": Entry(gettext_lazy("Service"), "RPT-08", frozenset({ScopeKind.SITE, ScopeKind.SERVICE, ScopeKind.AGGREGATE}), build_service),
})  # fmt: skip
