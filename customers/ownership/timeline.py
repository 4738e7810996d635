"""The order in which one customer's records are walked (REG-03, OWN-01); internal to the engine."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from customers.ownership.days import local_day, ranking_time
from customers.ownership.facts import (
    Decision,
    Deposit,
    FollowUp,
    Referral,
    Registration,
    RelationshipCustomer,
)
from salesoffice.core.policy import Policy

TimelineFact = Registration | FollowUp | Deposit | Decision | RelationshipCustomer | Referral
# Records at the same instant: prior claims first, the manager's decision last.
KIND_ORDER = {RelationshipCustomer: 0, Referral: 1, Registration: 2, FollowUp: 3, Deposit: 4, Decision: 5}


@dataclasses.dataclass(frozen=True)
class Event:
    """A record on a customer's timeline: ``rank`` orders it (REG-03), ``known`` is when it existed."""

    rank: dt.datetime
    known: dt.datetime
    fact: TimelineFact


def event_for(
    fact: Registration | FollowUp | Deposit | Decision | RelationshipCustomer, policy: Policy, tz: ZoneInfo
) -> Event:
    """REG-03: registrations and follow-ups rank by contact time when filed on time, else by recording time."""
    cutoff = policy.daily_cutoff
    if isinstance(fact, Registration):
        return Event(ranking_time(fact.contact_at, fact.recorded_at, cutoff, tz), fact.recorded_at, fact)
    if isinstance(fact, FollowUp):
        recorded = fact.recorded_at or fact.at
        return Event(ranking_time(fact.at, recorded, cutoff, tz), recorded, fact)
    if isinstance(fact, RelationshipCustomer):
        return Event(fact.recorded_at, fact.recorded_at, fact)
    return Event(fact.at, fact.at, fact)


def ordered(events: list[Event], tz: ZoneInfo) -> list[Event]:
    """REG-03 order, with OWN-01's "same day: the call registration comes first".

    A complete call registration moves ahead of the complete visit registrations of its local day,
    but never ahead of a deposit or a decision made before it.
    """
    # At the same instant the record filed first ranks first (R3: two desks, one phone).
    chronological = sorted(
        events, key=lambda event: (event.rank, KIND_ORDER[type(event.fact)], event.known, event.fact.id)
    )
    keys: dict[str, tuple[dt.datetime, int, dt.datetime, int, dt.datetime, str]] = {}
    for index, event in enumerate(chronological):
        anchor, position = event.rank, 1
        if complete_registration(event.fact, "call"):
            day = local_day(event.rank, tz)
            for prior in reversed(chronological[:index]):
                if local_day(prior.rank, tz) != day or isinstance(prior.fact, Deposit | Decision):
                    break
                if complete_registration(prior.fact, "visit"):
                    anchor, position = prior.rank, 0
        keys[event.fact.id] = (
            anchor, position, event.rank, KIND_ORDER[type(event.fact)], event.known, event.fact.id,
        )  # fmt: skip
    return sorted(chronological, key=lambda event: keys[event.fact.id])


def complete_registration(fact: TimelineFact, channel: str) -> bool:
    return isinstance(fact, Registration) and fact.complete and fact.channel == channel
