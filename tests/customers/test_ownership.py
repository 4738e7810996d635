"""Rule tests of the ownership engine (customers.ownership): OWN-01..OWN-19, REG-02/03, DISP-01, CHAN-02..04.

Days are local days of one site in Asia/Shanghai; day 1 is 2026-03-01. A, B, C, D are salespeople.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from customers.ownership import (
    ACTIVITY_FUND,
    ChannelReport,
    Decision,
    Deposit,
    Fact,
    FollowUp,
    Referral,
    Registration,
    Relation,
    RelationshipCustomer,
    Verdict,
    commission_amounts,
    decide,
    dispute_allowed,
    dispute_window_closes,
)
from salesoffice.core.policy import Policy

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT = Policy()


def day(number: int) -> dt.date:
    return dt.date(2026, 3, 1) + dt.timedelta(days=number - 1)


def at(number: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day(number), dt.time(hour, minute), tzinfo=TZ)


def visit(
    fact_id: str, customer: str, salesperson: str, number: int, hour: int = 10, **fields: Any
) -> Registration:
    contact = at(number, hour)
    fields.setdefault("recorded_at", contact + dt.timedelta(minutes=5))
    fields.setdefault("complete", True)
    return Registration(fact_id, customer, salesperson, "visit", contact, **fields)


def call(
    fact_id: str, customer: str, salesperson: str, number: int, hour: int = 10, **fields: Any
) -> Registration:
    contact = at(number, hour)
    fields.setdefault("recorded_at", contact + dt.timedelta(minutes=5))
    fields.setdefault("complete", True)
    return Registration(fact_id, customer, salesperson, "call", contact, **fields)


def follow_up(
    fact_id: str, customer: str, salesperson: str, number: int, *, reached: bool = True
) -> FollowUp:
    return FollowUp(fact_id, customer, salesperson, at(number, 11), reached)


def deposit(
    fact_id: str, customer: str, salesperson: str, number: int, hour: int = 11, **fields: Any
) -> Deposit:
    return Deposit(fact_id, customer, salesperson, fields.pop("kind", "large"), at(number, hour), **fields)


def decision(fact_id: str, customer: str, kind: str, number: int, **fields: Any) -> Decision:
    return Decision(fact_id, customer, kind, at(number, 16), **fields)


def judge(
    facts: list[Fact], when: dt.datetime, customer: str = "c1", policy: Policy = DEFAULT, **overrides: Any
) -> Verdict:
    if overrides:
        policy = policy.with_overrides(overrides)
    return decide(facts, policy=policy, at=when, tz=TZ)[customer]


def shares(**percent: int) -> dict[str, Decimal]:
    return {label: Decimal(value) for label, value in percent.items()}


# --- OWN-01 first contact, REG-02/REG-03 -------------------------------------------------------------


def test_s_own_1_first_valid_registration_owns_for_30_days() -> None:
    """S-OWN-1 (OWN-01, OWN-04): A registers 张三 on day 1; on day 5 the verdict is A until day 31."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1, name="张三", phones=("13812345678",))]
    verdict = judge(facts, at(5))
    assert verdict.owner == "A"
    assert verdict.protected_until == day(31)
    assert verdict.rules == ("OWN-01", "OWN-04")
    assert verdict.facts == ("r1",)
    assert not verdict.public_pool
    assert verdict.performance == shares(A=100)
    assert verdict.commission == shares(A=100)


def test_own_01_later_reception_does_not_change_owner_while_protected() -> None:
    """OWN-01: B registers A's customer on day 5 (customer did not say anything) → still A's (OWN-05 bullet 1)."""
    verdict = judge([visit("r1", "c1", "A", 1), visit("r2", "c1", "B", 5)], at(5, 12))
    assert verdict.owner == "A"
    assert verdict.protected_until == day(31)
    assert "OWN-05" in verdict.rules


def test_s_own_2_incomplete_registration_gives_no_ownership() -> None:
    """S-OWN-2 (REG-02, OWN-14): A's registration without needs is incomplete; B's valid one on day 3 owns."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1, complete=False), visit("r2", "c1", "B", 3)]
    assert judge(facts, at(2)).owner is None
    verdict = judge(facts, at(3, 12))
    assert verdict.owner == "B"
    assert verdict.rules == ("OWN-14", "OWN-01", "OWN-04")


def test_own_14_customer_with_only_incomplete_registrations_is_in_the_pool() -> None:
    """OWN-14: received but only incompletely registered → belongs to nobody."""
    verdict = judge([visit("r1", "c1", "A", 1, complete=False)], at(2))
    assert verdict.public_pool
    assert verdict.protected_until is None
    assert verdict.performance == {}


def test_s_own_6_same_day_call_comes_before_visit() -> None:
    """S-OWN-6 (OWN-01): B registers a visit at 10:00, A a call from the same number at 15:00 → A."""
    facts: list[Fact] = [visit("r1", "c1", "B", 1, 10), call("r2", "c1", "A", 1, 15)]
    assert judge(facts, at(1, 12)).owner == "B"
    verdict = judge(facts, at(1, 16))
    assert verdict.owner == "A"
    assert verdict.protected_until == day(8)


def test_own_01_same_day_call_does_not_jump_a_deposit() -> None:
    """OWN-01: the call-first rule never reorders a call ahead of a deposit already taken that day."""
    facts: list[Fact] = [
        visit("r1", "c1", "B", 1, 10),
        deposit("d1", "c1", "B", 1, 11),
        call("r2", "c1", "A", 1, 15),
    ]
    verdict = judge(facts, at(1, 16))
    assert verdict.owner == "B"
    assert verdict.closed


def test_own_01_call_on_an_earlier_day_is_simply_first() -> None:
    """OWN-01: a call on day 1 and a visit by B on day 2 → A (within the call protection)."""
    assert judge([call("r1", "c1", "A", 1), visit("r2", "c1", "B", 2)], at(2, 12)).owner == "A"


def test_reg_03_late_registration_ranks_by_recording_time() -> None:
    """REG-03: A's 10:00 visit filed at 19:00 (after the 18:00 cut-off) ranks after B's 15:00 visit."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1, 10, recorded_at=at(1, 19)),
        visit("r2", "c1", "B", 1, 15),
    ]
    verdict = judge(facts, at(1, 20))
    assert verdict.owner == "B"


