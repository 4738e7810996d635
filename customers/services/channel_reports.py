"""Channel agents' reports before the visit (CHAN-01..CHAN-06).

Matching a report with a customer is the ownership engine's answer (the verdict's channel, CHAN-03/04);
this module stores reports, re-reports, cancellations and counter confirmations, and marks the report
a verdict names as matched.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.exceptions import ChannelReportRefused, InvalidRegistration
from customers.facts import channel_report_fact
from customers.models import ChannelReport, Customer, StaffReferral
from customers.ownership.channels import report_valid_through
from customers.ownership.days import local_day
from customers.services.verdicts import decision_record, ownership_refresh, site_zone
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import NotAllowed
from salesoffice.core.models import Membership, Site
from salesoffice.core.policy import Policy
from salesoffice.core.roles import MANAGER_ROLES, SALES_ROLES, Cap, Role
from salesoffice.core.services import policy_current

MASKED_MOBILE = re.compile(r"^(1\d{2})\*{3}(\d{5})$")
MIN_REASON_LENGTH = 6
VERIFIER_ROLES = MANAGER_ROLES | {Role.SUPERVISOR}


def _refused(message: str, field: str) -> ChannelReportRefused:
    return ChannelReportRefused(message, fields={field: [message]})


def masked_mobile_split(text: str) -> tuple[str, str]:
    """CHAN-01, SEC-02: the mobile as sent by the agent, first 3 + ``***`` + last 5 (``138***88888``)."""
    match = MASKED_MOBILE.match((text or "").strip())
    if match is None:
        raise _refused(
            _("Enter the mobile as its first 3 and last 5 digits with *** between, e.g. 138***88888."),
            "masked_phone",
        )
    return match.group(1), match.group(2)


def report_valid_until(report: ChannelReport, policy: Policy, site: Site) -> dt.date:
    """CHAN-02: the last local day the report is valid, the report's own day counted."""
    return report_valid_through(channel_report_fact(report), policy, site_zone(site))


def _check_expectation(
    *,
    today: dt.date,
    valid_until: dt.date,
    expected_date: dt.date,
    period: str,
    expected_time: dt.time | None,
) -> None:
    """CHAN-01/02: the expected visit lies within the validity; a visit today gives morning or
    afternoon and the time."""
    if not today <= expected_date <= valid_until:
        raise _refused(
            _("The expected visit must be between today and %(date)s.") % {"date": valid_until.isoformat()},
            "expected_date",
        )
    if expected_date == today and (not period or expected_time is None):
        raise _refused(_("For a visit today give morning or afternoon and the time."), "expected_time")
    if period and expected_time is not None:
        afternoon = expected_time >= dt.time(12, 0)
        if afternoon != (period == ChannelReport.Period.AFTERNOON):
            raise _refused(_("The time does not match morning or afternoon."), "expected_time")


def _public_after_rereports(site: Site, prefix: str, suffix: str, policy: Policy) -> bool:
    """CHAN-02: after the maximum consecutive re-reports expired without a visit the customer is public
    (公号) and no report on them is accepted any more."""
    return ChannelReport.objects.filter(
        site=site,
        phone_prefix=prefix,
        phone_suffix=suffix,
        status=ChannelReport.Status.EXPIRED,
        rereports__gte=policy.channel_max_rereports,
    ).exists()


@transaction.atomic
def channel_report_create(
    *,
    site: Site,
    actor: Any,
    customer_name: str,
    masked_phone: str,
    team: str,
    agent_full_name: str,
    expected_date: dt.date,
    expected_period: str = "",
    expected_time: dt.time | None = None,
) -> ChannelReport:
    """CHAN-01: an agent reports a customer before the first visit; stamped on receipt (``reported_at``).

    CHAN-02: refused for a customer who became public after the maximum re-reports; a report on a
    customer the same agent still has a valid report for is refused too (re-report instead)."""
    access.require(actor, site.pk, Cap.CHANNEL_REPORT)
    fields: dict[str, list[str]] = {}
    for name, value, limit in (
        ("customer_name", customer_name, 50),
        ("team", team, 100),
        ("agent_full_name", agent_full_name, 50),
    ):
        if not (value or "").strip():
            fields[name] = [_("This field is required.")]
        elif len(value.strip()) > limit:
            fields[name] = [_("At most %(limit)s characters.") % {"limit": limit}]
    if fields:
        raise InvalidRegistration(_("Please correct the marked fields."), fields=fields)
    prefix, suffix = masked_mobile_split(masked_phone)
    policy, _version = policy_current(site=site)
    now = timezone.now()
    today = local_day(now, site_zone(site))
    valid_until = today + dt.timedelta(days=policy.channel_report_valid_days - 1)
    _check_expectation(
        today=today,
        valid_until=valid_until,
        expected_date=expected_date,
        period=expected_period,
        expected_time=expected_time,
    )
    if _public_after_rereports(site, prefix, suffix, policy):
        raise _refused(
            _("This customer was re-reported too often and is now public; no report is accepted."),
            "masked_phone",
        )
    if ChannelReport.objects.filter(
        site=site, agent=actor, phone_prefix=prefix, phone_suffix=suffix, status=ChannelReport.Status.VALID
    ).exists():
        raise _refused(_("You already have a valid report on this customer."), "masked_phone")
    report = ChannelReport.objects.create(
        site=site, agent=actor, agent_full_name=agent_full_name.strip(), team=team.strip(),
        customer_name=customer_name.strip(), phone_prefix=prefix, phone_suffix=suffix,
        expected_date=expected_date, expected_period=expected_period, expected_time=expected_time,
        visit_token=secrets.token_urlsafe(16)[:22],
    )  # fmt: skip
    audit_record(
        action="channel.report", actor=actor, site=site, obj=report,
        after={"masked_phone": report.masked_phone, "expected_date": expected_date},
    )  # fmt: skip
    return report


