"""The channel of record of a customer: channel reports matched at the first visit (CHAN-02, CHAN-03, CHAN-04).

The channel is a second attribution beside the salesperson's ownership (D-CHAN-10); it never moves
ownership.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from customers.ownership.days import days_after, local_day
from customers.ownership.facts import ChannelReport, Registration
from customers.ownership.verdict import ChannelMatch
from salesoffice.core.policy import Policy

_HONORIFICS = ("先生", "女士", "小姐", "太太")
_MOBILE_DIGITS = 11


def channel_of_record(
    registrations: Sequence[Registration], reports: Sequence[ChannelReport], *, policy: Policy, tz: ZoneInfo
) -> ChannelMatch | None:
    """CHAN-03: match the first visit with the valid reports by phone prefix + suffix and name.

    CHAN-04: of several matching reports the earliest wins; an agent who brought the customer in
    person wins only when no report matches. No match: a natural visitor (自然来访), None.
    """
    visits = [registration for registration in registrations if registration.channel == "visit"]
    if not visits:
        return None
    first_visit = min(
        visits, key=lambda registration: (registration.contact_at, registration.recorded_at, registration.id)
    )
    matching: list[ChannelReport] = []
    if reports:  # most customers have none: their numbers and names need not be read
        phones = {_mobile(phone) for registration in registrations for phone in registration.phones}
        names = {registration.name for registration in registrations if registration.name}
        matching = sorted(
            (
                report
                for report in reports
                if _same_person(report, phones, names)
                and _counts_at_first_visit(report, first_visit, policy, tz)
            ),
            key=lambda report: (report.reported_at, report.id),
        )
    if matching:
        best = matching[0]
        return ChannelMatch(
            agent=best.agent,
            report=best.id,
            team=best.team,
            rule="CHAN-04" if len(matching) > 1 else "CHAN-03",
        )
    if first_visit.brought_by:
        return ChannelMatch(agent=first_visit.brought_by, report=None, team="", rule="CHAN-04")
    return None


def report_valid_through(report: ChannelReport, policy: Policy, tz: ZoneInfo) -> dt.date:
    """CHAN-02: valid for ``channel_report_valid_days`` days counting the report's own day ("包含7天")."""
    return days_after(local_day(report.reported_at, tz), policy.channel_report_valid_days - 1)


def _counts_at_first_visit(
    report: ChannelReport, first_visit: Registration, policy: Policy, tz: ZoneInfo
) -> bool:
    # CHAN-05 cancels a report; past the re-report limit the customer is public and reports are refused.
    if report.cancelled or report.rereports > policy.channel_max_rereports:
        return False
    if report.reported_at <= first_visit.contact_at:
        return local_day(first_visit.contact_at, tz) <= report_valid_through(report, policy, tz)
    # A report after the first visit counts only with earlier evidence or if the customer names the agent.
    return report.evidence_before_visit or first_visit.named == report.agent


def _same_person(report: ChannelReport, phones: set[str], names: set[str]) -> bool:
    prefix, suffix = report.masked_phone[:3], report.masked_phone[-5:]
    phone_matches = any(
        len(phone) == _MOBILE_DIGITS and phone.startswith(prefix) and phone.endswith(suffix)
        for phone in phones
    )
    return phone_matches and any(_name_matches(report.customer_name, name) for name in names)


def _name_matches(reported: str, registered: str) -> bool:
    """A report gives the full name or the surname, possibly with an honorific (孙先生)."""
    if reported == registered:
        return True
    stem = reported
    for honorific in _HONORIFICS:
        stem = stem.removesuffix(honorific)
    return bool(stem) and registered.startswith(stem)


def _mobile(phone: str) -> str:
    digits = "".join(character for character in phone if character.isdigit())
    if len(digits) == _MOBILE_DIGITS + 2 and digits.startswith("86"):
        return digits[2:]
    return digits
