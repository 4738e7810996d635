"""Deal rules without a database: UNIT-02/03, DEP-01..06, DISC-01, COMM-01/02, PAY-01/02, MORT-02."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deals import rules
from deals.rules import (
    CANCELLATION_TRANSITIONS,
    CONTRACT_TRANSITIONS,
    DEPOSIT_TRANSITIONS,
    MORTGAGE_TRANSITIONS,
    SUBSCRIPTION_TRANSITIONS,
    SYSTEM,
    UNIT_CHANGE_TRANSITIONS,
    UNIT_TRANSITIONS,
    Allocation,
    BreachingParty,
    CommissionStatus,
    ContractAction,
    ContractStatus,
    DepositAction,
    DepositKind,
    DepositStatus,
    DiscountApprover,
    Instalment,
    MoneyKind,
    MoneyRecord,
    MortgageAction,
    MortgageStatus,
    RequestAction,
    RequestStatus,
    Share,
    SubscriptionAction,
    SubscriptionStatus,
    TransitionTable,
    UnitAction,
    UnitStatus,
)
from salesoffice.core.policy import Policy
from salesoffice.core.roles import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = Policy()
ALL_ROLES = [*Role, SYSTEM]
TABLES = [
    UNIT_TRANSITIONS,
    *DEPOSIT_TRANSITIONS.values(),
    SUBSCRIPTION_TRANSITIONS,
    CONTRACT_TRANSITIONS,
    CANCELLATION_TRANSITIONS,
    UNIT_CHANGE_TRANSITIONS,
    MORTGAGE_TRANSITIONS,
]


def at(day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """Day N of the scenarios, local time at the site."""
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=SHANGHAI)


def yuan(value: str) -> Decimal:
    return Decimal(value)


# --- UNIT-02 / UNIT-03 ---


def test_unit02_a_unit_goes_from_withheld_to_handed_over():
    steps = [
        (UnitAction.RELEASE, Role.MANAGER, UnitStatus.AVAILABLE),
        (UnitAction.HOLD, Role.SALESPERSON, UnitStatus.ON_HOLD),
        (UnitAction.TOP_UP, Role.SALESPERSON, UnitStatus.RESERVED),
        (UnitAction.SIGN, Role.SALESPERSON, UnitStatus.CONTRACTED),
        (UnitAction.HAND_OVER, Role.SERVICE, UnitStatus.HANDED_OVER),
    ]
    status: str = UnitStatus.WITHHELD
    for action, role, expected in steps:
        status = rules.check_unit_transition(current=status, action=action, role=role)
        assert status == expected


@pytest.mark.parametrize(
    ("current", "action", "role"),
    [
        (UnitStatus.ON_HOLD, UnitAction.EXPIRE, SYSTEM),
        (UnitStatus.RESERVED, UnitAction.EXPIRE, SYSTEM),
        (UnitStatus.ON_HOLD, UnitAction.CANCEL, Role.MANAGER),
        (UnitStatus.RESERVED, UnitAction.CANCEL, Role.DEPUTY),
        (UnitStatus.CONTRACTED, UnitAction.CANCEL, Role.MANAGER),
        (UnitStatus.RESERVED, UnitAction.CHANGE_UNIT, Role.SALESPERSON),
    ],
)
def test_unit02_back_to_available_on_expiry_cancellation_or_unit_change(current, action, role):
    assert rules.check_unit_transition(current=current, action=action, role=role) == UnitStatus.AVAILABLE


@pytest.mark.parametrize("role", [Role.SALESPERSON, Role.SUPERVISOR, Role.FINANCE, Role.SERVICE])
@pytest.mark.parametrize(
    ("current", "action"),
    [(UnitStatus.WITHHELD, UnitAction.RELEASE), (UnitStatus.AVAILABLE, UnitAction.WITHHOLD)],
)
def test_unit02_only_the_site_manager_withholds_and_releases(role, current, action):
    with pytest.raises(rules.RoleNotPermitted) as refused:
        rules.check_unit_transition(current=current, action=action, role=role)
    assert refused.value.code == "role_not_permitted"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.DEPUTY])
def test_unit02_the_site_manager_or_deputy_releases_a_batch(role):
    assert rules.check_unit_transition(current=UnitStatus.WITHHELD, action=UnitAction.RELEASE, role=role) == (
        UnitStatus.AVAILABLE
    )


@pytest.mark.parametrize(
    "current", [UnitStatus.WITHHELD, UnitStatus.ON_HOLD, UnitStatus.RESERVED, UnitStatus.CONTRACTED]
)
@pytest.mark.parametrize("action", [UnitAction.HOLD, UnitAction.RESERVE])
def test_unit03_s_deal_1_a_taken_unit_is_no_longer_available(current, action):
    # S-DEAL-1: the second of two simultaneous holds finds the unit on hold.
    with pytest.raises(rules.UnitUnavailable) as refused:
        rules.check_unit_transition(current=current, action=action, role=Role.SALESPERSON)
    assert refused.value.code == "unit_unavailable"
    assert "no longer available" in refused.value.message


def test_unit02_a_move_the_table_lacks_is_transition_not_allowed():
    with pytest.raises(rules.TransitionNotAllowed) as refused:
        rules.check_unit_transition(
            current=UnitStatus.AVAILABLE, action=UnitAction.SIGN, role=Role.SALESPERSON
        )
    assert refused.value.code == "transition_not_allowed"
    assert refused.value.params == {"table": "unit", "current": "available", "action": "sign"}


def test_unit02_the_expiry_job_may_not_cancel_a_contract():
    with pytest.raises(rules.RoleNotPermitted):
        rules.check_unit_transition(current=UnitStatus.CONTRACTED, action=UnitAction.CANCEL, role=SYSTEM)


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_transition_tables_name_only_known_roles(table: TransitionTable):
    assert all(transition.roles <= set(ALL_ROLES) for transition in table.transitions)


@given(
    table=st.sampled_from(TABLES),
    data=st.data(),
)
def test_transition_tables_answer_every_question_with_a_known_state_or_a_refusal(table, data):
    current = data.draw(st.sampled_from(sorted(table.states)))
    action = data.draw(st.sampled_from(sorted({t.action for t in table.transitions} | {"unknown"})))
    role = data.draw(st.sampled_from(ALL_ROLES))
    try:
        target = rules.check_transition(table=table, current=current, action=action, role=role)
    except (rules.TransitionNotAllowed, rules.RoleNotPermitted):
        return
    assert target in table.states


def test_transition_table_refuses_an_ambiguous_action_an_unknown_or_an_unreachable_state():
    with pytest.raises(ValueError, match="two states"):
        rules.make_table(
            name="broken",
            states=UnitStatus,
            initial=(UnitStatus.AVAILABLE,),
            rows=(
                ((UnitStatus.AVAILABLE,), "go", UnitStatus.ON_HOLD, (Role.MANAGER,)),
                ((UnitStatus.AVAILABLE,), "go", UnitStatus.RESERVED, (Role.MANAGER,)),
            ),
        )
    with pytest.raises(ValueError, match="unknown states"):
        rules.make_table(
            name="broken",
            states=UnitStatus,
            initial=(UnitStatus.AVAILABLE,),
            rows=(((UnitStatus.AVAILABLE,), "go", "nowhere", (Role.MANAGER,)),),
        )
    with pytest.raises(ValueError, match="unreachable states"):
        rules.make_table(
            name="broken",
            states=UnitStatus,
            initial=(UnitStatus.AVAILABLE,),
            rows=(((UnitStatus.AVAILABLE,), "go", UnitStatus.ON_HOLD, (Role.MANAGER,)),),
        )


# --- Deal tables: deposits (DEP), subscription (CON-01), contract (CON-02..04), requests ---


@pytest.mark.parametrize(
    ("kind", "action", "role", "expected"),
    [
        (DepositKind.SMALL, DepositAction.TOP_UP, Role.SALESPERSON, DepositStatus.TOPPED_UP),
        (DepositKind.SMALL, DepositAction.REFUND, SYSTEM, DepositStatus.REFUNDED),
        (DepositKind.SMALL, DepositAction.TRANSFER, Role.SALESPERSON, DepositStatus.TRANSFERRED),
        (DepositKind.LARGE, DepositAction.CONVERT, Role.SALESPERSON, DepositStatus.CONVERTED),
        (DepositKind.LARGE, DepositAction.EXTEND, Role.MANAGER, DepositStatus.ACTIVE),
        (DepositKind.LARGE, DepositAction.FORFEIT, SYSTEM, DepositStatus.FORFEITED),
        (DepositKind.LARGE, DepositAction.RETURN_DOUBLE, Role.MANAGER, DepositStatus.RETURNED_DOUBLE),
    ],
)
def test_dep_deposit_transitions(kind, action, role, expected):
    table = DEPOSIT_TRANSITIONS[kind]
    assert (
        rules.check_transition(table=table, current=DepositStatus.ACTIVE, action=action, role=role)
        == expected
    )


@pytest.mark.parametrize(
    ("kind", "action", "role", "error"),
    [
        # DEP-01: a small deposit is never extended, it is topped up.
        (DepositKind.SMALL, DepositAction.EXTEND, Role.MANAGER, rules.TransitionNotAllowed),
        (DepositKind.SMALL, DepositAction.CONVERT, Role.SALESPERSON, rules.TransitionNotAllowed),
        (DepositKind.LARGE, DepositAction.EXTEND, Role.SALESPERSON, rules.RoleNotPermitted),
        # DEP-06: refunds and double returns need the site manager.
        (DepositKind.LARGE, DepositAction.REFUND, Role.SALESPERSON, rules.RoleNotPermitted),
        (DepositKind.LARGE, DepositAction.RETURN_DOUBLE, SYSTEM, rules.RoleNotPermitted),
    ],
)
def test_dep_deposit_transitions_refused(kind, action, role, error):
    with pytest.raises(error):
        rules.check_transition(
            table=DEPOSIT_TRANSITIONS[kind], current=DepositStatus.ACTIVE, action=action, role=role
        )


def test_dep_a_settled_deposit_cannot_be_settled_again():
    with pytest.raises(rules.TransitionNotAllowed):
        rules.check_transition(
            table=DEPOSIT_TRANSITIONS[DepositKind.LARGE],
            current=DepositStatus.FORFEITED,
            action=DepositAction.FORFEIT,
            role=SYSTEM,
        )


def test_con01_subscription_is_closed_by_signing_and_replaced_by_a_unit_change():
    table = SUBSCRIPTION_TRANSITIONS
    active = SubscriptionStatus.ACTIVE
    assert rules.check_transition(
        table=table, current=active, action=SubscriptionAction.SIGN, role=Role.SALESPERSON
    ) == (SubscriptionStatus.CONTRACTED)
    assert rules.check_transition(
        table=table, current=active, action=SubscriptionAction.CHANGE_UNIT, role=Role.SALESPERSON
    ) == (SubscriptionStatus.REPLACED)
    assert table.terminal == frozenset(set(SubscriptionStatus) - {active})


def test_con03_contract_is_approved_then_filed_then_completed():
    status: str = ContractStatus.SIGNED
    for action, role in [
        (ContractAction.APPROVE, Role.MANAGER),
        (ContractAction.FILE, Role.SERVICE),
        (ContractAction.COMPLETE, Role.SERVICE),
    ]:
        status = rules.check_transition(table=CONTRACT_TRANSITIONS, current=status, action=action, role=role)
    assert status == ContractStatus.COMPLETED


def test_con03_a_contract_is_filed_only_after_internal_approval():
    with pytest.raises(rules.TransitionNotAllowed):
        rules.check_transition(
            table=CONTRACT_TRANSITIONS,
            current=ContractStatus.SIGNED,
            action=ContractAction.FILE,
            role=Role.SERVICE,
        )


@pytest.mark.parametrize("role", [Role.SALESPERSON, Role.SUPERVISOR, Role.FINANCE])
def test_con04_only_the_site_manager_decides_a_cancellation(role):
    with pytest.raises(rules.RoleNotPermitted):
        rules.check_transition(
            table=CANCELLATION_TRANSITIONS,
            current=RequestStatus.REQUESTED,
            action=RequestAction.APPROVE,
            role=role,
        )
    with pytest.raises(rules.RoleNotPermitted):
        rules.check_transition(
            table=CONTRACT_TRANSITIONS, current=ContractStatus.FILED, action=ContractAction.CANCEL, role=role
        )


def test_con04_finance_settles_an_approved_cancellation():
    approved = rules.check_transition(
        table=CANCELLATION_TRANSITIONS,
        current=RequestStatus.REQUESTED,
        action=RequestAction.APPROVE,
        role=Role.MANAGER,
    )
    assert rules.check_transition(
        table=CANCELLATION_TRANSITIONS, current=approved, action=RequestAction.COMPLETE, role=Role.FINANCE
    ) == (RequestStatus.DONE)


def test_dep05_a_unit_change_waiting_for_approval_cannot_be_completed():
    with pytest.raises(rules.TransitionNotAllowed):
        rules.check_transition(
            table=UNIT_CHANGE_TRANSITIONS,
            current=RequestStatus.REQUESTED,
            action=RequestAction.COMPLETE,
            role=Role.SALESPERSON,
        )


# --- MORT-02 ---


def test_mort02_more_documents_send_the_file_back_for_resubmission():
    status: str = MortgageStatus.DOCUMENTS_COLLECTED
    for action in [
        MortgageAction.SUBMIT,
        MortgageAction.REQUEST_DOCUMENTS,
        MortgageAction.SUBMIT,
        MortgageAction.APPROVE,
        MortgageAction.SIGN_LOAN_CONTRACT,
        MortgageAction.REGISTER_MORTGAGE,
    ]:
        status = rules.check_transition(
            table=MORTGAGE_TRANSITIONS, current=status, action=action, role=Role.SERVICE
        )
    assert rules.check_transition(
        table=MORTGAGE_TRANSITIONS, current=status, action=MortgageAction.RELEASE_FUNDS, role=Role.FINANCE
    ) == (MortgageStatus.FUNDS_RELEASED)
    assert MORTGAGE_TRANSITIONS.terminal == {MortgageStatus.REFUSED, MortgageStatus.FUNDS_RELEASED}


def test_mort02_steps_cannot_be_skipped():
    with pytest.raises(rules.TransitionNotAllowed):
        rules.check_transition(
            table=MORTGAGE_TRANSITIONS,
            current=MortgageStatus.SUBMITTED,
            action=MortgageAction.SIGN_LOAN_CONTRACT,
            role=Role.SERVICE,
        )


@pytest.mark.parametrize(
    ("today", "overdue"), [(dt.date(2025, 3, 15), False), (dt.date(2025, 3, 16), True)], ids=["due", "late"]
)
def test_mort02_a_step_that_takes_too_long_is_overdue(today, overdue):
    deadline = rules.step_deadline(
        table=MORTGAGE_TRANSITIONS,
        status=MortgageStatus.SUBMITTED,
        entered_on=dt.date(2025, 3, 1),
        today=today,
        allowed_days={MortgageStatus.SUBMITTED: 14},
    )
    assert deadline.due_on == dt.date(2025, 3, 15)
    assert deadline.overdue is overdue
    assert deadline.next_actions == (
        MortgageAction.REQUEST_DOCUMENTS,
        MortgageAction.APPROVE,
        MortgageAction.REFUSE,
    )


def test_mort02_a_final_step_or_an_untimed_step_has_no_deadline():
    for status in (MortgageStatus.FUNDS_RELEASED, MortgageStatus.APPROVED):
        deadline = rules.step_deadline(
            table=MORTGAGE_TRANSITIONS,
            status=status,
            entered_on=dt.date(2025, 1, 1),
            today=dt.date(2026, 1, 1),
            allowed_days={MortgageStatus.FUNDS_RELEASED: 1},
        )
        assert deadline.due_on is None
        assert deadline.overdue is False


# --- DEP-01 / DEP-02 ---


@pytest.mark.parametrize(
    ("amount", "error", "code"),
    [
        (yuan("450000.00"), rules.DepositAboveMaximum, "deposit_above_maximum"),
        (yuan("9000.00"), rules.DepositBelowMinimum, "deposit_below_minimum"),
    ],
)
def test_dep02_s_deal_2_refused_large_deposits(amount, error, code):
    with pytest.raises(error) as refused:
        rules.validate_deposit(
            kind=DepositKind.LARGE,
            amount=amount,
            total_price=yuan("2000000.00"),
            paid_at=at(1),
            policy=POLICY,
        )
    assert refused.value.code == code
    assert str(amount) in refused.value.message


def test_dep02_s_deal_2_the_maximum_is_20_percent_of_the_total():
    with pytest.raises(rules.DepositAboveMaximum) as refused:
        rules.validate_deposit(
            kind=DepositKind.LARGE,
            amount=yuan("450000.00"),
            total_price=yuan("2000000.00"),
            paid_at=at(1),
            policy=POLICY,
        )
    assert refused.value.params["maximum"] == yuan("400000.00")
    assert "20%" in refused.value.message


def test_dep02_s_deal_2_fifty_thousand_is_accepted_and_holds_seven_days():
    terms = rules.validate_deposit(
        kind=DepositKind.LARGE,
        amount=yuan("50000.00"),
        total_price=yuan("2000000.00"),
        paid_at=at(1),
        policy=POLICY,
    )
    assert terms.hold_days == 7
    assert terms.hold_until == at(8)
    assert (terms.minimum, terms.maximum) == (yuan("10000"), yuan("400000.00"))


@pytest.mark.parametrize("amount", [yuan("10000.00"), yuan("400000.00")], ids=["minimum", "maximum"])
def test_dep02_the_bounds_themselves_are_accepted(amount):
    terms = rules.validate_deposit(
        kind=DepositKind.LARGE, amount=amount, total_price=yuan("2000000.00"), paid_at=at(1), policy=POLICY
    )
    assert terms.amount == amount


def test_dep02_hold_days_and_bounds_follow_the_policy():
    policy = POLICY.with_overrides(
        {"large_deposit_hold_days": 3, "large_deposit_min": "20000", "large_deposit_max_ratio": "0.1"}
    )
    terms = rules.validate_deposit(
        kind=DepositKind.LARGE,
        amount=yuan("200000.00"),
        total_price=yuan("2000000.00"),
        paid_at=at(1),
        policy=policy,
    )
    assert terms.hold_until == at(4)
    with pytest.raises(rules.DepositAboveMaximum):
        rules.validate_deposit(
            kind=DepositKind.LARGE,
            amount=yuan("200000.01"),
            total_price=yuan("2000000.00"),
            paid_at=at(1),
            policy=policy,
        )


@pytest.mark.parametrize(("amount", "accepted"), [(yuan("499.99"), False), (yuan("500.00"), True)])
def test_dep01_small_deposit_minimum_and_three_day_hold(amount, accepted):
    def validate():
        return rules.validate_deposit(
            kind=DepositKind.SMALL,
            amount=amount,
            total_price=yuan("2000000.00"),
            paid_at=at(1),
            policy=POLICY,
        )

    if not accepted:
        with pytest.raises(rules.DepositBelowMinimum):
            validate()
        return
    terms = validate()
    assert terms.hold_until == at(4)
    assert terms.maximum is None


@pytest.mark.parametrize("amount", [yuan("0"), yuan("-500.00"), yuan("500.001"), Decimal("NaN")])
def test_dep01_an_amount_must_be_positive_yuan_with_two_decimals(amount):
    with pytest.raises(rules.InvalidAmount) as refused:
        rules.validate_deposit(
            kind=DepositKind.SMALL,
            amount=amount,
            total_price=yuan("2000000.00"),
            paid_at=at(1),
            policy=POLICY,
        )
    assert refused.value.code == "invalid_amount"


def test_dep01_payment_time_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        rules.hold_until(kind=DepositKind.SMALL, paid_at=dt.datetime(2025, 3, 1, 10), policy=POLICY)


def test_dep03_the_salesperson_is_reminded_one_day_before_the_hold_ends():
    assert rules.hold_reminder_at(hold_until=at(8)) == at(7)


# --- DEP-03 expiry ---


def test_dep03_s_deal_3_large_deposit_not_yet_expired_a_minute_before():
    verdict = rules.hold_expiry(
        kind=DepositKind.LARGE, amount=yuan("50000.00"), hold_until=at(8), now=at(8, 9, 59), policy=POLICY
    )
    assert verdict == rules.HoldExpiry(
        expired=False, deposit_action=None, forfeited=Decimal("0.00"), refunded=Decimal("0.00")
    )


def test_dep03_s_deal_3_large_deposit_expires_and_is_forfeited_once():
    # Given a 50,000 large deposit paid day 1 10:00 with a 7-day hold and no contract,
    hold_end = rules.hold_until(kind=DepositKind.LARGE, paid_at=at(1), policy=POLICY)
    # when the expiry job runs on day 8 10:00 and again later,
    first = rules.hold_expiry(
        kind=DepositKind.LARGE, amount=yuan("50000.00"), hold_until=hold_end, now=at(8), policy=POLICY
    )
    again = rules.hold_expiry(
        kind=DepositKind.LARGE, amount=yuan("50000.00"), hold_until=hold_end, now=at(8), policy=POLICY
    )
    # then the unit is released and the deposit forfeited, with the same verdict each time.
    assert first.expired
    assert first.deposit_action == DepositAction.FORFEIT
    assert (first.forfeited, first.refunded) == (yuan("50000.00"), Decimal("0.00"))
    assert again == first


def test_dep03_waived_forfeiture_refunds_the_large_deposit():
    verdict = rules.hold_expiry(
        kind=DepositKind.LARGE,
        amount=yuan("50000.00"),
        hold_until=at(8),
        now=at(9),
        policy=POLICY,
        forfeiture_waived=True,
    )
    assert verdict.deposit_action == DepositAction.REFUND
    assert (verdict.forfeited, verdict.refunded) == (Decimal("0.00"), yuan("50000.00"))


def test_dep03_an_extended_hold_does_not_expire_at_the_original_end():
    rules.check_hold_extension(kind=DepositKind.LARGE, current_hold_until=at(8), new_hold_until=at(10))
    verdict = rules.hold_expiry(
        kind=DepositKind.LARGE, amount=yuan("50000.00"), hold_until=at(10), now=at(8), policy=POLICY
    )
    assert not verdict.expired


@pytest.mark.parametrize(
    ("kind", "new_end"), [(DepositKind.SMALL, at(10)), (DepositKind.LARGE, at(8)), (DepositKind.LARGE, at(7))]
)
def test_dep03_extension_refused_for_small_deposits_or_earlier_ends(kind, new_end):
    with pytest.raises(rules.HoldExtensionNotAllowed) as refused:
        rules.check_hold_extension(kind=kind, current_hold_until=at(8), new_hold_until=new_end)
    assert refused.value.code == "hold_extension_not_allowed"


@pytest.mark.parametrize(
    ("refundable", "action"), [(True, DepositAction.REFUND), (False, DepositAction.FORFEIT)]
)
def test_dep03_expired_small_deposit_is_refunded_per_policy(refundable, action):
    policy = POLICY.with_overrides({"small_deposit_refundable": refundable})
    verdict = rules.hold_expiry(
        kind=DepositKind.SMALL, amount=yuan("500.00"), hold_until=at(4), now=at(4), policy=policy
    )
    assert verdict.expired
    assert verdict.deposit_action == action
    assert verdict.forfeited + verdict.refunded == yuan("500.00")


# --- DEP-04 top-up ---


def test_dep04_a_small_deposit_is_topped_up_to_a_large_one():
    result = rules.top_up(
        small_deposit=yuan("5000.00"),
        large_deposit=yuan("50000.00"),
        total_price=yuan("2000000.00"),
        paid_at=at(3, 15),
        policy=POLICY,
    )
    assert result == rules.TopUp(
        already_paid=yuan("5000.00"),
        large_deposit=yuan("50000.00"),
        to_pay=yuan("45000.00"),
        hold_until=at(10, 15),
    )


def test_dep04_the_large_amount_is_checked_as_a_large_deposit():
    with pytest.raises(rules.DepositBelowMinimum):
        rules.top_up(
            small_deposit=yuan("5000.00"),
            large_deposit=yuan("8000.00"),
            total_price=yuan("2000000.00"),
            paid_at=at(3),
            policy=POLICY,
        )


def test_dep04_the_large_deposit_cannot_be_less_than_what_was_paid():
    with pytest.raises(rules.TopUpBelowPaid) as refused:
        rules.top_up(
            small_deposit=yuan("30000.00"),
            large_deposit=yuan("20000.00"),
            total_price=yuan("2000000.00"),
            paid_at=at(3),
            policy=POLICY,
        )
    assert refused.value.code == "top_up_below_paid"


def test_dep04_the_form_must_match_the_unit():
    rules.check_order_matches_unit(
        order_area=yuan("89.37"),
        order_total=yuan("1787400.00"),
        unit_area=yuan("89.37"),
        unit_total=yuan("1787400.00"),
    )
    with pytest.raises(rules.OrderMismatch) as refused:
        rules.check_order_matches_unit(
            order_area=yuan("89.37"),
            order_total=yuan("1787400.00"),
            unit_area=yuan("89.73"),
            unit_total=yuan("1787400.00"),
        )
    assert refused.value.code == "order_mismatch"


# --- DEP-05 unit change ---


@pytest.mark.parametrize(
    ("new_total", "needs_manager"),
    [(yuan("1950000.00"), True), (yuan("2000000.00"), False), (yuan("2100000.00"), False)],
    ids=["cheaper", "same", "dearer"],
)
def test_dep05_a_unit_change_needs_the_site_manager_when_the_price_falls(new_total, needs_manager):
    change = rules.unit_change(
        from_unit="3-1201",
        to_unit="3-1202",
        old_total=yuan("2000000.00"),
        new_total=new_total,
        deposit_kind=DepositKind.LARGE,
        deposit=yuan("50000.00"),
        policy=POLICY,
    )
    assert change.needs_site_manager is needs_manager
    assert change.difference == new_total - yuan("2000000.00")
    assert change.note == "unit changed from 3-1201 to 3-1202"


def test_dep05_the_deposit_must_still_fit_the_new_unit():
    with pytest.raises(rules.DepositAboveMaximum):
        rules.unit_change(
            from_unit="3-1201",
            to_unit="1-0101",
            old_total=yuan("2000000.00"),
            new_total=yuan("240000.00"),
            deposit_kind=DepositKind.LARGE,
            deposit=yuan("50000.00"),
            policy=POLICY,
        )


# --- DEP-06 ---


@pytest.mark.parametrize(
    ("party", "forfeited", "paid_to_buyer"),
    [
        (BreachingParty.BUYER, yuan("50000.00"), yuan("0.00")),
        (BreachingParty.DEVELOPER, yuan("0.00"), yuan("100000.00")),
    ],
)
def test_dep06_forfeiture_or_double_return(party, forfeited, paid_to_buyer):
    penalty = rules.deposit_penalty(deposit=yuan("50000.00"), breaching_party=party)
    assert (penalty.forfeited, penalty.paid_to_buyer) == (forfeited, paid_to_buyer)


# --- DISC-01 ---


@pytest.mark.parametrize(
    ("requested", "approver"),
    [
        ("2000000.00", DiscountApprover.SALESPERSON),
        ("2050000.00", DiscountApprover.SALESPERSON),
        ("1999999.99", DiscountApprover.SUPERVISOR),
        ("1980000.00", DiscountApprover.SUPERVISOR),
        ("1979999.99", DiscountApprover.SITE_MANAGER),
        ("1940000.00", DiscountApprover.SITE_MANAGER),
        ("1939999.99", DiscountApprover.DEVELOPER),
    ],
)
def test_disc01_the_discount_decides_who_approves(requested, approver):
    assert (
        rules.required_discount_approver(
            list_price=yuan("2000000.00"), requested_price=yuan(requested), policy=POLICY
        )
        == approver
    )


@pytest.mark.parametrize(
    ("requested", "role", "developer_recorded", "allowed"),
    [
        ("1990000.00", Role.SALESPERSON, False, False),
        ("1990000.00", Role.SUPERVISOR, False, True),
        ("1990000.00", Role.MANAGER, False, True),
        ("1960000.00", Role.SUPERVISOR, False, False),
        ("1960000.00", Role.DEPUTY, False, True),
        ("1900000.00", Role.MANAGER, False, False),
        ("1900000.00", Role.MANAGER, True, True),
        ("1900000.00", Role.SUPERVISOR, True, False),
        ("1990000.00", Role.FINANCE, False, False),
    ],
)
def test_disc01_an_approval_beyond_authority_is_refused(requested, role, developer_recorded, allowed):
    def approve():
        return rules.check_discount_approval(
            list_price=yuan("2000000.00"),
            requested_price=yuan(requested),
            approver_role=role,
            developer_approval_recorded=developer_recorded,
            policy=POLICY,
        )

    if allowed:
        approve()
        return
    with pytest.raises(rules.DiscountBeyondAuthority) as refused:
        approve()
    assert refused.value.code == "discount_beyond_authority"


def test_disc01_limits_follow_the_policy():
    policy = POLICY.with_overrides({"discount_limit_salesperson": "0.005"})
    assert rules.required_discount_approver(
        list_price=yuan("2000000.00"), requested_price=yuan("1990000.00"), policy=policy
    ) == (DiscountApprover.SALESPERSON)
    assert rules.discount_ratio(list_price=yuan("2000000.00"), requested_price=yuan("1990000.00")) == Decimal(
        "0.005"
    )


# --- COMM-01 / COMM-02 ---


def test_comm02_s_own_12_developer_referred_commission_is_half():
    total = rules.commission_total(contract_amount=yuan("2000000.00"), policy=POLICY, developer_referred=True)
    assert total == yuan("5000.00")
    normal = rules.commission_total(
        contract_amount=yuan("2000000.00"), policy=POLICY, developer_referred=False
    )
    assert normal == yuan("10000.00")


def test_comm02_a_per_role_rate_replaces_the_site_rate():
    total = rules.commission_total(
        contract_amount=yuan("1234567.89"), policy=POLICY, developer_referred=False, rate=Decimal("0.003")
    )
    assert total == yuan("3703.70")


def test_comm02_s_own_7_household_collision_splits_commission_50_50():
    allocations = rules.commission_allocations(
        contract_amount=yuan("2000000.00"),
        shares=[Share(party="A", ratio=Decimal("0.5")), Share(party="B", ratio=Decimal("0.5"))],
        policy=POLICY,
        developer_referred=False,
    )
    assert [(a.party, a.amount) for a in allocations] == [("A", yuan("5000.00")), ("B", yuan("5000.00"))]


def test_comm01_s_own_10_performance_to_the_receiver_commission_split():
    performance = rules.performance_credits(
        shares=[Share(party="B", ratio=Decimal(1))], area=yuan("89.37"), amount=yuan("2000000.00")
    )
    assert performance == (
        rules.PerformanceCredit(
            party="B", ratio=Decimal(1), units=Decimal(1), area=yuan("89.37"), amount=yuan("2000000.00")
        ),
    )
    commission = rules.commission_allocations(
        contract_amount=yuan("2000000.00"),
        shares=[Share(party="A", ratio=Decimal("0.5")), Share(party="B", ratio=Decimal("0.5"))],
        policy=POLICY,
        developer_referred=False,
    )
    assert sum(a.amount for a in commission) == yuan("10000.00")


def test_comm01_performance_splits_units_area_and_amount_exactly():
    credits = rules.performance_credits(
        shares=[Share(party=1, ratio=Decimal("0.5")), Share(party=2, ratio=Decimal("0.5"))],
        area=yuan("89.37"),
        amount=yuan("1787400.01"),
    )
    assert [(c.units, c.area, c.amount) for c in credits] == [
        (Decimal("0.5"), yuan("44.69"), yuan("893700.01")),
        (Decimal("0.5"), yuan("44.68"), yuan("893700.00")),
    ]


@pytest.mark.parametrize(
    ("total", "ratios", "expected"),
    [
        ("0.05", ["0.5", "0.5"], ["0.03", "0.02"]),
        ("100.00", ["0.333", "0.333", "0.334"], ["33.30", "33.30", "33.40"]),
        ("100.00", ["0.3333", "0.3333", "0.3334"], ["33.33", "33.33", "33.34"]),
        ("0.10", ["0.3333", "0.3333", "0.3334"], ["0.03", "0.03", "0.04"]),
        ("10.00", ["0.7", "0.3"], ["7.00", "3.00"]),
        ("0.01", ["0.3", "0.7"], ["0.00", "0.01"]),
        ("-0.05", ["0.5", "0.5"], ["-0.03", "-0.02"]),
    ],
)
def test_comm01_split_gives_the_leftover_fen_by_largest_remainder_then_list_order(total, ratios, expected):
    shares = [Share(party=index, ratio=Decimal(ratio)) for index, ratio in enumerate(ratios)]
    amounts = [a.amount for a in rules.split_amount(total=Decimal(total), shares=shares)]
    assert amounts == [Decimal(value) for value in expected]


@pytest.mark.parametrize(
    "ratios",
    [[], ["0.5", "0.4"], ["0.5", "0.6"], ["1.5", "-0.5"]],
    ids=["none", "under", "over", "negative"],
)
def test_comm01_shares_must_sum_to_one(ratios):
    with pytest.raises(rules.InvalidShares) as refused:
        rules.split_amount(
            total=yuan("100.00"), shares=[Share(party=i, ratio=Decimal(r)) for i, r in enumerate(ratios)]
        )
    assert refused.value.code == "invalid_shares"


def test_comm01_each_party_has_one_share():
    with pytest.raises(rules.InvalidShares):
        rules.split_amount(
            total=yuan("100.00"),
            shares=[Share(party="A", ratio=Decimal("0.5")), Share(party="A", ratio=Decimal("0.5"))],
        )


@st.composite
def shares_strategy(draw):
    weights = draw(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=6))
    if sum(weights) == 0:
        weights[0] = 1
    scale = sum(weights)
    # Ratios with four decimals summing to exactly one; the last takes the rounding.
    ratios = [(Decimal(weight) / scale).quantize(Decimal("0.0001")) for weight in weights[:-1]]
    last = 1 - sum(ratios, Decimal(0))
    if last < 0:
        ratios = [Decimal(0)] * len(ratios)
        last = Decimal(1)
    return [Share(party=index, ratio=ratio) for index, ratio in enumerate([*ratios, last])]


money = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2)


@given(total=money, shares=shares_strategy())
def test_comm01_property_shares_sum_exactly_to_the_total_and_stay_within_a_fen(total, shares):
    allocations = rules.split_amount(total=total, shares=shares)
    assert sum(a.amount for a in allocations) == total
    for allocation in allocations:
        assert abs(allocation.amount - total * allocation.ratio) < Decimal("0.01")
    reversed_total = sum(a.reversed().amount for a in allocations)
    assert reversed_total == -total


def test_comm02_cancellation_reverses_commission_and_performance_as_negative_records():
    allocation = Allocation(party="A", ratio=Decimal("0.5"), amount=yuan("2500.00"))
    assert allocation.reversed() == Allocation(party="A", ratio=Decimal("0.5"), amount=yuan("-2500.00"))
    credit = rules.PerformanceCredit(
        party="A", ratio=Decimal("0.5"), units=Decimal("0.5"), area=yuan("44.69"), amount=yuan("893700.01")
    )
    assert credit.reversed() == dataclasses.replace(
        credit, units=Decimal("-0.5"), area=yuan("-44.69"), amount=yuan("-893700.01")
    )


@pytest.mark.parametrize(
    ("now", "status"),
    [(at(13, 23, 59), CommissionStatus.PENDING), (at(14, 0), CommissionStatus.CONFIRMED)],
)
def test_comm02_commission_is_pending_until_the_dispute_window_closes(now, status):
    # S-OWN-11: a deposit on day 10 closes the DISP-01 window at the end of day 13.
    assert rules.commission_status(now=now, dispute_window_closes_at=at(14, 0)) == status


# --- PAY-01 / PAY-02 ---


def record(record_id, kind, amount, reverses=None):
    return MoneyRecord(record_id=record_id, kind=kind, amount=Decimal(amount), reverses=reverses)


def test_pay01_the_balance_is_the_sum_of_the_records_and_a_reversal_negates_one():
    deposit = record(1, MoneyKind.DEPOSIT, "50000.00")
    wrong = record(2, MoneyKind.INSTALMENT, "55000.00")
    correction = rules.reversal_of(record=wrong, record_id=3)
    right = record(4, MoneyKind.INSTALMENT, "550000.00")
    records = [deposit, wrong, correction, right]
    assert correction == record(3, MoneyKind.INSTALMENT, "-55000.00", reverses=2)
    assert rules.balance(records=records) == yuan("600000.00")
    assert rules.balance(records=records, kinds={MoneyKind.DEPOSIT}) == yuan("50000.00")


@pytest.mark.parametrize(
    "records",
    [
        [record(1, MoneyKind.DEPOSIT, "100.00"), record(2, MoneyKind.DEPOSIT, "-100.00", reverses=9)],
        [record(1, MoneyKind.DEPOSIT, "100.00"), record(2, MoneyKind.DEPOSIT, "-90.00", reverses=1)],
        [record(1, MoneyKind.DEPOSIT, "100.00"), record(2, MoneyKind.REFUND, "-100.00", reverses=1)],
        [
            record(1, MoneyKind.DEPOSIT, "100.00"),
            record(2, MoneyKind.DEPOSIT, "-100.00", reverses=1),
            record(3, MoneyKind.DEPOSIT, "-100.00", reverses=1),
        ],
        [
            record(1, MoneyKind.DEPOSIT, "100.00"),
            record(2, MoneyKind.DEPOSIT, "-100.00", reverses=1),
            record(3, MoneyKind.DEPOSIT, "100.00", reverses=2),
        ],
        [record(2, MoneyKind.DEPOSIT, "-100.00", reverses=1), record(1, MoneyKind.DEPOSIT, "100.00")],
    ],
    ids=["unknown", "partial", "other_kind", "twice", "reversal_of_reversal", "before_original"],
)
def test_pay01_a_reversal_must_negate_one_earlier_record_exactly_once(records):
    with pytest.raises(rules.InvalidReversal) as refused:
        rules.balance(records=records)
    assert refused.value.code == "invalid_reversal"


@st.composite
def ledgers(draw):
    records = []
    for index, amount in enumerate(draw(st.lists(money, max_size=12))):
        records.append(record(index, draw(st.sampled_from(list(MoneyKind))), amount))
    reversed_ids = draw(st.sets(st.sampled_from(range(len(records))))) if records else set()
    for offset, original in enumerate(sorted(reversed_ids)):
        records.append(rules.reversal_of(record=records[original], record_id=len(records) + offset))
    return records, reversed_ids


@given(ledger=ledgers())
def test_pay01_property_the_balance_is_the_sum_of_unreversed_records(ledger):
    records, reversed_ids = ledger
    assert rules.balance(records=records) == sum(
        (r.amount for r in records if r.reverses is None and r.record_id not in reversed_ids), Decimal("0.00")
    )


SCHEDULE = [
    Instalment(due_on=dt.date(2025, 3, 1), amount=yuan("50000.00")),
    Instalment(due_on=dt.date(2025, 3, 8), amount=yuan("550000.00")),
    Instalment(due_on=dt.date(2025, 5, 1), amount=yuan("1400000.00")),
]
PAID = [
    record(1, MoneyKind.DEPOSIT, "50000.00"),
    record(2, MoneyKind.INSTALMENT, "300000.00"),
    record(3, MoneyKind.FEE, "29550.00"),
]


@pytest.mark.parametrize(
    ("today", "due", "overdue"),
    [
        (dt.date(2025, 3, 7), "0.00", "0.00"),
        (dt.date(2025, 3, 8), "250000.00", "0.00"),
        (dt.date(2025, 3, 10), "250000.00", "250000.00"),
        (dt.date(2025, 5, 2), "1650000.00", "1650000.00"),
    ],
)
def test_pay02_paid_due_overdue_and_next_due_date(today, due, overdue):
    position = rules.payment_position(price=yuan("2000000.00"), schedule=SCHEDULE, records=PAID, today=today)
    assert position.paid == yuan("350000.00")  # fees do not pay the price
    assert position.outstanding == yuan("1650000.00")
    assert (position.due, position.overdue) == (Decimal(due), Decimal(overdue))
    assert (position.next_due_on, position.next_due_amount) == (dt.date(2025, 3, 8), yuan("250000.00"))


def test_pay02_a_fully_paid_deal_has_nothing_due():
    records = [record(1, MoneyKind.DEPOSIT, "50000.00"), record(2, MoneyKind.INSTALMENT, "1950000.00")]
    position = rules.payment_position(
        price=yuan("2000000.00"), schedule=SCHEDULE, records=records, today=dt.date(2025, 6, 1)
    )
    assert (position.outstanding, position.due, position.overdue) == (yuan("0.00"), Decimal(0), Decimal(0))
    assert (position.next_due_on, position.next_due_amount) == (None, Decimal("0.00"))


def test_pay02_the_schedule_must_add_up_to_the_price():
    with pytest.raises(rules.ScheduleMismatch) as refused:
        rules.payment_position(
            price=yuan("2100000.00"), schedule=SCHEDULE, records=PAID, today=dt.date(2025, 3, 1)
        )
    assert refused.value.code == "schedule_mismatch"