@transaction.atomic
def channel_report_rereport(
    *,
    report: ChannelReport,
    actor: Any,
    reason: str,
    expected_date: dt.date,
    expected_period: str = "",
    expected_time: dt.time | None = None,
) -> ChannelReport:
    """CHAN-02: after the validity the agent re-reports with the reason the customer did not come.

    The re-report is a new row pointing at the previous one; the consecutive count goes up by one and
    past ``channel_max_rereports`` the report is refused (the customer is public)."""
    locked = ChannelReport.objects.select_for_update().get(pk=report.pk)
    if locked.agent_id != actor.pk:
        raise NotAllowed(_("Only the reporting agent re-reports."))
    if len((reason or "").strip()) < MIN_REASON_LENGTH:
        raise _refused(_("Explain in detail why the customer did not come."), "reason")
    return _rereport(
        locked, actor=actor, reason=reason.strip(), unreachable=False, verified_by=None,
        expected=(expected_date, expected_period, expected_time),
    )  # fmt: skip


def _rereport(
    previous: ChannelReport,
    *,
    actor: Any,
    reason: str,
    unreachable: bool,
    verified_by: Any,
    expected: tuple[dt.date, str, dt.time | None],
) -> ChannelReport:
    site = Site.objects.get(pk=previous.site_id)
    policy, _version = policy_current(site=site)
    if previous.status != ChannelReport.Status.EXPIRED:
        raise _refused(_("Only an expired report is re-reported."), "report")
    if previous.rereports >= policy.channel_max_rereports:
        raise _refused(
            _("This customer was re-reported too often and is now public; no report is accepted."), "report"
        )
    today = local_day(timezone.now(), site_zone(site))
    expected_date, period, time = expected
    _check_expectation(
        today=today,
        valid_until=today + dt.timedelta(days=policy.channel_report_valid_days - 1),
        expected_date=expected_date,
        period=period,
        expected_time=time,
    )
    report = ChannelReport.objects.create(
        site_id=previous.site_id, agent_id=previous.agent_id, agent_full_name=previous.agent_full_name,
        team=previous.team, customer_name=previous.customer_name, phone_prefix=previous.phone_prefix,
        phone_suffix=previous.phone_suffix, expected_date=expected_date, expected_period=period,
        expected_time=time, previous=previous, rereports=previous.rereports + 1, rereport_reason=reason,
        unreachable=unreachable, unreachable_verified_by=verified_by,
        visit_token=secrets.token_urlsafe(16)[:22],
    )  # fmt: skip
    previous.status = ChannelReport.Status.REPLACED
    previous.save(update_fields=["status"])
    audit_record(
        action="channel.rereport", actor=actor, site=previous.site_id, obj=report,
        before={"report": previous.pk}, after={"rereports": report.rereports, "unreachable": unreachable},
        reason=reason,
    )  # fmt: skip
    return report


@transaction.atomic
def channel_report_unreachable_request(*, report: ChannelReport, actor: Any) -> ChannelReport:
    """CHAN-02: the agent says the customer could not be reached (phone off or disconnected); a sales
    supervisor or manager verifies it, and the verification is the re-report."""
    locked = ChannelReport.objects.select_for_update().get(pk=report.pk)
    if locked.agent_id != actor.pk:
        raise NotAllowed(_("Only the reporting agent re-reports."))
    if locked.status != ChannelReport.Status.EXPIRED:
        raise _refused(_("Only an expired report is re-reported."), "report")
    if locked.unreachable_requested_at is None:
        locked.unreachable_requested_at = timezone.now()
        locked.save(update_fields=["unreachable_requested_at"])
        audit_record(action="channel.unreachable_request", actor=actor, site=locked.site_id, obj=locked)
    return locked


@transaction.atomic
def channel_report_unreachable_verify(
    *, report: ChannelReport, actor: Any, expected_date: dt.date, expected_period: str = "",
    expected_time: dt.time | None = None,
) -> ChannelReport:  # fmt: skip
    """CHAN-02: a sales supervisor or the site manager confirms the customer was unreachable; that
    counts as a re-report (a new row, one more in the consecutive count)."""
    access.require(actor, report.site_id, Cap.CHANNEL_READ)
    if not access.roles_at(actor, report.site_id) & VERIFIER_ROLES:
        raise NotAllowed(_("A sales supervisor or the site manager verifies this."))
    locked = ChannelReport.objects.select_for_update().get(pk=report.pk)
    if locked.unreachable_requested_at is None:
        raise _refused(_("The agent has not said the customer was unreachable."), "report")
    return _rereport(
        locked, actor=actor, reason=_("Customer unreachable (verified)"), unreachable=True, verified_by=actor,
        expected=(expected_date, expected_period, expected_time),
    )  # fmt: skip


