"""RPT-09 dashboards: what each role sees first. Salesperson: my day; manager: the site today, approvals
waiting and alerts; finance: money. Each block is one of the report selectors, so figures agree."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count

from deals import selectors as deal_selectors
from deals.models import ApprovalRequest, Deposit
from salesoffice.core import access
from salesoffice.core.roles import Cap
from salesoffice.reports import rules
from salesoffice.reports.selectors.activity import ActivityReport, activity_report, daily_report
from salesoffice.reports.selectors.common import ACTIVITY_SCOPES, Scope, ScopeKind, report_scope
from salesoffice.reports.selectors.money import MoneyReport, money_report


@dataclasses.dataclass(frozen=True)
class Alert:
    kind: str
    text: str
    count: int


@dataclasses.dataclass(frozen=True)
class Dashboard:
    scope: Scope | None
    today: dt.date | None = None
    day: ActivityReport | None = None
    week: ActivityReport | None = None
    approvals_waiting: int = 0
    approvals_by_kind: dict[str, int] = dataclasses.field(default_factory=dict)
    holds_ending_today: int = 0
    alerts: tuple[Alert, ...] = ()
    money: MoneyReport | None = None


def dashboard_for(*, user: Any, site_id: int, now: dt.datetime) -> Dashboard:
    """RPT-09: the dashboard of the widest report scope the user holds at the site (none: an empty one)."""
    try:
        scope = report_scope(user, site_id, allowed=set(ScopeKind))
    except PermissionDenied:  # no report capability at this site: the dashboard shows the links only
        return Dashboard(scope=None)
    today = rules.business_day(now, scope.cutoff, scope.tz)
    if scope.kind == ScopeKind.MONEY:
        month = rules.month_of(today)
        return Dashboard(
            scope=scope,
            today=today,
            money=money_report(scope=scope, period=rules.Period(month.kind, month.first, today), as_of=today),
        )
    if scope.kind not in ACTIVITY_SCOPES:
        return Dashboard(scope=scope, today=today)
    day = daily_report(scope=scope, day=today)
    week = activity_report(
        scope=scope,
        period=rules.Period(rules.PeriodKind.CUSTOM, today - dt.timedelta(days=6), today),
        by="day",
        with_overdue=False,
    )
    _after, until = rules.bounds(rules.day_of(today), scope.cutoff, scope.tz)
    holds = (
        Deposit.objects.using(scope.db)
        .filter(site_id=scope.site.pk, status=Deposit.Status.ACTIVE, hold_until__lte=until)
        .filter(scope.people_q("salesperson_id"))
        .count()
    )
    if scope.kind != ScopeKind.SITE:
        return Dashboard(scope=scope, today=today, day=day, week=week, holds_ending_today=holds)
    waiting = dict(
        ApprovalRequest.objects.using(scope.db)
        .filter(site_id=scope.site.pk, status=ApprovalRequest.Status.REQUESTED)
        .values_list("kind")
        .annotate(count=Count("pk"))
        .order_by()
    )
    alerts: list[Alert] = []
    if access.can(user, site_id, Cap.UNITS_READ):
        for alert in deal_selectors.inventory_alerts(user=user, site=site_id, now=now):
            if alert.kind == "low_layout":
                alerts.append(Alert("low_layout", alert.layout, int((alert.remaining_share or 0) * 100)))
            else:
                alerts.append(Alert("unsold", "", len(alert.units)))
    if day.totals.follow_ups_overdue:
        alerts.append(Alert("follow_ups_overdue", "", day.totals.follow_ups_overdue))
    return Dashboard(
        scope=scope, today=today, day=day, week=week, approvals_waiting=sum(waiting.values()),
        approvals_by_kind=waiting, holds_ending_today=holds, alerts=tuple(alerts),
    )  # fmt: skip