def test_reg_03_registration_filed_before_the_cutoff_keeps_its_contact_time() -> None:
    """REG-03: filed at 17:59, before the cut-off, the 10:00 visit ranks at 10:00 and wins."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1, 10, recorded_at=at(1, 17, 59)),
        visit("r2", "c1", "B", 1, 15),
    ]
    assert judge(facts, at(1, 20)).owner == "A"


def test_reg_03_daily_cutoff_policy_field_is_honoured() -> None:
    """REG-03 with daily_cutoff 20:00: a 10:00 visit filed at 19:00 is on time and wins."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1, 10, recorded_at=at(1, 19)), visit("r2", "c1", "B", 1, 15)]
    assert judge(facts, at(1, 21), daily_cutoff="20:00").owner == "A"


def test_own_01_records_made_after_at_are_not_yet_known() -> None:
    """OWN-19 replay: a registration recorded after ``at`` does not exist yet."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1, 10, recorded_at=at(1, 17))]
    assert judge(facts, at(1, 12)).owner is None
    assert judge(facts, at(1, 18)).owner == "A"


def test_own_01_option_b_calls_are_distributed_by_the_manager() -> None:
    """OWN-01 B (call_ownership=manager_distributes): a call gives no ownership; the manager assigns."""
    facts: list[Fact] = [call("r1", "c1", "A", 1)]
    pooled = judge(facts, at(2), call_ownership="manager_distributes")
    assert pooled.public_pool
    assert pooled.awaiting_decision == "OWN-01"
    facts.append(decision("m1", "c1", "pool_distribution", 2, owner="C"))
    assigned = judge(facts, at(3), call_ownership="manager_distributes")
    assert assigned.owner == "C"
    assert assigned.awaiting_decision is None
    assert assigned.facts[-1] == "m1"


def test_own_01_option_b_a_visit_before_distribution_is_a_first_visit() -> None:
    """OWN-01 B: the caller walks in before distribution; the visit registration owns."""
    facts: list[Fact] = [call("r1", "c1", "A", 1), visit("r2", "c1", "B", 2)]
    assert judge(facts, at(2, 12), call_ownership="manager_distributes").owner == "B"


@pytest.mark.parametrize(("appointment", "owner"), [(True, "A"), (False, "B")])
def test_own_01_option_c_answerer_owns_only_with_an_appointment(appointment: bool, owner: str) -> None:
    """OWN-01 C (call_ownership=appointment_only): the call owns only if its appointment was entered."""
    facts: list[Fact] = [call("r1", "c1", "A", 1, appointment_entered=appointment), visit("r2", "c1", "B", 3)]
    assert judge(facts, at(3, 12), call_ownership="appointment_only").owner == owner


def test_own_16_lunch_duty_receiver_owns_new_customer() -> None:
    """OWN-16: the lunch-duty salesperson registers a new customer at 12:30 → theirs (OWN-01)."""
    verdict = judge([visit("r1", "c1", "D", 1, 12)], at(1, 13))
    assert verdict.owner == "D"
    assert verdict.rules[0] == "OWN-01"


def test_own_17_verdict_names_only_the_deciding_records() -> None:
    """OWN-17: the verdict lists rule IDs and the records behind it; another customer's records do not appear."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), follow_up("f1", "c1", "A", 3), visit("r9", "c2", "B", 1)]
    verdict = judge(facts, at(4))
    assert verdict.facts == ("r1", "f1")
    assert verdict.rules == ("OWN-01", "OWN-04")


# --- OWN-04 protection --------------------------------------------------------------------------------


def test_s_own_3_reached_follow_up_renews_and_lapse_is_named() -> None:
    """S-OWN-3 (OWN-04): follow-up reached on day 20 → until day 50; C registers on day 51 → C, lapse named."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), follow_up("f1", "c1", "A", 20)]
    assert judge(facts, at(50, 23)).protected_until == day(50)
    assert judge(facts, at(50, 23)).owner == "A"
    facts.append(visit("r2", "c1", "C", 51))
    verdict = judge(facts, at(51, 12))
    assert verdict.owner == "C"
    assert verdict.lapse is not None
    assert verdict.lapse.former_owner == "A"
    assert verdict.lapse.ended_on == day(50)
    assert verdict.lapse.rule == "OWN-04"
    assert verdict.rules == ("OWN-04", "OWN-01")
    assert verdict.facts == ("f1", "r2")


def test_s_own_4_failed_follow_up_does_not_renew() -> None:
    """S-OWN-4 (FUP-03, OWN-04): an unanswered follow-up on day 20 leaves the end at day 31."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), follow_up("f1", "c1", "A", 20, reached=False)]
    assert judge(facts, at(25)).protected_until == day(31)
    lapsed = judge(facts, at(32))
    assert lapsed.public_pool
    assert lapsed.lapse is not None
    assert lapsed.lapse.ended_on == day(31)


def test_own_04_only_the_owners_follow_up_renews() -> None:
    """OWN-04: B's reached call to A's customer does not renew A's protection."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), follow_up("f1", "c1", "B", 20)]
    assert judge(facts, at(25)).protected_until == day(31)


@pytest.mark.parametrize(("visit_day", "owner"), [(6, "A"), (8, "A"), (9, "B")])
def test_s_own_5_call_protection_is_seven_days(visit_day: int, owner: str) -> None:
    """S-OWN-5 (OWN-01, OWN-04): call on day 1 protects through day 8; a visit on day 9 is B's."""
    facts: list[Fact] = [call("r1", "c1", "A", 1), visit("r2", "c1", "B", visit_day)]
    assert judge(facts, at(visit_day, 12)).owner == owner


def test_own_04_first_visit_after_a_call_switches_to_visit_days() -> None:
    """OWN-04: A's caller visits A on day 3 → protection now 30 days from day 3; a follow-up keeps 30-day renewals."""
    facts: list[Fact] = [call("r1", "c1", "A", 1), visit("r2", "c1", "A", 3), follow_up("f1", "c1", "A", 10)]
    assert judge(facts, at(11)).protected_until == day(40)


def test_own_04_follow_up_of_a_call_customer_renews_by_call_days() -> None:
    """OWN-04: a call-only customer's reached follow-up renews by the call protection (7 days)."""
    facts: list[Fact] = [call("r1", "c1", "A", 1), follow_up("f1", "c1", "A", 5)]
    assert judge(facts, at(6)).protected_until == day(12)


