"""Scoped reads for the office work around the registry: follow-ups due (FUP-02/04), the public pool
(OWN-04, OWN-12), channel reports (CHAN-01..06), lost-reason summaries (FUP-05), imports (CUS-06)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from customers.models import ChannelReport, Customer, CustomerImport, FollowUp, Source, StaffReferral
from customers.ownership.days import local_day
from salesoffice.core import access
from salesoffice.core.models import Membership, Site
from salesoffice.core.policy import Policy
from salesoffice.core.roles import Cap, Role
from salesoffice.core.services import policy_current

CALL_CADENCE_DAYS = 7  # FUP-02: "来电客户回访至少1次/周"
FOLLOWED_STATUSES = (Customer.Status.NEW, Customer.Status.FOLLOWING)
SORTS = {
    "protected_until": ("protected_until", "pk"),
    "-protected_until": ("-protected_until", "-pk"),
    "due_on": ("due_on", "pk"),
    "name": ("name", "pk"),
}


def site_zone(site: Site) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(site.time_zone)


def site_today(site: Site, at: dt.datetime | None = None) -> dt.date:
    """The site's local date now (or at ``at``)."""
    return local_day(at or timezone.now(), site_zone(site))


def _day_plus(start: Any, days: Any) -> Cast:
    """A local date plus a number of days, as a date (PostgreSQL: date + interval is a timestamp)."""
    return Cast(ExpressionWrapper(start + days, output_field=DateTimeField()), DateField())


def with_follow_up_due(
    queryset: QuerySet[Customer], *, policy: Policy, tz: zoneinfo.ZoneInfo
) -> QuerySet[Customer]:
    """FUP-02: ``due_on`` is the next date the owner set at the latest follow-up, else that follow-up's
    day plus the level's cadence (at most a week for customers who came by phone), else the first return
    call after the first visit (day 1).

    Computed from the customer's own row (the latest follow-up is kept on it), so a due list is one
    index range over the owner's customers with no subquery per customer (P4); the policy applies
    as it stands when the list is read. ``tz`` is the site's zone, in which days are counted."""
    cadences = policy.follow_up_cadence_days
    # Customers who came by phone are called at least weekly, whatever their level's cadence.
    call_cadences = [
        When(
            source=Source.CALL,
            level=level,
            then=Value(dt.timedelta(days=min(days, CALL_CADENCE_DAYS))),
        )
        for level, days in cadences.items()
    ]
    cadence = Case(
        *call_cadences,
        *[When(level=level, then=Value(dt.timedelta(days=days))) for level, days in cadences.items()],
        default=Value(dt.timedelta(days=max(cadences.values()))),
        output_field=DurationField(),
    )
    return queryset.annotate(
        due_on=Coalesce(
            F("next_follow_up_on"),
            _day_plus(TruncDate("last_follow_up_at", tzinfo=tz), cadence),
            _day_plus(
                TruncDate("created_at", tzinfo=tz),
                Value(dt.timedelta(days=policy.first_return_call_days), output_field=DurationField()),
            ),
            output_field=DateField(),
        )
    )


def _followed(*sites: Site) -> QuerySet[Customer]:
    return Customer.objects.filter(
        site__in=sites,
        owner__isnull=False,
        status__in=FOLLOWED_STATUSES,
        merged_into__isnull=True,
        anonymised_at__isnull=True,
    )


def my_customer_list(*, user: Any, site: Site, sort: str = "protected_until") -> QuerySet[Customer]:
    """OWN-04, FUP-04: the salesperson's own customers with protection end and next follow-up, sortable;
    a constant number of queries whatever the page size (P4)."""
    access.require(user, site.pk, Cap.CUSTOMERS_OWN)
    policy, _version = policy_current(site=site)
    rows = Customer.objects.filter(
        site=site, owner=user, merged_into__isnull=True, anonymised_at__isnull=True
    ).select_related("verdict")
    return with_follow_up_due(rows, policy=policy, tz=site_zone(site)).order_by(
        *SORTS.get(sort, SORTS["protected_until"])
    )


def follow_up_due_list(*, user: Any, site: Site, today: dt.date) -> QuerySet[Customer]:
    """FUP-04: the salesperson's follow-ups due today and overdue, most overdue first (P4)."""
    access.require(user, site.pk, Cap.CUSTOMERS_OWN)
    policy, _version = policy_current(site=site)
    rows = with_follow_up_due(_followed(site).filter(owner=user), policy=policy, tz=site_zone(site))
    return rows.filter(Q(due_on__lte=today)).order_by("due_on", "pk")


def follow_up_counts_by_owner(*, site: Site, today: dt.date) -> list[dict[str, Any]]:
    """FUP-04: per salesperson, how many follow-ups are due today and overdue (one grouped query)."""
    policy, _version = policy_current(site=site)
    return follow_up_counts(sites=[site], policy=policy, today=today)


def follow_up_counts(*, sites: list[Site], policy: Policy, today: dt.date) -> list[dict[str, Any]]:
    """FUP-04: per site and salesperson, the follow-ups due ``today`` and overdue, in one grouped query
    over sites that share the policy's cadence and a time zone (the morning reminders, P7)."""
    rows = with_follow_up_due(_followed(*sites), policy=policy, tz=site_zone(sites[0]))
    return list(
        rows.values("site", "owner", "owner__last_name", "owner__first_name", "owner__username")
        .annotate(
            due=Count("pk", filter=Q(due_on=today)),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
        )
        .order_by("site", "-overdue", "owner")
    )


