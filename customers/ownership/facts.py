"""The records the ownership engine decides from (OWN-17: records are the only evidence).

Each fact is a frozen dataclass built by the Django layer from a stored row, or by
``customers.simulation`` from the JSON of ``POST /api/v1/ownership/simulate/`` (OWN-19). Customers,
salespeople and channel agents are opaque labels. Every datetime is timezone-aware; constructors
raise ``ValueError`` on facts that cannot be true, so the engine never sees them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal

from customers.ownership.days import require_aware
from customers.ownership.shares import Shares, check_shares, frozen_shares

REGISTRATION_CHANNELS = ("visit", "call")
SOURCES = (
    "walk_in",
    "call",
    "referral",
    "developer_referral",
    "staff_referral",
    "channel",
    "exhibition",
    "event",
    "phone_invitation",
    "newspaper",
    "tv",
    "outdoor",
    "online",
    "flyer",
    "home_visit",
    "other",
)
RELATIONS = ("spouse", "parent", "child", "sibling", "relative", "friend", "colleague")
DEPOSIT_KINDS = ("small", "large")
DECISION_KINDS = (
    "dispute",  # DISP-02: the manager's arbitration, owner and shares as written
    "reassignment_service",  # OWN-08/OWN-15: confirmed service complaint, the former owner gets nothing
    "reassignment_other",  # OWN-08: the customer insists for another cause
    "pool_distribution",  # OWN-01 B, OWN-03, OWN-04, OWN-09, OWN-12: the manager assigns a pool customer
    "revocation",  # OWN-15: ownership revoked for a complaint or violation
    "departure",  # OWN-09: the owner left; the customer is handed over
    "no_contact_exemption",  # OWN-04: the customer asked not to be called; protection holds
    "roll_confirmation",  # OWN-18: the customer is on the confirmed valid-customer roll
    "confiscation",  # OWN-18 option: unresolved roll dispute, commission to the activity fund
    "invitation_objection",  # OWN-11: an objection with evidence of a phone invitation, upheld
    "cooperation",  # OWN-10: a stand-in's deposit confirmed as a cooperation deal (共单)
    "channel_assignment",  # CHAN-05: a cancelled channel claim; the manager assigns the customer
)
DECISION_KINDS_NEEDING_OWNER = (
    "reassignment_service",
    "reassignment_other",
    "pool_distribution",
    "roll_confirmation",
    "channel_assignment",
)
DECISION_KINDS_NEEDING_PARTY = ("invitation_objection", "cooperation")
MASKED_PHONE = re.compile(r"^1\d{2}\*{3}\d{5}$")


def _require_choice(value: str, choices: tuple[str, ...], name: str) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of " + ", ".join(choices))


def _require_label(value: str, name: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty label")


@dataclasses.dataclass(frozen=True)
class Registration:
    """A visit or call registration (REG-01), the evidence of first contact (OWN-01).

    ``complete`` is REG-02's three basic items; an incomplete registration gives no ownership (OWN-14).
    ``recorded_at`` after the daily cut-off makes it late: it then ranks by recording time (REG-03).
    What the door learned feeds OWN-05: ``said_first_visit`` (None: not asked and not said),
    ``owner_present`` (None: unknown; at an event: the owner was there and did not react, OWN-12),
    ``declined_former``. ``named`` is the salesperson the customer named before being received
    (OWN-02, OWN-04, OWN-11, OWN-12, OWN-13) or the agent they named (CHAN-03). ``standin`` marks a
    knowing stand-in for the absent owner and ``concealed`` a receiver who hid that the customer was
    another's (OWN-10). ``appointment_entered`` is the appointment a caller made that was entered in
    advance (OWN-01 C). ``brought_by`` is the channel agent who brought the customer in person (CHAN-04).
    """

    id: str
    customer: str
    salesperson: str
    channel: str
    contact_at: dt.datetime
    recorded_at: dt.datetime
    complete: bool
    name: str = ""
    phones: tuple[str, ...] = ()
    named: str | None = None
    source: str = "walk_in"
    said_first_visit: bool | None = None
    owner_present: bool | None = None
    declined_former: bool = False
    standin: bool = False
    concealed: bool = False
    appointment_entered: bool = False
    brought_by: str | None = None

    def __post_init__(self) -> None:
        for name in ("id", "customer", "salesperson"):
            _require_label(getattr(self, name), name)
        _require_choice(self.channel, REGISTRATION_CHANNELS, "channel")
        _require_choice(self.source, SOURCES, "source")
        require_aware(self.contact_at, "contact_at")
        require_aware(self.recorded_at, "recorded_at")
        if self.recorded_at < self.contact_at:
            raise ValueError("recorded_at must not be before contact_at")


@dataclasses.dataclass(frozen=True)
class FollowUp:
    """A follow-up contact (FUP-03); only one that ``reached`` the customer renews protection (OWN-04).

    ``recorded_at`` defaults to ``at``; a follow-up filed after the cut-off counts from its recording (REG-03).
    """

    id: str
    customer: str
    salesperson: str
    at: dt.datetime
    reached: bool
    recorded_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        for name in ("id", "customer", "salesperson"):
            _require_label(getattr(self, name), name)
        require_aware(self.at, "at")
        if self.recorded_at is not None:
            require_aware(self.recorded_at, "recorded_at")
            if self.recorded_at < self.at:
                raise ValueError("recorded_at must not be before at")


@dataclasses.dataclass(frozen=True)
class Relation:
    """CUS-02: ``relation`` says what ``b`` is to ``a``. Feeds household collisions (OWN-07).

    ``recorded_at`` is when the link became known; None means it came to light only afterwards.
    """

    id: str
    a: str
    b: str
    relation: str
    recorded_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        for name in ("id", "a", "b"):
            _require_label(getattr(self, name), name)
        _require_choice(self.relation, RELATIONS, "relation")
        if self.a == self.b:
            raise ValueError("a and b must be different customers")
        if self.recorded_at is not None:
            require_aware(self.recorded_at, "recorded_at")


@dataclasses.dataclass(frozen=True)
class Referral:
    """OWN-06: ``referrer`` introduced ``referred``.

    ``named`` is the salesperson the new customer named; ``announced_at`` is when the referrer's owner
    recorded the new customer in advance and the manager saw it; ``accompanied`` means the old customer
    came along. ``introduced_at`` is when the introduction came with a visit or call (None: with the
    first one); registrations before it are not referred. A chance meeting (不期而遇) is not a referral
    and is not recorded as one. A referral claims the customer once: after that claim ends, it is spent.
    """

    id: str
    referrer: str
    referred: str
    named: str | None = None
    announced_at: dt.datetime | None = None
    accompanied: bool = False
    introduced_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        for name in ("id", "referrer", "referred"):
            _require_label(getattr(self, name), name)
        if self.referrer == self.referred:
            raise ValueError("referrer and referred must be different customers")
        for name in ("announced_at", "introduced_at"):
            moment = getattr(self, name)
            if moment is not None:
                require_aware(moment, name)


@dataclasses.dataclass(frozen=True)
class RelationshipCustomer:
    """OWN-03: a salesperson recorded a relative or friend in advance (关系户)."""

    id: str
    salesperson: str
    customer: str
    recorded_at: dt.datetime

    def __post_init__(self) -> None:
        for name in ("id", "salesperson", "customer"):
            _require_label(getattr(self, name), name)
        require_aware(self.recorded_at, "recorded_at")


@dataclasses.dataclass(frozen=True)
class Deposit:
    """A small or large deposit taken by ``salesperson`` (DEP-01/02). The first deposit of either kind
    closes the customer to its owner (OWN-04, D-AMB-09); a cancelled one does not (subject to cancellation).
    """

    id: str
    customer: str
    salesperson: str
    kind: str
    at: dt.datetime
    cancelled: bool = False

    def __post_init__(self) -> None:
        for name in ("id", "customer", "salesperson"):
            _require_label(getattr(self, name), name)
        _require_choice(self.kind, DEPOSIT_KINDS, "kind")
        require_aware(self.at, "at")


@dataclasses.dataclass(frozen=True)
class Decision:
    """A site manager's decision (DISP-02 and the OWN rules that name the manager); later verdicts respect it.

    ``owner`` None sends the customer to the public pool. ``performance`` and ``commission``, when given,
    are the shares as decided; otherwise the kind's rule sets them. ``party`` is the other salesperson a
    kind refers to (the objector of ``invitation_objection``, the stand-in of ``cooperation``). ``until``
    is the date a ``no_contact_exemption`` runs to.
    """

    id: str
    customer: str
    kind: str
    at: dt.datetime
    owner: str | None = None
    performance: Shares | None = None
    commission: Shares | None = None
    reason: str = ""
    party: str | None = None
    until: dt.date | None = None

    def __post_init__(self) -> None:
        for name in ("id", "customer"):
            _require_label(getattr(self, name), name)
        _require_choice(self.kind, DECISION_KINDS, "kind")
        require_aware(self.at, "at")
        if self.kind in DECISION_KINDS_NEEDING_OWNER and self.owner is None:
            raise ValueError(f"a {self.kind} decision must name the owner")
        if self.kind in DECISION_KINDS_NEEDING_PARTY and self.party is None:
            raise ValueError(f"a {self.kind} decision must name the party")
        for name in ("performance", "commission"):
            shares: Mapping[str, Decimal] | None = getattr(self, name)
            if shares is not None:
                check_shares(shares, name)
                object.__setattr__(self, name, frozen_shares(shares))


@dataclasses.dataclass(frozen=True)
class ChannelReport:
    """A channel agent's report before the visit (CHAN-01), matched at the first visit (CHAN-03).

    ``masked_phone`` is the first 3 and last 5 digits (``139***12345``); ``expected_at`` is a date or a
    datetime. ``rereports`` counts the consecutive re-reports this one continues (0 for a first report;
    above the policy's maximum the report is refused, CHAN-02); ``cancelled`` is CHAN-05;
    ``evidence_before_visit`` is CHAN-03's evidence for a report that arrived after the first visit.
    """

    id: str
    agent: str
    customer_name: str
    masked_phone: str
    reported_at: dt.datetime
    expected_at: dt.date
    team: str = ""
    rereports: int = 0
    cancelled: bool = False
    evidence_before_visit: bool = False

    def __post_init__(self) -> None:
        for name in ("id", "agent", "customer_name"):
            _require_label(getattr(self, name), name)
        if not MASKED_PHONE.match(self.masked_phone):
            raise ValueError("masked_phone must be 3 digits, ***, 5 digits (139***12345)")
        require_aware(self.reported_at, "reported_at")
        if isinstance(self.expected_at, dt.datetime):
            require_aware(self.expected_at, "expected_at")
        if isinstance(self.rereports, bool) or self.rereports < 0:
            raise ValueError("rereports must be a whole number, 0 or more")


Fact = (
    Registration | FollowUp | Relation | Referral | RelationshipCustomer | Deposit | Decision | ChannelReport
)