@pytest.mark.parametrize(
    ("option", "overrides", "call_until", "visit_until"),
    [
        ("A", {}, 8, 31),
        ("B", {"call_protection_days": 7, "visit_protection_days": 15}, 8, 16),
        ("C", {"call_protection_days": 10, "visit_protection_days": 10}, 11, 11),
        ("D", {"call_protection_days": 20, "visit_protection_days": 20}, 21, 21),
        ("E", {"call_protection_days": 90, "visit_protection_days": 90}, 91, 91),
    ],
)
def test_own_04_protection_options(
    option: str, overrides: dict[str, Any], call_until: int, visit_until: int
) -> None:
    """OWN-04 options A-E: protection lengths by channel."""
    facts: list[Fact] = [call("r1", "c1", "A", 1), visit("r2", "c2", "A", 1)]
    policy = DEFAULT.with_overrides(overrides)
    verdicts = decide(facts, policy=policy, at=at(2), tz=TZ)
    assert verdicts["c1"].protected_until == day(call_until), option
    assert verdicts["c2"].protected_until == day(visit_until), option


def test_own_04_option_f_validity_caps_renewals() -> None:
    """OWN-04 F: 10 days without follow-up lose the customer, and 15 days from the first registration cap it."""
    policy = DEFAULT.with_overrides({"visit_protection_days": 10, "registration_validity_days": 15})
    facts: list[Fact] = [visit("r1", "c1", "A", 1)]
    assert judge(facts, at(2), policy=policy).protected_until == day(11)
    facts.append(follow_up("f1", "c1", "A", 8))
    assert judge(facts, at(9), policy=policy).protected_until == day(16)
    facts.append(visit("r2", "c1", "B", 17))
    verdict = judge(facts, at(17, 12), policy=policy)
    assert verdict.owner == "B"
    assert verdict.lapse is not None
    assert verdict.lapse.ended_on == day(16)


def test_own_04_lapsed_customer_naming_former_salesperson_returns_to_them() -> None:
    """OWN-04: after the lapse the customer is new, unless they name their former salesperson."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), visit("r2", "c1", "B", 40, named="A")]
    verdict = judge(facts, at(40, 12))
    assert verdict.owner == "A"
    assert verdict.protected_until == day(70)
    assert verdict.rules == ("OWN-04",)


def test_own_04_deposit_holds_the_customer_for_good() -> None:
    """OWN-04: a deposit makes the customer the owner's for good: no protection end, no lapse."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), deposit("d1", "c1", "A", 10), visit("r2", "c1", "B", 200)]
    verdict = judge(facts, at(200, 12))
    assert verdict.owner == "A"
    assert verdict.closed
    assert verdict.protected_until is None
    assert verdict.lapse is None


def test_own_04_cancelled_deposit_does_not_hold() -> None:
    """OWN-04 "subject to cancellation": a cancelled deposit renews like a visit but does not close."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), deposit("d1", "c1", "A", 10, cancelled=True)]
    verdict = judge(facts, at(11))
    assert not verdict.closed
    assert verdict.protected_until == day(40)
    assert judge(facts, at(41)).public_pool


@pytest.mark.parametrize(("option", "until"), [(True, 60), (False, 31)])
def test_own_04_no_contact_exemption_option(option: bool, until: int) -> None:
    """OWN-04 option no_contact_exemption: the manager-approved note holds protection to the date given."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        decision("m1", "c1", "no_contact_exemption", 5, until=day(60)),
    ]
    verdict = judge(facts, at(6), no_contact_exemption=option)
    assert verdict.protected_until == day(until)


def test_own_04_no_contact_exemption_is_capped_at_three_months() -> None:
    """OWN-04, D-AMB-39: an exemption without a date, or a later one, runs at most 90 days."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), decision("m1", "c1", "no_contact_exemption", 5)]
    assert judge(facts, at(6), no_contact_exemption=True).protected_until == day(95)


# --- OWN-02 designated, OWN-10 stand-in ---------------------------------------------------------------


def test_s_own_10_designated_absent_receiver_closes() -> None:
    """S-OWN-10 (OWN-02): the customer names A (away, no cover); B receives and takes a deposit that day."""
    facts: list[Fact] = [visit("r1", "c1", "B", 1, named="A"), deposit("d1", "c1", "B", 1, 15)]
    verdict = judge(facts, at(1, 16))
    assert verdict.owner == "A"
    assert verdict.performance == shares(B=100)
    assert verdict.commission == shares(A=50, B=50)
    assert "OWN-02" in verdict.rules


def test_own_02_designated_without_deal_is_the_named_salespersons() -> None:
    """OWN-02: no deal that day → the customer belongs wholly to the named salesperson."""
    verdict = judge([visit("r1", "c1", "B", 1, named="A")], at(2))
    assert verdict.owner == "A"
    assert verdict.commission == shares(A=100)
    assert verdict.rules == ("OWN-02", "OWN-04")


def test_own_02_receiver_deal_on_a_later_day_is_the_owners() -> None:
    """OWN-02, D-AMB-42: the receiver's deposit on a later day is wholly the named owner's."""
    facts: list[Fact] = [visit("r1", "c1", "B", 1, named="A"), deposit("d1", "c1", "B", 3)]
    verdict = judge(facts, at(4))
    assert verdict.performance == shares(A=100)
    assert verdict.commission == shares(A=100)


@pytest.mark.parametrize(
    ("option", "commission"), [("split_even", {"A": 50, "B": 50}), ("owner_all", {"A": 100})]
)
def test_own_10_standin_same_day_deal(option: str, commission: dict[str, int]) -> None:
    """OWN-10: B stands in for absent A and closes the same day → performance A, commission by option."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        visit("r2", "c1", "B", 5, standin=True),
        deposit("d1", "c1", "B", 5, 15),
    ]
    verdict = judge(facts, at(5, 16), standin_same_day_commission=option)
    assert verdict.owner == "A"
    assert verdict.performance == shares(A=100)
    assert verdict.commission == shares(**commission)
    assert "OWN-10" in verdict.rules


def test_own_10_standin_visit_renews_the_owners_protection() -> None:
    """OWN-10: the stand-in records the visit for the owner; protection runs from that visit."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), visit("r2", "c1", "B", 20, standin=True)]
    verdict = judge(facts, at(21))
    assert verdict.owner == "A"
    assert verdict.protected_until == day(50)


def test_own_10_standin_not_closed_same_day_stays_the_owners() -> None:
    """OWN-10: no same-day deal → the customer stays A's; a later deposit by B is wholly A's."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        visit("r2", "c1", "B", 5, standin=True),
        deposit("d1", "c1", "B", 7),
    ]
    verdict = judge(facts, at(8))
    assert verdict.commission == shares(A=100)


