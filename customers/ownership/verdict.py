"""What the engine answers per customer: the ownership verdict and the parts it is made of."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from customers.ownership.shares import Shares


@dataclasses.dataclass(frozen=True)
class Lapse:
    """Ownership that ended by expiry (OWN-04; OWN-06 with a referral window).

    ``ended_on`` is the last protected local day; ``fact`` the record whose protection ran out.
    """

    former_owner: str
    ended_on: dt.date
    rule: str
    fact: str | None


@dataclasses.dataclass(frozen=True)
class ChannelMatch:
    """The channel of record (CHAN-03/04): the matched report, or the agent who brought the customer."""

    agent: str
    report: str | None
    team: str
    rule: str


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The ownership of one customer at one moment, with the rules and records that decided it.

    ``owner`` None means the public pool (公共客户). ``protected_until`` is the last local day of
    protection, inclusive; it is None in the pool and for a closed customer (``closed``: held for good
    after a deposit, OWN-04). ``performance`` and ``commission`` are the shares a deal credits, each
    summing to 100 (empty in the pool). ``commission_factor`` multiplies the commission rate (OWN-13).
    ``rules`` are the rule IDs in the order they applied, ``facts`` the ids of the deciding records.
    ``lapse`` is the latest expiry in this customer's history; ``awaiting_decision`` names the rule
    under which the site manager still has to act (OWN-01 B, OWN-07 D, OWN-12).
    """

    customer: str
    owner: str | None
    protected_until: dt.date | None
    closed: bool
    performance: Shares
    commission: Shares
    commission_factor: Decimal
    channel: ChannelMatch | None
    rules: tuple[str, ...]
    facts: tuple[str, ...]
    lapse: Lapse | None = None
    awaiting_decision: str | None = None

    @property
    def public_pool(self) -> bool:
        return self.owner is None