@transaction.atomic
def channel_report_cancel(
    *, report: ChannelReport, actor: Any, reason: str, assign_to_id: int | None = None
) -> ChannelReport:
    """CHAN-05: a complaint or violation cancels the report's claim (the site manager decides); the
    customer's channel is re-decided without it, and the manager may assign the customer to a
    salesperson in the same decision (an ownership decision the verdicts respect)."""
    access.require(actor, report.site_id, Cap.DISPUTES_DECIDE)
    if not (reason or "").strip():
        raise InvalidRegistration(
            _("A decision needs a written reason."), fields={"reason": [_("This field is required.")]}
        )
    locked = ChannelReport.objects.select_for_update().get(pk=report.pk)
    if locked.status == ChannelReport.Status.CANCELLED:
        return locked
    before = locked.status
    locked.status = ChannelReport.Status.CANCELLED
    locked.cancelled_reason = reason.strip()
    locked.save(update_fields=["status", "cancelled_reason"])
    audit_record(
        action="channel.cancel", actor=actor, site=locked.site_id, obj=locked,
        before={"status": before}, after={"status": locked.status}, reason=reason,
    )  # fmt: skip
    if locked.matched_customer_id is None:
        if assign_to_id is not None:
            raise _refused(_("No customer has come in on this report yet."), "assign_to")
        return locked
    customer = Customer.objects.get(pk=locked.matched_customer_id)
    if assign_to_id is None:
        ownership_refresh(customer=customer, cause="channel_cancel")
        return locked
    if not access.works_at(assign_to_id, locked.site_id, Role.SALESPERSON):
        raise _refused(_("Choose an active salesperson of this site."), "assign_to")
    decision_record(
        customer=customer, actor=actor, kind="channel_assignment", reason=reason, owner_id=assign_to_id
    )
    return locked


@transaction.atomic
def channel_visit_confirm(*, site: Site, actor: Any, visit_token: str) -> ChannelReport:
    """CHAN-03: the report's QR code scanned at the counter on arrival (扫码带访) confirms the visit and
    binds it to the report; the slip printed from it is the evidence nobody intercepted the customer."""
    access.require(actor, site.pk, Cap.REGISTRATIONS_CREATE)
    report = ChannelReport.objects.select_for_update().filter(site=site, visit_token=visit_token).first()
    if report is None:
        raise _refused(_("Unknown or foreign QR code."), "visit_token")
    if report.status in (ChannelReport.Status.CANCELLED, ChannelReport.Status.REPLACED):
        raise _refused(_("This report no longer counts."), "visit_token")
    if report.status == ChannelReport.Status.EXPIRED:
        raise _refused(_("This report has expired; the agent must re-report."), "visit_token")
    if report.visit_confirmed_at is None:
        report.visit_confirmed_at = timezone.now()
        report.visit_confirmed_by = actor
        report.save(update_fields=["visit_confirmed_at", "visit_confirmed_by"])
        audit_record(action="channel.visit_confirm", actor=actor, site=site, obj=report)
    return report


def channel_reports_match(*, customer: Customer, channel: dict[str, Any] | None) -> int:
    """CHAN-03: the report a stored verdict names as the channel of record is marked as visited and
    bound to the customer. Called after each stored verdict; idempotent."""
    label = (channel or {}).get("report")
    if not label or not str(label).startswith("k"):
        return 0
    return (
        ChannelReport.objects.filter(pk=int(str(label)[1:]), site_id=customer.site_id)
        .exclude(status__in=(ChannelReport.Status.CANCELLED, ChannelReport.Status.MATCHED))
        .update(status=ChannelReport.Status.MATCHED, matched_customer=customer)
    )


@transaction.atomic
def staff_referral_record(*, customer: Customer, referrer: Any, actor: Any) -> StaffReferral:
    """CHAN-06: the all-staff referral scheme (全民营销) excludes the site's own sales staff; with two
    referrers for one customer the first recorded counts (``office_selectors.staff_referral_counting``)."""
    access.require(actor, customer.site_id, Cap.CUSTOMERS_READ_ALL)
    if Membership.objects.filter(
        user=referrer, site_id=customer.site_id, is_active=True, role__in=[role.value for role in SALES_ROLES]
    ).exists():
        raise _refused(_("Salespeople of this site cannot be referrers in the staff scheme."), "referrer")
    referral, created = StaffReferral.objects.get_or_create(
        customer=customer, referrer=referrer, defaults={"site_id": customer.site_id, "recorded_by": actor}
    )
    if created:
        audit_record(
            action="channel.staff_referral", actor=actor, site=customer.site_id, obj=referral,
            after={"customer": customer.pk, "referrer": referrer.pk},
        )  # fmt: skip
    return referral