def test_own_10_concealed_owner_gets_everything() -> None:
    """OWN-10: B knowingly hid that the customer was A's → everything to A, whatever B's registration says."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        visit("r2", "c1", "B", 5, concealed=True, said_first_visit=True, owner_present=True),
        deposit("d1", "c1", "B", 5, 15),
    ]
    verdict = judge(facts, at(6))
    assert verdict.owner == "A"
    assert verdict.performance == shares(A=100)
    assert verdict.commission == shares(A=100)


def test_own_10_cooperation_deal_needs_the_managers_confirmation() -> None:
    """OWN-10: a stand-in's deposit becomes a cooperation deal (共单) by the manager's decision."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        deposit("d1", "c1", "B", 9),
        decision("m1", "c1", "cooperation", 9, party="B"),
    ]
    verdict = judge(facts, at(10))
    assert verdict.performance == shares(A=50, B=50)
    assert verdict.commission == shares(A=50, B=50)


# --- OWN-03 relationship customers, OWN-13 developer-referred --------------------------------------------


def test_own_03_relationship_recorded_in_advance_belongs_to_the_salesperson() -> None:
    """OWN-03: A recorded their cousin before anyone met them; B receives the cousin later → A."""
    facts: list[Fact] = [RelationshipCustomer("z1", "A", "c3", at(1, 9)), visit("r1", "c3", "B", 3)]
    verdict = judge(facts, at(3, 12), customer="c3")
    assert verdict.owner == "A"
    assert verdict.rules[0] == "OWN-03"


def test_own_03_relationship_recorded_after_first_contact_gives_nothing() -> None:
    """OWN-03: recorded only after B's first contact → B keeps the customer."""
    facts: list[Fact] = [visit("r1", "c3", "B", 1), RelationshipCustomer("z1", "A", "c3", at(2))]
    assert judge(facts, at(3), customer="c3").owner == "B"


def test_own_03_company_customer_assigned_by_the_manager() -> None:
    """OWN-03: a company relationship customer is assigned by the manager (pool distribution)."""
    verdict = judge([decision("m1", "c3", "pool_distribution", 1, owner="C")], at(2), customer="c3")
    assert verdict.owner == "C"
    assert verdict.rules[0] == "OWN-03"


def test_s_own_12_developer_referred_commission_is_half() -> None:
    """S-OWN-12 (OWN-13, COMM-02): 0.5% on 2,000,000 yuan at factor 0.5 → A earns 5,000 yuan."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1, source="developer_referral"), deposit("d1", "c1", "A", 2)]
    verdict = judge(facts, at(3))
    assert verdict.commission_factor == Decimal("0.5")
    assert "OWN-13" in verdict.rules
    expected = Decimal("0.005") * Decimal("2000000") * verdict.commission_factor
    assert expected == Decimal("5000")
    amounts = commission_amounts(verdict, deal_amount=Decimal("2000000"), rate=DEFAULT.commission_rate)
    assert amounts == {"A": Decimal("5000.00")}


def test_own_13_factor_follows_the_policy_field() -> None:
    """OWN-13: developer_referred_commission_factor is the site's setting."""
    verdict = judge(
        [visit("r1", "c1", "A", 1, source="developer_referral")],
        at(2),
        developer_referred_commission_factor="0.8",
    )
    assert verdict.commission_factor == Decimal("0.8")


def test_own_13_developer_referred_customer_naming_someone_is_theirs() -> None:
    """OWN-13: received by the head of the rota unless they name someone."""
    verdict = judge([visit("r1", "c1", "B", 1, source="developer_referral", named="C")], at(2))
    assert verdict.owner == "C"
    assert verdict.rules[0] == "OWN-13"


def test_commission_amounts_keep_the_cents() -> None:
    """COMM-02: a 50:50 split of an odd amount keeps every cent."""
    facts: list[Fact] = [visit("r1", "c1", "B", 1, named="A"), deposit("d1", "c1", "B", 1, 15)]
    verdict = judge(facts, at(2))
    amounts = commission_amounts(verdict, deal_amount=Decimal("1000001"), rate=Decimal("0.005"))
    assert sum(amounts.values()) == Decimal("5000.01")
    assert amounts == {"A": Decimal("2500.01"), "B": Decimal("2500.00")}


# --- OWN-05 returning customers not recognised ------------------------------------------------------


def test_own_05_not_asked_still_the_owners() -> None:
    """OWN-05 bullet 1: the receiver did not ask and the customer did not say → still A's."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        visit("r2", "c1", "B", 10),
        deposit("d1", "c1", "B", 10, 15),
    ]
    verdict = judge(facts, at(11))
    assert verdict.owner == "A"
    assert verdict.commission == shares(A=100)


def test_own_05_said_first_visit_owner_present_new_receiver_owns() -> None:
    """OWN-05 bullet 2: "first visit", the owner present and not recognising → B owns."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        visit("r2", "c1", "B", 10, said_first_visit=True, owner_present=True),
    ]
    verdict = judge(facts, at(11))
    assert verdict.owner == "B"
    assert verdict.protected_until == day(40)
    assert verdict.rules == ("OWN-01", "OWN-04", "OWN-05")


def test_own_05_said_first_visit_owner_absent_is_cooperation() -> None:
    """OWN-05 bullet 2: owner absent → a cooperation, 50:50, even when B closes."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        visit("r2", "c1", "B", 10, said_first_visit=True, owner_present=False),
        deposit("d1", "c1", "B", 12),
    ]
    verdict = judge(facts, at(12, 12))
    assert verdict.owner == "A"
    assert verdict.performance == shares(A=50, B=50)
    assert verdict.commission == shares(A=50, B=50)


def test_own_05_declined_former_new_receiver_owns() -> None:
    """OWN-05 bullet 3: came before but explicitly does not want the former salesperson → B owns."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        visit("r2", "c1", "B", 10, said_first_visit=False, declined_former=True),
    ]
    assert judge(facts, at(11)).owner == "B"


def test_own_05_customer_names_the_owner_second_receiver_only_helps() -> None:
    """OWN-05 (D-OWN-05 C): the customer confirms A; B only helps and a deal is A's."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        visit("r2", "c1", "B", 10, named="A"),
        deposit("d1", "c1", "B", 10, 15),
    ]
    verdict = judge(facts, at(11))
    assert verdict.owner == "A"
    assert verdict.commission == shares(A=100)


def test_own_05_by_time_within_window_not_closed_back_to_owner() -> None:
    """OWN-05 option by_time: found within 30 days of the first reception, not closed → A."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        visit("r2", "c1", "B", 20, said_first_visit=True, owner_present=True),
    ]
    verdict = judge(facts, at(21), unrecognised_returning="by_time")
    assert verdict.owner == "A"
    assert verdict.commission == shares(A=100)