def follow_up_overview(*, user: Any, site: Site, today: dt.date) -> list[dict[str, Any]]:
    """FUP-04: the manager sees each salesperson's overdue count."""
    access.require(user, site.pk, Cap.CUSTOMERS_READ_ALL)
    return follow_up_counts_by_owner(site=site, today=today)


def lost_reason_summary(*, user: Any, site: Site) -> list[dict[str, Any]]:
    """FUP-05: the manager's analysis of why customers did not buy (未成交原因分析)."""
    access.require(user, site.pk, Cap.CUSTOMERS_READ_ALL)
    labels = dict(Customer.LostReason.choices)
    rows = (
        Customer.objects.filter(site=site, status=Customer.Status.LOST, anonymised_at__isnull=True)
        .values("lost_reason")
        .annotate(count=Count("pk"))
        .order_by("-count", "lost_reason")
    )
    return [
        {"reason": row["lost_reason"], "label": labels.get(row["lost_reason"], "—"), "count": row["count"]}
        for row in rows
    ]


def level_history(*, customer: Customer) -> list[FollowUp]:
    """FUP-01: every level change recorded with a follow-up, newest first."""
    return list(
        FollowUp.objects.filter(customer=customer)
        .exclude(level_before=F("level_after"))
        .select_related("salesperson")
        .order_by("-at", "-pk")[:50]
    )


def active_salespeople(*, site: Site, exclude: Any = None) -> list[Any]:
    """OWN-03/04/09: the site's active salespeople in a stable order for rotations."""
    rows = (
        Membership.objects.filter(
            site=site, role=Role.SALESPERSON.value, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("user_id")
    )
    return [row.user for row in rows if exclude is None or row.user_id != getattr(exclude, "pk", exclude)]


def pool_list(*, user: Any, site: Site) -> QuerySet[Customer]:
    """OWN-04, OWN-12, OWN-03: customers nobody owns: lapsed, exhibition and event registrations and
    imports, developer or staff referrals waiting for the manager. Salespeople see it only when they
    may claim (``pool_self_claim``)."""
    access.require_site(user, site.pk)
    if not access.can(user, site.pk, Cap.DISPUTES_DECIDE):
        policy, _version = policy_current(site=site)
        access.require(user, site.pk, Cap.CUSTOMERS_OWN)
        if not policy.pool_self_claim:
            raise PermissionDenied
    return (
        Customer.objects.filter(
            site=site, owner__isnull=True, merged_into__isnull=True, anonymised_at__isnull=True
        )
        .exclude(status=Customer.Status.LOST)
        .select_related("verdict")
        .order_by("-last_activity_at", "-pk")
    )


def pool_category(customer: Customer) -> str:
    """Why a customer is in the pool, for the manager's page."""
    verdict = customer.verdict
    if verdict is not None and verdict.awaiting_decision == "OWN-12":
        return "exhibition"
    if customer.source in ("developer_referral", "staff_referral"):
        return "referred"
    if verdict is not None and verdict.lapse:
        return "lapsed"
    return "other"


def customers_of_leaver(*, user: Any, site: Site, leaver_id: Any) -> QuerySet[Customer]:
    """OWN-09: the leaver's not-closed customers, the written list the manager hands over."""
    access.require(user, site.pk, Cap.DISPUTES_DECIDE)
    return (
        Customer.objects.filter(site=site, owner_id=leaver_id, merged_into__isnull=True)
        .filter(Q(verdict__isnull=True) | Q(verdict__closed=False))
        .select_related("verdict")
        .order_by("pk")
    )


def channel_report_list(*, user: Any, site: Site) -> QuerySet[ChannelReport]:
    """CHAN-01, SEC-01: an agent sees only their own reports; sales staff read the site's to route."""
    access.require_site(user, site.pk)
    rows = ChannelReport.objects.filter(site=site).select_related("agent", "matched_customer")
    if access.can(user, site.pk, Cap.CHANNEL_READ):
        return rows.order_by("-reported_at", "-pk")
    access.require(user, site.pk, Cap.CHANNEL_REPORT)
    return rows.filter(agent=user).order_by("-reported_at", "-pk")


def channel_report_get(*, user: Any, report_id: Any) -> ChannelReport:
    """One report the user may see; another site's, or another agent's for an agent, is a 404."""
    try:
        pk = int(report_id)
    except (TypeError, ValueError):
        raise Http404 from None
    report = ChannelReport.objects.filter(pk=pk, site_id__in=access.site_ids_with(user)).first()
    if report is None:
        raise Http404
    if not access.can(user, report.site_id, Cap.CHANNEL_READ) and report.agent_id != user.pk:
        raise Http404
    return report


def channel_report_by_token(*, user: Any, site: Site, visit_token: str) -> ChannelReport:
    access.require(user, site.pk, Cap.REGISTRATIONS_CREATE)
    report = ChannelReport.objects.filter(site=site, visit_token=visit_token).select_related("agent").first()
    if report is None:
        raise Http404
    return report


def staff_referral_counting(*, customer: Customer) -> StaffReferral | None:
    """CHAN-06: of several referrers the first one recorded counts."""
    return (
        StaffReferral.objects.filter(customer=customer)
        .select_related("referrer")
        .order_by("recorded_at", "pk")
        .first()
    )


def customer_import_get(*, user: Any, import_id: Any) -> CustomerImport:
    try:
        pk = int(import_id)
    except (TypeError, ValueError):
        raise Http404 from None
    record = CustomerImport.objects.filter(pk=pk, site_id__in=access.site_ids_with(user)).first()
    if record is None:
        raise Http404
    access.require(user, record.site_id, Cap.DISPUTES_DECIDE)
    return record
