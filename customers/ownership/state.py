"""One customer's ownership while their records are walked; internal to the engine (``Verdict`` is the
public form).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from customers.ownership.shares import Shares
from customers.ownership.verdict import Lapse


@dataclasses.dataclass(frozen=True)
class Reception:
    """A reception of the owner's customer by someone else that left the owner in place.

    ``mode`` says what a deposit this receiver takes means: designated (OWN-02), standin or concealed
    (OWN-10), helper (the customer named the owner, OWN-05), unrecognised (OWN-05 by time),
    event_unreacted or event_identified (OWN-12).
    """

    salesperson: str
    day: dt.date
    mode: str


@dataclasses.dataclass(frozen=True)
class Claim:
    """A claim on a new customer through another customer (OWN-06 referral, OWN-07 known household)."""

    owner: str
    rule: str
    basis: str
    fact: str
    referral_split: tuple[str, str] | None = None


@dataclasses.dataclass
class State:
    """One customer's ownership while the records are walked (internal; ``Verdict`` is the public form)."""

    owner: str | None = None
    since: dt.date | None = None
    since_at: dt.datetime | None = None
    # registration, referral, relationship, household, deposit, decision, exhibition
    basis: str = ""
    channel_basis: str = "visit"
    protected_until: dt.date | None = None
    until_rule: str = "OWN-04"
    last_renewal: str | None = None
    closed: bool = False
    performance: Shares = dataclasses.field(default_factory=dict)
    commission: Shares = dataclasses.field(default_factory=dict)
    settled: bool = False
    factor: Decimal = Decimal(1)
    rules: list[str] = dataclasses.field(default_factory=list)
    facts: list[str] = dataclasses.field(default_factory=list)
    lapse: Lapse | None = None
    awaiting: str | None = None
    pool_rule: str | None = None
    receptions: list[Reception] = dataclasses.field(default_factory=list)
    contacted_by: set[str] = dataclasses.field(default_factory=set)
    # The referral behind the current ownership, and those whose claim ended: a referral claims once.
    referral: str | None = None
    spent_referrals: set[str] = dataclasses.field(default_factory=set)
    on_roll: bool = False
    referral_split: tuple[str, str] | None = None
    invitation_day: dt.date | None = None

    def note(self, rule: str, fact: str | None = None) -> None:
        if rule not in self.rules:
            self.rules.append(rule)
        if fact is not None and fact not in self.facts:
            self.facts.append(fact)


def fresh_state(state: State, *, lapse: Lapse | None, pool_rule: str) -> State:
    """A state without owner keeping what outlives a lapse or a return to the pool: who has met the
    customer and which referrals are spent.
    """
    spent = state.spent_referrals | ({state.referral} if state.referral else set())
    return State(lapse=lapse, pool_rule=pool_rule, contacted_by=state.contacted_by, spent_referrals=spent)