def test_own_05_by_time_within_window_closed_splits_commission() -> None:
    """OWN-05 option by_time: already closed by the second receiver → performance B, commission 50:50."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), visit("r2", "c1", "B", 20), deposit("d1", "c1", "B", 22)]
    verdict = judge(facts, at(23), unrecognised_returning="by_time")
    assert verdict.performance == shares(B=100)
    assert verdict.commission == shares(A=50, B=50)


def test_own_05_by_time_after_window_second_receiver_owns() -> None:
    """OWN-05 option by_time with unrecognised_window_days 10: found on day 15 → B, although A is protected."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), visit("r2", "c1", "B", 15)]
    verdict = judge(facts, at(16), unrecognised_returning="by_time", unrecognised_window_days=10)
    assert verdict.owner == "B"


# --- OWN-06 referrals ---------------------------------------------------------------------------------


def test_s_own_8_referral_chain() -> None:
    """S-OWN-8 (OWN-06): A's contracted 甲 brings 乙 who names A; 乙 brings 丙 who names A → all A's."""
    facts: list[Fact] = [
        visit("r1", "jia", "A", 1),
        deposit("d1", "jia", "A", 2),
        Referral("y1", "jia", "yi", named="A"),
        visit("r2", "yi", "B", 10),
        Referral("y2", "yi", "bing", named="A"),
        visit("r3", "bing", "C", 20),
    ]
    verdicts = decide(facts, policy=DEFAULT, at=at(21), tz=TZ)
    assert verdicts["yi"].owner == "A"
    assert verdicts["bing"].owner == "A"
    assert verdicts["bing"].rules[0] == "OWN-06"
    assert verdicts["bing"].facts[:2] == ("y2", "r3")


def test_own_06_chain_can_be_switched_off() -> None:
    """OWN-06 with referral_chain false: a referred customer's own referral does not pass A's claim on."""
    facts: list[Fact] = [
        visit("r1", "jia", "A", 1),
        Referral("y1", "jia", "yi", accompanied=True),
        visit("r2", "yi", "B", 10),
        Referral("y2", "yi", "bing", accompanied=True),
        visit("r3", "bing", "C", 20),
    ]
    verdicts = decide(facts, policy=DEFAULT.with_overrides({"referral_chain": False}), at=at(21), tz=TZ)
    assert verdicts["yi"].owner == "A"
    assert verdicts["bing"].owner == "C"


def test_s_own_9_first_registration_beats_referral() -> None:
    """S-OWN-9 (OWN-06 vs OWN-01): C registered 乙 on day 2; 甲 brings 乙 naming A on day 5 → C."""
    facts: list[Fact] = [
        visit("r1", "jia", "A", 1),
        visit("r2", "yi", "C", 2),
        Referral("y1", "jia", "yi", named="A", accompanied=True, introduced_at=at(5)),
        visit("r3", "yi", "A", 5, named="A"),
    ]
    assert judge(facts, at(6), customer="yi").owner == "C"


def test_own_06_announced_referral_belongs_to_the_referrers_owner() -> None:
    """OWN-06: A announced the new customer in advance (manager saw it); B receives later → A."""
    facts: list[Fact] = [
        visit("r1", "jia", "A", 1),
        Referral("y1", "jia", "yi", announced_at=at(3)),
        visit("r2", "yi", "B", 5),
    ]
    verdict = judge(facts, at(6), customer="yi")
    assert verdict.owner == "A"
    assert verdict.protected_until == day(33)


def test_own_06_unannounced_unnamed_referral_does_not_apply() -> None:
    """OWN-06: without naming, announcement or the old customer along, the receiver owns."""
    facts: list[Fact] = [visit("r1", "jia", "A", 1), Referral("y1", "jia", "yi"), visit("r2", "yi", "B", 5)]
    assert judge(facts, at(6), customer="yi").owner == "B"


def test_own_06_referral_needs_the_referrer_to_be_someones_customer() -> None:
    """OWN-06: a referrer whose owner lapsed passes nothing on."""
    facts: list[Fact] = [
        visit("r1", "jia", "A", 1),
        Referral("y1", "jia", "yi", named="A"),
        visit("r2", "yi", "B", 40),
    ]
    assert judge(facts, at(41), customer="yi").owner == "B"


def test_own_06_referred_relative_of_another_salesperson_still_the_referrers() -> None:
    """OWN-06: the referred customer is also B's friend recorded in advance → still A's."""
    facts: list[Fact] = [
        visit("r1", "jia", "A", 1),
        RelationshipCustomer("z1", "B", "yi", at(2)),
        Referral("y1", "jia", "yi", named="A"),
        visit("r2", "yi", "B", 5),
    ]
    verdict = judge(facts, at(6), customer="yi")
    assert verdict.owner == "A"
    assert "OWN-06" in verdict.rules


def test_own_06_referral_window_passes_unclosed_customer_to_next_receiver() -> None:
    """OWN-06 option referral_window_days 40: not closed within 40 days → whoever receives them next."""
    facts: list[Fact] = [
        visit("r1", "jia", "A", 1),
        deposit("d0", "jia", "A", 1, 15),
        Referral("y1", "jia", "yi", named="A"),
        visit("r2", "yi", "B", 2),
        follow_up("f1", "yi", "A", 30),
        visit("r3", "yi", "C", 43),
    ]
    policy = DEFAULT.with_overrides({"referral_window_days": 40})
    assert judge(facts, at(35), customer="yi", policy=policy).protected_until == day(42)
    verdict = judge(facts, at(43, 12), customer="yi", policy=policy)
    assert verdict.owner == "C"
    assert verdict.lapse is not None
    assert verdict.lapse.rule == "OWN-06"
    assert judge(facts, at(43, 12), customer="yi").owner == "A"


# --- OWN-07 household collisions ----------------------------------------------------------------------


def _couple(*extra: Fact) -> list[Fact]:
    return [
        visit("r1", "mr", "A", 1),
        visit("r2", "mrs", "B", 3),
        Relation("x1", "mr", "mrs", "spouse", recorded_at=at(8)),
        deposit("d1", "mrs", "B", 10),
        *extra,
    ]


def test_s_own_7_household_collision_default_split_even() -> None:
    """S-OWN-7 (OWN-07 A): A registered 周先生, B his wife; linked later; she deposits → 50:50 A/B."""
    verdict = judge(_couple(), at(11), customer="mrs")
    assert verdict.owner == "B"
    assert verdict.performance == shares(A=50, B=50)
    assert verdict.commission == shares(A=50, B=50)
    assert "OWN-07" in verdict.rules
    assert "x1" in verdict.facts


def test_own_07_option_b_first_registrant_gets_performance() -> None:
    """OWN-07 B: performance to the first registrant (A), commission 50:50."""
    verdict = judge(_couple(), at(11), customer="mrs", household_collision="first_registrant_performance")
    assert verdict.performance == shares(A=100)
    assert verdict.commission == shares(A=50, B=50)


