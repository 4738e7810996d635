"""Customer ownership (客户归属) as a pure policy function: records in, verdicts out (OWN-01..OWN-19).

No Django, no database, no clock: the caller passes the records as frozen fact dataclasses, the site's
``Policy``, the moment ``at`` and the site's time zone. The Django layer turns rows into facts, calls
``decide`` whenever a record arrives and from the nightly expiry job, and stores each changed verdict.
"""

from customers.ownership.days import SITE_TZ
from customers.ownership.disputes import dispute_allowed, dispute_window_closes
from customers.ownership.engine import NO_CONTACT_EXEMPTION_MAX_DAYS, decide
from customers.ownership.facts import (
    DECISION_KINDS,
    DEPOSIT_KINDS,
    REGISTRATION_CHANNELS,
    RELATIONS,
    SOURCES,
    ChannelReport,
    Decision,
    Deposit,
    Fact,
    FollowUp,
    Referral,
    Registration,
    Relation,
    RelationshipCustomer,
)
from customers.ownership.money import commission_amounts
from customers.ownership.shares import ACTIVITY_FUND, Shares
from customers.ownership.verdict import ChannelMatch, Lapse, Verdict

__all__ = [
    "ACTIVITY_FUND",
    "DECISION_KINDS",
    "DEPOSIT_KINDS",
    "NO_CONTACT_EXEMPTION_MAX_DAYS",
    "REGISTRATION_CHANNELS",
    "RELATIONS",
    "SITE_TZ",
    "SOURCES",
    "ChannelMatch",
    "ChannelReport",
    "Decision",
    "Deposit",
    "Fact",
    "FollowUp",
    "Lapse",
    "Referral",
    "Registration",
    "Relation",
    "RelationshipCustomer",
    "Shares",
    "Verdict",
    "commission_amounts",
    "decide",
    "dispute_allowed",
    "dispute_window_closes",
]
