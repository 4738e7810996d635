"""Invariants of the ownership engine (OWN-01..OWN-19), checked with generated record histories."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from customers.ownership import (
    Decision,
    Deposit,
    Fact,
    FollowUp,
    Referral,
    Registration,
    Relation,
    RelationshipCustomer,
    Verdict,
    decide,
)
from salesoffice.core.policy import Policy

TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 1, tzinfo=TZ)
CUSTOMERS = ("c1", "c2", "c3")
SALESPEOPLE = ("A", "B", "C")
SOURCES = ("walk_in", "referral", "developer_referral", "exhibition", "event", "phone_invitation")
SETTINGS = settings(max_examples=150, deadline=None)

customers = st.sampled_from(CUSTOMERS)
salespeople = st.sampled_from(SALESPEOPLE)
maybe_salesperson = st.none() | salespeople


@st.composite
def moments(draw: st.DrawFn) -> dt.datetime:
    day = draw(st.integers(0, 70))
    minute = draw(st.integers(8 * 60, 21 * 60))
    return START + dt.timedelta(days=day, minutes=minute)


@st.composite
def registrations(draw: st.DrawFn, fact_id: str) -> Registration:
    contact = draw(moments())
    delay = draw(st.sampled_from([0, 5, 60, 9 * 60, 26 * 60]))
    return Registration(
        fact_id,
        draw(customers),
        draw(salespeople),
        draw(st.sampled_from(["visit", "call"])),
        contact,
        contact + dt.timedelta(minutes=delay),
        draw(st.booleans() | st.just(True)),
        named=draw(st.none() | st.none() | salespeople),
        source=draw(st.sampled_from(SOURCES)),
        said_first_visit=draw(st.none() | st.booleans()),
        owner_present=draw(st.none() | st.booleans()),
        declined_former=draw(st.booleans()),
        standin=draw(st.booleans()),
        concealed=draw(st.booleans()),
        appointment_entered=draw(st.booleans()),
    )


@st.composite
def decisions(draw: st.DrawFn, fact_id: str) -> Decision:
    kind = draw(
        st.sampled_from(
            [
                "dispute",
                "reassignment_service",
                "reassignment_other",
                "pool_distribution",
                "revocation",
                "departure",
                "no_contact_exemption",
                "roll_confirmation",
                "confiscation",
                "invitation_objection",
                "cooperation",
            ]
        )
    )
    owner = draw(
        salespeople
        if kind in ("reassignment_service", "reassignment_other", "pool_distribution", "roll_confirmation")
        else maybe_salesperson
    )
    fields: dict[str, Any] = {"owner": owner, "party": draw(salespeople)}
    if kind == "dispute" and owner is not None and draw(st.booleans()):
        other = draw(salespeople)
        fields["performance"] = {owner: 100}
        fields["commission"] = {owner: 50, other: 50} if other != owner else {owner: 100}
    return Decision(fact_id, draw(customers), kind, draw(moments()), **fields)


@st.composite
def any_fact(draw: st.DrawFn, fact_id: str, *, cross_customer: bool) -> Fact:
    kinds = [
        "registration",
        "registration",
        "registration",
        "follow_up",
        "deposit",
        "decision",
        "relationship",
    ]
    if cross_customer:
        kinds += ["relation", "referral"]
    kind = draw(st.sampled_from(kinds))
    if kind == "registration":
        return draw(registrations(fact_id))
    if kind == "follow_up":
        return FollowUp(fact_id, draw(customers), draw(salespeople), draw(moments()), draw(st.booleans()))
    if kind == "deposit":
        return Deposit(
            fact_id,
            draw(customers),
            draw(salespeople),
            draw(st.sampled_from(["small", "large"])),
            draw(moments()),
            draw(st.booleans()),
        )
    if kind == "decision":
        return draw(decisions(fact_id))
    if kind == "relationship":
        return RelationshipCustomer(fact_id, draw(salespeople), draw(customers), draw(moments()))
    first, second = draw(st.lists(customers, min_size=2, max_size=2, unique=True))
    if kind == "relation":
        relation = draw(st.sampled_from(["spouse", "parent", "child", "sibling", "relative", "friend"]))
        return Relation(fact_id, first, second, relation, recorded_at=draw(st.none() | moments()))
    return Referral(
        fact_id,
        first,
        second,
        named=draw(maybe_salesperson),
        announced_at=draw(st.none() | moments()),
        accompanied=draw(st.booleans()),
        introduced_at=draw(st.none() | moments()),
    )


@st.composite
def histories(draw: st.DrawFn, *, cross_customer: bool = True) -> list[Fact]:
    size = draw(st.integers(1, 12))
    return [draw(any_fact(f"f{index}", cross_customer=cross_customer)) for index in range(size)]


policies = st.fixed_dictionaries(
    {},
    optional={
        "call_ownership": st.sampled_from(["answerer", "manager_distributes", "appointment_only"]),
        "visit_protection_days": st.sampled_from([10, 15, 30]),
        "registration_validity_days": st.sampled_from([None, 15]),
        "no_contact_exemption": st.booleans(),
        "unrecognised_returning": st.sampled_from(["by_presence", "by_time"]),
        "referral_window_days": st.sampled_from([None, 40]),
        "referral_chain": st.booleans(),
        "household_collision": st.sampled_from(
            ["split_even", "first_registrant_performance", "closest_relative", "manager_decides"]
        ),
        "reassignment_other_cause": st.sampled_from(["manager_decides", "even_then_70_30"]),
        "standin_same_day_commission": st.sampled_from(["split_even", "owner_all"]),
        "valid_roll_confiscation": st.booleans(),
    },
).map(Policy().with_overrides)


def known_at(fact: Fact) -> dt.datetime:
    """When a fact existed, for choosing moments after every record."""
    for name in ("recorded_at", "at", "reported_at", "announced_at"):
        moment = getattr(fact, name, None)
        if moment is not None:
            return moment  # type: ignore[no-any-return]
    return START


def latest(facts: list[Fact]) -> dt.datetime:
    return max([START, *(known_at(fact) for fact in facts)])


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TZ).date()


@SETTINGS
@given(facts=histories(), policy=policies, seed=st.integers(0, 2**32), extra_days=st.integers(0, 90))
def test_deterministic_in_any_input_order(
    facts: list[Fact], policy: Policy, seed: int, extra_days: int
) -> None:
    """OWN-17, OWN-19: the same records in any order, replayed twice, give the same verdicts."""
    at = START + dt.timedelta(days=extra_days, hours=12)
    shuffled = list(facts)
    random.Random(seed).shuffle(shuffled)
    first = decide(facts, policy=policy, at=at, tz=TZ)
    assert decide(shuffled, policy=policy, at=at, tz=TZ) == first
    assert decide(facts, policy=policy, at=at, tz=TZ) == first


def check_shape(verdict: Verdict) -> None:
    if verdict.owner is None:
        assert verdict.public_pool
        assert not verdict.closed
        assert verdict.protected_until is None
        assert dict(verdict.performance) == {}
        assert dict(verdict.commission) == {}
        return
    assert not verdict.public_pool
    assert (verdict.protected_until is None) == verdict.closed
    for shares in (verdict.performance, verdict.commission):
        assert sum(shares.values(), Decimal(0)) == Decimal(100)
        assert all(value >= 0 for value in shares.values())
    assert Decimal(0) < verdict.commission_factor <= Decimal(1)


@SETTINGS
@given(facts=histories(), policy=policies, extra_days=st.integers(0, 90))
def test_one_owner_or_the_pool_and_shares_sum_to_100(
    facts: list[Fact], policy: Policy, extra_days: int
) -> None:
    """OWN-01, COMM-01: exactly one owner or none (public pool); performance and commission each sum to 100."""
    at = START + dt.timedelta(days=extra_days, hours=12)
    for verdict in decide(facts, policy=policy, at=at, tz=TZ).values():
        check_shape(verdict)
        assert set(verdict.facts) <= {fact.id for fact in facts}


@SETTINGS
@given(facts=histories(), policy=policies, first_gap=st.integers(0, 60), second_gap=st.integers(1, 120))
def test_later_moment_changes_ownership_only_through_expiry(
    facts: list[Fact], policy: Policy, first_gap: int, second_gap: int
) -> None:
    """OWN-04: with no new records, a later ``at`` only ends ownership by expiry into the pool."""
    earlier = latest(facts) + dt.timedelta(days=first_gap)
    later = earlier + dt.timedelta(days=second_gap)
    before = decide(facts, policy=policy, at=earlier, tz=TZ)
    after = decide(facts, policy=policy, at=later, tz=TZ)
    assert before.keys() == after.keys()
    for customer, then in before.items():
        now = after[customer]
        if now.owner == then.owner:
            continue
        assert then.owner is not None
        assert now.owner is None
        assert then.protected_until is not None
        assert then.protected_until < local_day(later)
        assert now.lapse is not None


@SETTINGS
@given(
    facts=histories(cross_customer=False),
    policy=policies,
    newcomer=salespeople,
    flags=st.fixed_dictionaries(
        {
            "said_first_visit": st.none() | st.booleans(),
            "owner_present": st.none() | st.booleans(),
            "declined_former": st.booleans(),
            "standin": st.booleans(),
            "source": st.sampled_from(SOURCES),
            "channel": st.sampled_from(["visit", "call"]),
        }
    ),
    gap=st.integers(1, 40),
)
def test_later_record_never_moves_ownership_back_in_time(
    facts: list[Fact], policy: Policy, newcomer: str, flags: dict[str, Any], gap: int
) -> None:
    """OWN-01, OWN-05: a registration later than every record leaves the owner in place or makes its
    own salesperson the owner (as a new customer, or by OWN-05); it never revives an earlier claim.
    A later follow-up never changes the owner.
    """
    contact = latest(facts) + dt.timedelta(days=gap)
    channel = flags.pop("channel")
    arrival = Registration("new", "c1", newcomer, channel, contact, contact, True, **flags)
    moment = contact + dt.timedelta(minutes=1)
    before = decide(facts, policy=policy, at=moment, tz=TZ).get("c1")
    after = decide([*facts, arrival], policy=policy, at=moment, tz=TZ)["c1"]
    owner_before = before.owner if before else None
    assert after.owner in {owner_before, newcomer, None}
    if after.owner is None:
        assert owner_before is None
    if owner_before is not None and after.owner == newcomer != owner_before:
        assert "OWN-05" in after.rules

    follow_up = FollowUp("later", "c1", newcomer, contact, reached=True)
    followed = decide([*facts, follow_up], policy=policy, at=moment, tz=TZ)["c1"]
    assert followed.owner == owner_before