def test_own_07_option_c_closest_relative() -> None:
    """OWN-07 C (D-AMB-14): a registered buyer keeps their own registrant; an unregistered household
    member who buys follows their closest registered relative (spouse before parent)."""
    facts = _couple(
        visit("r3", "mother", "C", 4),
        Relation("x2", "mrs", "mother", "parent", recorded_at=at(8)),
        Relation("x3", "mrs", "son", "child", recorded_at=at(8)),
        Relation("x4", "mr", "son", "child", recorded_at=at(8)),
    )
    verdicts = decide(
        facts, policy=DEFAULT.with_overrides({"household_collision": "closest_relative"}), at=at(11), tz=TZ
    )
    assert verdicts["mrs"].owner == "B"
    assert verdicts["mrs"].commission == shares(B=100)
    assert verdicts["son"].owner == "A"
    assert verdicts["son"].protected_until == day(31)


def test_own_07_option_d_manager_decides() -> None:
    """OWN-07 D: the verdict waits for the manager; the decision's split then holds."""
    policy = DEFAULT.with_overrides({"household_collision": "manager_decides"})
    waiting = judge(_couple(), at(11), customer="mrs", policy=policy)
    assert waiting.awaiting_decision == "OWN-07"
    decided = _couple(
        decision(
            "m1",
            "mrs",
            "dispute",
            11,
            owner="B",
            performance={"A": 30, "B": 70},
            commission={"A": 30, "B": 70},
        )
    )
    verdict = judge(decided, at(12), customer="mrs", policy=policy)
    assert verdict.awaiting_decision is None
    assert verdict.performance == shares(A=30, B=70)


def test_own_07_known_household_belongs_to_first_registrant() -> None:
    """OWN-07: family members known to be one household when the second registers → the first registrant owns."""
    facts: list[Fact] = [
        visit("r1", "mr", "A", 1),
        Relation("x1", "mr", "mrs", "spouse", recorded_at=at(2)),
        visit("r2", "mrs", "B", 3),
    ]
    verdict = judge(facts, at(4), customer="mrs")
    assert verdict.owner == "A"
    assert verdict.commission == shares(A=100)
    assert verdict.rules[0] == "OWN-07"


def test_own_07_siblings_are_separate_households() -> None:
    """OWN-07: brothers' separate households go by the name on the deal: no split."""
    facts: list[Fact] = [
        visit("r1", "bro1", "A", 1),
        visit("r2", "bro2", "B", 3),
        Relation("x1", "bro1", "bro2", "sibling"),
    ]
    assert judge(facts, at(4), customer="bro2").commission == shares(B=100)


def test_own_07_lapsed_member_does_not_collide() -> None:
    """OWN-07, D-AMB-14: a salesperson whose protection expired is not part of the collision."""
    facts: list[Fact] = [
        visit("r1", "mr", "A", 1),
        visit("r2", "mrs", "B", 40),
        Relation("x1", "mr", "mrs", "spouse"),
    ]
    assert judge(facts, at(41), customer="mrs").commission == shares(B=100)


# --- OWN-08, OWN-09, OWN-15, OWN-18, DISP-02 decisions ---------------------------------------------------


def test_own_08_service_complaint_former_gets_nothing() -> None:
    """OWN-08: service-quality reassignment to C; the former owner gets nothing from the deal."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        decision("m1", "c1", "reassignment_service", 5, owner="C"),
        deposit("d1", "c1", "C", 8),
    ]
    verdict = judge(facts, at(9))
    assert verdict.owner == "C"
    assert verdict.performance == shares(C=100)
    assert verdict.commission == shares(C=100)
    assert "OWN-08" in verdict.rules


def test_own_08_other_cause_manager_decides_the_shares() -> None:
    """OWN-08 default: for other causes the manager's shares stand."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        decision(
            "m1",
            "c1",
            "reassignment_other",
            5,
            owner="C",
            performance={"C": 80, "A": 20},
            commission={"C": 60, "A": 40},
        ),
    ]
    verdict = judge(facts, at(6))
    assert verdict.performance == shares(A=20, C=80)
    assert verdict.commission == shares(A=40, C=60)


def test_own_08_option_even_then_70_30() -> None:
    """OWN-08 option even_then_70_30: 50:50 commission on this customer, 70:30 on the customers they refer."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        decision("m1", "c1", "reassignment_other", 5, owner="C"),
        Referral("y1", "c1", "c2", named="C"),
        visit("r2", "c2", "B", 10),
    ]
    verdicts = decide(
        facts,
        policy=DEFAULT.with_overrides({"reassignment_other_cause": "even_then_70_30"}),
        at=at(11),
        tz=TZ,
    )
    assert verdicts["c1"].performance == shares(C=100)
    assert verdicts["c1"].commission == shares(A=50, C=50)
    assert verdicts["c2"].owner == "C"
    assert verdicts["c2"].performance == shares(C=100)
    assert verdicts["c2"].commission == shares(A=30, C=70)


def test_own_09_departed_salespersons_open_customer_goes_to_the_pool() -> None:
    """OWN-09: a not-yet-closed customer of a leaver is treated as new; the manager redistributes."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), decision("m1", "c1", "departure", 5)]
    assert judge(facts, at(6)).public_pool
    facts.append(decision("m2", "c1", "pool_distribution", 6, owner="D"))
    verdict = judge(facts, at(7))
    assert verdict.owner == "D"
    assert verdict.rules[-1] == "OWN-09"


def test_own_09_departed_salespersons_closed_customer_keeps_the_deal_shares() -> None:
    """OWN-09, D-AMB-21: a closed customer passes to the successor; the deal's shares stay."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        deposit("d1", "c1", "A", 3),
        decision("m1", "c1", "departure", 5, owner="D"),
    ]
    verdict = judge(facts, at(6))
    assert verdict.owner == "D"
    assert verdict.closed
    assert verdict.performance == shares(A=100)


@pytest.mark.parametrize(("new_owner", "pool"), [(None, True), ("C", False)])
def test_own_15_revocation(new_owner: str | None, pool: bool) -> None:
    """OWN-15: a confirmed complaint revokes ownership; the manager names the new owner (or the pool)."""
    facts: list[Fact] = [visit("r1", "c1", "A", 1), decision("m1", "c1", "revocation", 5, owner=new_owner)]
    verdict = judge(facts, at(6))
    assert verdict.public_pool is pool
    assert verdict.owner == new_owner
    assert "OWN-15" in verdict.rules


def test_disp_02_decision_is_respected_by_later_records() -> None:
    """DISP-02: the manager gives the customer to C with a split; later receptions do not undo it."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        deposit("d1", "c1", "A", 5),
        decision("m1", "c1", "dispute", 7, owner="C", performance={"C": 100}, commission={"A": 50, "C": 50}),
        visit("r2", "c1", "B", 9, said_first_visit=True, owner_present=True),
    ]
    verdict = judge(facts, at(10))
    assert verdict.owner == "C"
    assert verdict.closed
    assert verdict.commission == shares(A=50, C=50)
    assert "DISP-02" in verdict.rules


def test_own_18_roll_decides_against_later_claims() -> None:
    """OWN-18: once on the confirmed valid-customer roll, an unrecognised revisit does not move ownership."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        decision("m1", "c1", "roll_confirmation", 5, owner="A"),
        visit("r2", "c1", "B", 8, said_first_visit=True, owner_present=True),
    ]
    verdict = judge(facts, at(9))
    assert verdict.owner == "A"
    assert "OWN-18" in verdict.rules


@pytest.mark.parametrize(("option", "commission"), [(True, {ACTIVITY_FUND: 100}), (False, {"A": 100})])
def test_own_18_confiscation_option(option: bool, commission: dict[str, int]) -> None:
    """OWN-18 option valid_roll_confiscation: an unresolved roll dispute sends the commission to the fund."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        decision("m1", "c1", "roll_confirmation", 5, owner="A"),
        deposit("d1", "c1", "A", 6),
        decision("m2", "c1", "confiscation", 7),
    ]
    verdict = judge(facts, at(8), valid_roll_confiscation=option)
    assert verdict.commission == shares(**commission)
    assert verdict.performance == shares(A=100)


# --- OWN-11 phone invitations, OWN-12 fairs and events ------------------------------------------------


def test_own_11_invited_customer_who_cannot_say_by_whom_is_the_receivers() -> None:
    """OWN-11: no objection at the day's summary → the receiver owns."""
    verdict = judge([visit("r1", "c1", "B", 1, source="phone_invitation")], at(2))
    assert verdict.owner == "B"
    assert verdict.rules[0] == "OWN-11"


@pytest.mark.parametrize(("objection_day", "commission"), [(1, {"B": 50, "D": 50}), (2, {"B": 100})])
def test_own_11_objection_with_evidence_at_the_days_summary(
    objection_day: int, commission: dict[str, int]
) -> None:
    """OWN-11: an upheld objection the same day makes it 50:50; a later one is too late."""
    facts: list[Fact] = [
        visit("r1", "c1", "B", 1, source="phone_invitation"),
        decision("m1", "c1", "invitation_objection", objection_day, party="D"),
    ]
    verdict = judge(facts, at(3))
    assert verdict.commission == shares(**commission)


def test_own_11_named_inviter_owns_and_the_receiver_only_helps() -> None:
    """OWN-11: the customer names the inviter D; receiver B's same-day deposit is wholly D's."""
    facts: list[Fact] = [
        visit("r1", "c1", "B", 1, source="phone_invitation", named="D"),
        deposit("d1", "c1", "B", 1, 15),
    ]
    verdict = judge(facts, at(2))
    assert verdict.owner == "D"
    assert verdict.performance == shares(D=100)
    assert verdict.commission == shares(D=100)


def test_own_12_fair_registration_waits_for_distribution() -> None:
    """OWN-12: registrations at a housing fair go to the unassigned pool for the manager."""
    facts: list[Fact] = [visit("r1", "c1", "B", 1, source="exhibition")]
    waiting = judge(facts, at(2))
    assert waiting.public_pool
    assert waiting.awaiting_decision == "OWN-12"
    facts.append(decision("m1", "c1", "pool_distribution", 3, owner="C"))
    verdict = judge(facts, at(4))
    assert verdict.owner == "C"
    assert verdict.rules == ("OWN-12", "OWN-04")


def test_own_12_deal_at_the_fair_belongs_to_the_receiver_there() -> None:
    """OWN-12: a deposit taken at the fair belongs to the receiver."""
    facts: list[Fact] = [visit("r1", "c1", "B", 1, source="exhibition"), deposit("d1", "c1", "B", 1, 15)]
    verdict = judge(facts, at(2))
    assert verdict.owner == "B"
    assert verdict.closed


def test_own_12_revisit_naming_a_salesperson_wins_over_distribution() -> None:
    """OWN-12, D-AMB-40: after distribution to C, the customer visits and names D → D."""
    facts: list[Fact] = [
        visit("r1", "c1", "B", 1, source="exhibition"),
        decision("m1", "c1", "pool_distribution", 3, owner="C"),
        visit("r2", "c1", "A", 6, named="D"),
    ]
    assert judge(facts, at(7)).owner == "D"


def test_own_12_event_deal_with_anothers_customer_identified_same_day() -> None:
    """OWN-12: B closes A's customer at an event, identified the same day → 50:50."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        visit("r2", "c1", "B", 5, source="event"),
        deposit("d1", "c1", "B", 5, 15),
    ]
    verdict = judge(facts, at(6))
    assert verdict.performance == shares(A=50, B=50)
    assert verdict.commission == shares(A=50, B=50)


def test_own_12_owner_did_not_react_at_the_event_closer_owns() -> None:
    """OWN-12: the owner was at the event and did not react to their own customer → the closer owns."""
    facts: list[Fact] = [
        visit("r1", "c1", "A", 1),
        visit("r2", "c1", "B", 5, source="event", owner_present=True),
        deposit("d1", "c1", "B", 5, 15),
    ]
    verdict = judge(facts, at(6))
    assert verdict.owner == "B"
    assert verdict.commission == shares(B=100)


def test_own_12_new_customer_closed_at_the_event_is_the_closers() -> None:
    """OWN-12: a deal with a new customer at the event belongs to the closer."""
    facts: list[Fact] = [visit("r1", "c1", "B", 5, source="event"), deposit("d1", "c1", "B", 5, 15)]
    assert judge(facts, at(6)).owner == "B"


# --- DISP-01 ------------------------------------------------------------------------------------------


def test_s_own_11_dispute_window_closes_at_end_of_day_13() -> None:
    """S-OWN-11 (DISP-01): deposit day 10 11:00; C objects day 12 → open; D on day 14 → refused."""
    deposit_at = at(10, 11)
    assert dispute_window_closes(deposit_at, DEFAULT, TZ) == day(13)
    assert dispute_allowed(deposit_at=deposit_at, objected_at=at(12, 9), policy=DEFAULT, tz=TZ)
    assert dispute_allowed(deposit_at=deposit_at, objected_at=at(13, 23, 59), policy=DEFAULT, tz=TZ)
    assert not dispute_allowed(deposit_at=deposit_at, objected_at=at(14, 9), policy=DEFAULT, tz=TZ)


def test_disp_01_window_follows_the_policy_and_the_site_day() -> None:
    """DISP-01: dispute_window_days is honoured; a deposit at 23:30 local is on that local day."""
    policy = DEFAULT.with_overrides({"dispute_window_days": 5})
    late_evening_utc = dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC)  # 23:30 in Shanghai
    assert dispute_window_closes(late_evening_utc, policy, TZ) == day(15)
    assert dispute_allowed(deposit_at=None, objected_at=at(99), policy=DEFAULT, tz=TZ)


# --- CHAN-02, CHAN-03, CHAN-04 --------------------------------------------------------------------------


def _report(fact_id: str, agent: str, reported_day: int, **fields: Any) -> ChannelReport:
    fields.setdefault("customer_name", "孙八")
    fields.setdefault("masked_phone", "139***12345")
    fields.setdefault("expected_at", day(3))
    return ChannelReport(fact_id, agent, reported_at=at(reported_day, 9), **fields)


def _sun_visit(visit_day: int, **fields: Any) -> Registration:
    return visit("r1", "c1", "A", visit_day, name="孙八", phones=("13900012345",), **fields)


@pytest.mark.parametrize(("visit_day", "agent"), [(5, "X"), (8, "X"), (9, None)])
def test_s_own_13_report_matched_at_first_visit(visit_day: int, agent: str | None) -> None:
    """S-OWN-13 (CHAN-01..03): X reports 孙八 139***12345 on day 2, expected day 3; a first visit on day 5
    matches X; on day 9, without a re-report, 孙八 is a natural visitor. Ownership is untouched.
    """
    facts: list[Fact] = [_report("k1", "X", 2, team="T1"), _sun_visit(visit_day)]
    verdict = judge(facts, at(visit_day, 12))
    assert verdict.owner == "A"
    if agent is None:
        assert verdict.channel is None
    else:
        assert verdict.channel is not None
        assert (verdict.channel.agent, verdict.channel.report, verdict.channel.team) == (agent, "k1", "T1")


def test_chan_02_validity_days_follow_the_policy() -> None:
    """CHAN-02: channel_report_valid_days 10 keeps the day-2 report valid on day 9."""
    facts: list[Fact] = [_report("k1", "X", 2), _sun_visit(9)]
    assert judge(facts, at(9, 12), channel_report_valid_days=10).channel is not None


def test_chan_02_rereport_renews_and_too_many_are_refused() -> None:
    """CHAN-02: a re-report restarts the 7 days; beyond channel_max_rereports it is refused (公号)."""
    facts: list[Fact] = [_report("k1", "X", 1), _report("k2", "X", 8, rereports=1), _sun_visit(12)]
    verdict = judge(facts, at(12, 12))
    assert verdict.channel is not None
    assert verdict.channel.report == "k2"
    over_limit: list[Fact] = [_report("k4", "X", 8, rereports=4), _sun_visit(12)]
    assert judge(over_limit, at(12, 12)).channel is None
    assert judge(over_limit, at(12, 12), channel_max_rereports=4).channel is not None


def test_chan_03_surname_and_name_must_match() -> None:
    """CHAN-03: prefix + suffix and name: a surname report matches, another name does not."""
    assert (
        judge([_report("k1", "X", 2, customer_name="孙先生"), _sun_visit(4)], at(4, 12)).channel is not None
    )
    assert judge([_report("k1", "X", 2, customer_name="李四"), _sun_visit(4)], at(4, 12)).channel is None
    assert (
        judge([_report("k1", "X", 2, masked_phone="139***99999"), _sun_visit(4)], at(4, 12)).channel is None
    )


def test_chan_03_report_after_first_visit_needs_evidence_or_naming() -> None:
    """CHAN-03: a report after the first visit counts only with earlier evidence or the customer naming the agent."""
    assert judge([_report("k1", "X", 5), _sun_visit(4)], at(6)).channel is None
    assert (
        judge([_report("k1", "X", 5, evidence_before_visit=True), _sun_visit(4)], at(6)).channel is not None
    )
    assert judge([_report("k1", "X", 5), _sun_visit(4, named="X")], at(6)).channel is not None


def test_chan_04_earliest_valid_report_wins_over_the_bringer() -> None:
    """CHAN-04: Y brings the customer but X reported earlier → X; with no report the bringer wins."""
    facts: list[Fact] = [_report("k1", "X", 1), _report("k2", "Y", 2), _sun_visit(4, brought_by="Y")]
    verdict = judge(facts, at(5))
    assert verdict.channel is not None
    assert (verdict.channel.agent, verdict.channel.rule) == ("X", "CHAN-04")
    alone = judge([_sun_visit(4, brought_by="Y")], at(5))
    assert alone.channel is not None
    assert (alone.channel.agent, alone.channel.report) == ("Y", None)


def test_chan_05_cancelled_report_does_not_count() -> None:
    """CHAN-05: a complaint or violation cancels the report's claim."""
    assert judge([_report("k1", "X", 2, cancelled=True), _sun_visit(4)], at(5)).channel is None


# --- contract of the facts ------------------------------------------------------------------------------


def test_facts_refuse_impossible_values() -> None:
    """The fact dataclasses refuse what cannot be true, so the engine never sees it."""
    with pytest.raises(ValueError, match="recorded_at"):
        Registration("r1", "c1", "A", "visit", at(2), at(1), True)
    with pytest.raises(ValueError, match="timezone-aware"):
        FollowUp("f1", "c1", "A", dt.datetime(2026, 3, 1, 10), True)
    with pytest.raises(ValueError, match="sum to 100"):
        Decision("m1", "c1", "dispute", at(1), owner="A", performance={"A": 60, "B": 30})
    with pytest.raises(ValueError, match="must name the owner"):
        Decision("m1", "c1", "pool_distribution", at(1))
    with pytest.raises(ValueError, match="masked_phone"):
        ChannelReport("k1", "X", "孙八", "13900012345", at(1), day(2))


def test_decide_refuses_duplicate_ids_and_naive_at() -> None:
    with pytest.raises(ValueError, match="unique"):
        decide([visit("r1", "c1", "A", 1), visit("r1", "c2", "B", 1)], policy=DEFAULT, at=at(2), tz=TZ)
    with pytest.raises(ValueError, match="timezone-aware"):
        decide([], policy=DEFAULT, at=dt.datetime(2026, 3, 1), tz=TZ)
