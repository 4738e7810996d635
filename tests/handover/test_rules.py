"""Handover rules without a database: AREA-01, MOVE-03, CERT-01, SVC-02, SVC-03, SVC-04."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deals.rules import RoleNotPermitted, TransitionNotAllowed, check_transition, step_deadline
from handover import rules
from handover.rules import (
    CertificateAction,
    CertificateStatus,
    ChecklistEntry,
    MoveInItem,
    RepairWorker,
    Season,
    SeasonsTerm,
    SlaTarget,
    WarrantyCategory,
    WorkOrderAction,
    WorkOrderStatus,
    YearsTerm,
)
from salesoffice.core.policy import Policy
from salesoffice.core.roles import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = Policy()
PRICE = Decimal("20000.00")
CONTRACT = Decimal("100.00")


def adjust(surveyed: str, *, contract: Decimal = CONTRACT, price: Decimal = PRICE, policy: Policy = POLICY):
    return rules.area_adjustment(
        contract_area=contract, surveyed_area=Decimal(surveyed), unit_price=price, policy=policy
    )


# --- AREA-01 ---


def test_area01_s_deal_5_within_three_percent_the_buyer_pays_at_the_contract_price():
    result = adjust("102.00")
    assert (result.buyer_pays, result.net, result.buyer_may_cancel) == (
        Decimal("40000.00"),
        Decimal("40000.00"),
        False,
    )
    assert result.developer_bears == Decimal("0.00")


def test_area01_s_deal_5_above_three_percent_the_developer_bears_the_rest():
    result = adjust("104.00")
    assert (result.charged_area, result.buyer_pays) == (Decimal("3.0000"), Decimal("60000.00"))
    assert (result.borne_area, result.developer_bears) == (Decimal("1.0000"), Decimal("20000.00"))
    assert result.net == Decimal("60000.00")
    assert result.buyer_may_cancel


def test_area01_s_deal_5_below_three_percent_the_developer_refunds_double_beyond():
    result = adjust("95.00")
    assert (result.refund, result.double_refund, result.total_refund) == (
        Decimal("60000.00"),
        Decimal("80000.00"),
        Decimal("140000.00"),
    )
    assert result.net == Decimal("-140000.00")
    assert result.buyer_may_cancel


def test_area02_s_deal_5_statement_lines_show_the_formula():
    lines = [(line.label, line.formula, line.amount) for line in adjust("95.00").lines]
    assert lines == [
        ("difference", "95.00 - 100.00 = -5.00 m² (-5.00%)", None),
        ("threshold", "100.00 m² × 0.03 = 3.00 m²", None),
        ("refund", "3.00 m² × 20,000.00 = 60,000.00", Decimal("60000.00")),
        ("double_refund", "2.00 m² × 20,000.00 × 2 = 80,000.00", Decimal("80000.00")),
        ("total_refund", "60,000.00 + 80,000.00 = 140,000.00", Decimal("140000.00")),
    ]


def test_area02_s_deal_5_statement_names_what_the_developer_bears():
    labels = [line.label for line in adjust("104.00").lines]
    assert labels == ["difference", "threshold", "buyer_pays", "developer_bears"]


@pytest.mark.parametrize(
    ("surveyed", "net", "borne", "double", "may_cancel"),
    [
        ("103.00", "60000.00", "0.00", "0.00", False),
        ("103.01", "60000.00", "200.00", "0.00", True),
        ("97.00", "-60000.00", "0.00", "0.00", False),
        ("96.99", "-60400.00", "0.00", "400.00", True),
        ("100.00", "0.00", "0.00", "0.00", False),
    ],
    ids=["plus_3", "just_above", "minus_3", "just_below", "equal"],
)
def test_area01_exactly_three_percent_is_within_the_threshold(surveyed, net, borne, double, may_cancel):
    result = adjust(surveyed)
    assert result.net == Decimal(net)
    assert result.developer_bears == Decimal(borne)
    assert result.double_refund == Decimal(double)
    assert result.buyer_may_cancel is may_cancel


def test_area01_an_unchanged_area_prints_only_the_difference_and_threshold():
    assert [line.label for line in adjust("100.00").lines] == ["difference", "threshold"]


def test_area01_a_threshold_area_with_more_decimals_is_kept_exact():
    # 89.37 m² × 3% = 2.6811 m²: the buyer pays for exactly that, rounded to the fen only in money.
    result = adjust("93.00", contract=Decimal("89.37"), price=Decimal("15000.00"))
    assert result.threshold_area == Decimal("2.6811")
    assert (result.buyer_pays, result.developer_bears) == (Decimal("40216.50"), Decimal("14233.50"))
    assert result.lines[2].formula == "2.6811 m² × 15,000.00 = 40,216.50"


def test_area01_the_threshold_follows_the_policy():
    result = adjust("104.00", policy=POLICY.with_overrides({"area_threshold_ratio": "0.05"}))
    assert (result.buyer_pays, result.developer_bears, result.buyer_may_cancel) == (
        Decimal("80000.00"),
        Decimal("0.00"),
        False,
    )


@pytest.mark.parametrize("surveyed", ["0.00", "-1.00", "100.001"])
def test_area01_areas_must_be_positive_with_two_decimals(surveyed):
    with pytest.raises(rules.InvalidArea) as refused:
        adjust(surveyed)
    assert refused.value.code == "invalid_area"


contract_areas = st.decimals(min_value=Decimal("30.00"), max_value=Decimal("300.00"), places=2)
unit_prices = st.decimals(min_value=Decimal("1000.00"), max_value=Decimal("100000.00"), places=2)


@given(contract=contract_areas, price=unit_prices, offset=st.integers(min_value=-3000, max_value=3000))
def test_area01_property_monotone_and_continuous(contract, price, offset):
    surveyed = contract + Decimal(offset) / 100
    if surveyed <= 0:
        return
    here = adjust(str(surveyed), contract=contract, price=price)
    step = adjust(str(surveyed + Decimal("0.01")), contract=contract, price=price)
    # A larger surveyed area never lowers what the buyer pays, and 0.01 m² moves it by at most twice the
    # price of 0.01 m² (the double-refund slope), give or take the rounding of two money lines.
    assert here.net <= step.net
    assert step.net - here.net <= price * Decimal("0.02") + Decimal("0.02")
    assert here.buyer_may_cancel == (abs(surveyed - contract) > contract * POLICY.area_threshold_ratio)


# --- MOVE-03 ---


def entry(item, *, key_count=None):
    return ChecklistEntry(
        item=item, done_by=7, done_at=dt.datetime(2026, 6, 1, 10, tzinfo=SHANGHAI), key_count=key_count
    )


MANDATORY_DONE = [
    entry(item, key_count=3 if item == MoveInItem.KEYS_HANDED_OVER else None)
    for item in MoveInItem
    if item in rules.MANDATORY_MOVE_IN_ITEMS
]


def test_move03_complete_when_every_mandatory_item_is_done():
    verdict = rules.move_in_checklist(entries=MANDATORY_DONE)
    assert verdict == rules.ChecklistVerdict(complete=True, missing=(), optional_done=())


def test_move03_optional_items_are_listed_but_not_required():
    verdict = rules.move_in_checklist(entries=[*MANDATORY_DONE, entry(MoveInItem.PARKING_SPACE)])
    assert verdict.complete
    assert verdict.optional_done == (MoveInItem.PARKING_SPACE,)


def test_move03_incomplete_names_what_is_missing():
    entries = [e for e in MANDATORY_DONE if e.item not in {MoveInItem.KEYS_HANDED_OVER, MoveInItem.NOTICE}]
    verdict = rules.move_in_checklist(entries=entries)
    assert not verdict.complete
    assert verdict.missing == (MoveInItem.NOTICE, MoveInItem.KEYS_HANDED_OVER)


def test_move03_keys_record_how_many_were_given():
    with pytest.raises(rules.KeyCountRequired) as refused:
        rules.move_in_checklist(entries=[entry(MoveInItem.KEYS_HANDED_OVER)])
    assert refused.value.code == "key_count_required"


def test_move03_unknown_items_are_refused():
    with pytest.raises(rules.UnknownChecklistItem):
        rules.move_in_checklist(entries=[entry("cake")])


# --- CERT-01 ---


@pytest.mark.parametrize(
    ("mortgage", "final_actions", "final_status"),
    [
        (True, [CertificateAction.SEND_TO_BANK, CertificateAction.GIVE_COPY], CertificateStatus.COPY_GIVEN),
        (False, [CertificateAction.HAND_OVER_ORIGINAL], CertificateStatus.HANDED_OVER),
    ],
    ids=["mortgage", "full_payment"],
)
def test_cert01_steps_in_order_for_mortgage_and_full_payment_buyers(mortgage, final_actions, final_status):
    table = rules.certificate_transitions(mortgage=mortgage)
    status: str = CertificateStatus.DOCUMENTS_COLLECTED
    common = [CertificateAction.REGISTER_INITIAL, CertificateAction.SUBMIT, CertificateAction.ISSUE]
    for action in [*common, *final_actions]:
        status = check_transition(table=table, current=status, action=action, role=Role.SERVICE)
    assert status == final_status
    assert table.terminal == {final_status}


@pytest.mark.parametrize(
    ("mortgage", "current", "action"),
    [
        (True, CertificateStatus.ISSUED, CertificateAction.HAND_OVER_ORIGINAL),
        (False, CertificateStatus.ISSUED, CertificateAction.SEND_TO_BANK),
        (False, CertificateStatus.INITIAL_REGISTRATION_DONE, CertificateAction.ISSUE),
    ],
    ids=["mortgage_original_stays_with_bank", "no_bank_for_full_payment", "issue_before_submission"],
)
def test_cert01_steps_out_of_order_are_refused(mortgage, current, action):
    with pytest.raises(TransitionNotAllowed):
        check_transition(
            table=rules.certificate_transitions(mortgage=mortgage),
            current=current,
            action=action,
            role=Role.SERVICE,
        )


def test_cert01_a_submission_pending_too_long_is_overdue():
    deadline = step_deadline(
        table=rules.certificate_transitions(mortgage=False),
        status=CertificateStatus.SUBMITTED,
        entered_on=dt.date(2026, 7, 1),
        today=dt.date(2026, 10, 1),
        allowed_days={CertificateStatus.SUBMITTED: 60},
    )
    assert (deadline.due_on, deadline.overdue, deadline.next_actions) == (
        dt.date(2026, 8, 30),
        True,
        (CertificateAction.ISSUE,),
    )


# --- SVC-03 ---


def test_svc03_a_work_order_from_new_to_closed_and_reopened():
    steps = [
        (WorkOrderAction.ASSIGN, Role.SERVICE, WorkOrderStatus.ASSIGNED),
        (WorkOrderAction.START, Role.REPAIR, WorkOrderStatus.IN_PROGRESS),
        (WorkOrderAction.WAIT, Role.REPAIR, WorkOrderStatus.WAITING),
        (WorkOrderAction.RESUME, Role.REPAIR, WorkOrderStatus.IN_PROGRESS),
        (WorkOrderAction.FINISH, Role.REPAIR, WorkOrderStatus.DONE),
        (WorkOrderAction.CONFIRM, Role.SERVICE, WorkOrderStatus.CONFIRMED),
        (WorkOrderAction.CLOSE, Role.SERVICE, WorkOrderStatus.CLOSED),
        (WorkOrderAction.REOPEN, Role.MANAGER, WorkOrderStatus.REOPENED),
        (WorkOrderAction.ASSIGN, Role.SERVICE, WorkOrderStatus.ASSIGNED),
    ]
    status: str = WorkOrderStatus.NEW
    for action, role, expected in steps:
        status = check_transition(
            table=rules.WORK_ORDER_TRANSITIONS, current=status, action=action, role=role
        )
        assert status == expected


@pytest.mark.parametrize(
    ("current", "action", "role", "error"),
    [
        (WorkOrderStatus.NEW, WorkOrderAction.ASSIGN, Role.REPAIR, RoleNotPermitted),
        (WorkOrderStatus.ASSIGNED, WorkOrderAction.START, Role.SERVICE, RoleNotPermitted),
        (WorkOrderStatus.NEW, WorkOrderAction.START, Role.REPAIR, TransitionNotAllowed),
        (WorkOrderStatus.IN_PROGRESS, WorkOrderAction.CLOSE, Role.SERVICE, TransitionNotAllowed),
        (WorkOrderStatus.DONE, WorkOrderAction.CLOSE, Role.SERVICE, TransitionNotAllowed),
    ],
)
def test_svc03_moves_out_of_order_or_by_the_wrong_role_are_refused(current, action, role, error):
    with pytest.raises(error):
        check_transition(table=rules.WORK_ORDER_TRANSITIONS, current=current, action=action, role=role)


def test_svc02_a_dispatcher_may_reassign_before_the_work_is_done():
    for current in (WorkOrderStatus.ASSIGNED, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.WAITING):
        assert check_transition(
            table=rules.WORK_ORDER_TRANSITIONS,
            current=current,
            action=WorkOrderAction.ASSIGN,
            role=Role.SERVICE,
        ) == (WorkOrderStatus.ASSIGNED)


@given(
    table=st.sampled_from(
        [
            rules.WORK_ORDER_TRANSITIONS,
            rules.CERTIFICATE_MORTGAGE_TRANSITIONS,
            rules.CERTIFICATE_FULL_PAYMENT_TRANSITIONS,
        ]
    ),
    data=st.data(),
)
def test_svc03_cert01_property_tables_answer_with_a_known_state_or_a_refusal(table, data):
    current = data.draw(st.sampled_from(sorted(table.states)))
    action = data.draw(st.sampled_from(sorted({t.action for t in table.transitions})))
    role = data.draw(st.sampled_from(list(Role)))
    try:
        target = check_transition(table=table, current=current, action=action, role=role)
    except (TransitionNotAllowed, RoleNotPermitted):
        return
    assert target in table.states


# --- SVC-04 ---


@pytest.mark.parametrize(
    ("category", "reported_on", "covered_until", "chargeable"),
    [
        (WarrantyCategory.ROOF, dt.date(2029, 5, 31), dt.date(2029, 5, 31), False),
        (WarrantyCategory.WATERPROOFING, dt.date(2029, 6, 1), dt.date(2029, 5, 31), True),
        (WarrantyCategory.ELECTRICAL, dt.date(2026, 5, 31), dt.date(2026, 5, 31), False),
        (WarrantyCategory.PLUMBING, dt.date(2026, 6, 1), dt.date(2026, 5, 31), True),
        (WarrantyCategory.DECORATION, dt.date(2025, 1, 1), dt.date(2026, 5, 31), False),
        # Heating seasons 2024-11-15..2025-03-15 and 2025-11-15..2026-03-15.
        (WarrantyCategory.HEATING, dt.date(2026, 3, 15), dt.date(2026, 3, 15), False),
        (WarrantyCategory.HEATING, dt.date(2026, 3, 16), dt.date(2026, 3, 15), True),
        # Cooling seasons 2024-06-01..09-30 (starting on the handover day) and 2025-06-01..09-30.
        (WarrantyCategory.COOLING, dt.date(2025, 10, 1), dt.date(2025, 9, 30), True),
    ],
)
def test_svc04_warranty_by_category_from_the_handover_date(category, reported_on, covered_until, chargeable):
    verdict = rules.warranty_check(
        category=category, handed_over_on=dt.date(2024, 6, 1), reported_on=reported_on
    )
    assert (verdict.covered_until, verdict.chargeable) == (covered_until, chargeable)


@pytest.mark.parametrize(
    ("handed_over_on", "covered_until"),
    [
        (dt.date(2024, 11, 15), dt.date(2026, 3, 15)),  # the season starting on handover day counts
        (dt.date(2024, 12, 1), dt.date(2027, 3, 15)),  # a season under way at handover does not
        (dt.date(2025, 3, 16), dt.date(2027, 3, 15)),
    ],
)
def test_svc04_heating_warranty_counts_two_whole_heating_seasons(handed_over_on, covered_until):
    term = rules.DEFAULT_WARRANTY_TERMS[WarrantyCategory.HEATING]
    assert rules.warranty_covered_until(term=term, handed_over_on=handed_over_on) == covered_until


def test_svc04_a_29_february_handover_ends_on_28_february():
    term = YearsTerm(years=2)
    assert rules.warranty_covered_until(term=term, handed_over_on=dt.date(2024, 2, 29)) == dt.date(
        2026, 2, 28
    )


def test_svc04_site_settings_replace_the_defaults():
    terms = {
        "lift": YearsTerm(years=1),
        "boiler": SeasonsTerm(count=1, season=Season(start=(10, 1), end=(4, 30))),
    }
    lift = rules.warranty_check(
        category="lift", handed_over_on=dt.date(2024, 6, 1), reported_on=dt.date(2025, 6, 1), terms=terms
    )
    boiler = rules.warranty_check(
        category="boiler", handed_over_on=dt.date(2024, 6, 1), reported_on=dt.date(2025, 4, 30), terms=terms
    )
    assert (lift.chargeable, boiler.chargeable) == (True, False)
    with pytest.raises(rules.UnknownWarrantyCategory):
        rules.warranty_check(
            category=WarrantyCategory.ROOF,
            handed_over_on=dt.date(2024, 6, 1),
            reported_on=dt.date(2025, 1, 1),
            terms=terms,
        )


# --- SVC-02 targets and dispatch ---

TARGETS = {
    "urgent": SlaTarget(response=dt.timedelta(minutes=30), completion=dt.timedelta(hours=4)),
    "normal": SlaTarget(response=dt.timedelta(hours=4), completion=dt.timedelta(days=3)),
}
CREATED = dt.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)


def test_svc02_due_times_follow_the_priority_targets():
    due = rules.sla_due(created_at=CREATED, priority="urgent", targets=TARGETS)
    assert due == rules.SlaDue(
        respond_by=CREATED + dt.timedelta(minutes=30), complete_by=CREATED + dt.timedelta(hours=4)
    )
    with pytest.raises(rules.UnknownPriority):
        rules.sla_due(created_at=CREATED, priority="whenever", targets=TARGETS)


@pytest.mark.parametrize(
    ("now", "responded_after", "completed_after", "late"),
    [
        (dt.timedelta(minutes=29), None, None, (False, False)),
        (dt.timedelta(minutes=31), None, None, (True, False)),
        (dt.timedelta(hours=5), dt.timedelta(minutes=10), None, (False, True)),
        (dt.timedelta(hours=5), dt.timedelta(minutes=40), dt.timedelta(hours=3), (True, False)),
    ],
)
def test_svc02_missed_targets_drive_escalation(now, responded_after, completed_after, late):
    due = rules.sla_due(created_at=CREATED, priority="urgent", targets=TARGETS)
    breach = rules.sla_breach(
        due=due,
        now=CREATED + now,
        responded_at=None if responded_after is None else CREATED + responded_after,
        completed_at=None if completed_after is None else CREATED + completed_after,
    )
    assert (breach.response_late, breach.completion_late) == late


def worker(worker_id, *, areas=("A",), level=2, open_orders=0, available=True):
    return RepairWorker(
        worker_id=worker_id,
        areas=frozenset(areas),
        skills={"plumbing": level},
        open_orders=open_orders,
        available=available,
    )


@pytest.mark.parametrize(
    ("workers", "chosen"),
    [
        ([worker(1, open_orders=3), worker(2, open_orders=1)], 2),
        ([worker(1, level=3), worker(2, level=2)], 2),
        ([worker(1), worker(2)], 1),
        ([worker(1, areas=("B",)), worker(2, open_orders=9)], 2),
        ([worker(1, level=1), worker(2, open_orders=9)], 2),
        ([worker(1, available=False), worker(2, open_orders=9)], 2),
    ],
    ids=["least_loaded", "lowest_sufficient_level", "listed_first", "area", "skill_level", "available"],
)
def test_svc02_dispatch_by_area_and_skill_balancing_load(workers, chosen):
    assert rules.choose_worker(workers=workers, area="A", skill="plumbing", min_level=2).worker_id == chosen


def test_svc02_no_eligible_worker():
    with pytest.raises(rules.NoEligibleWorker) as refused:
        rules.choose_worker(workers=[worker(1, areas=("B",))], area="A", skill="electrical", min_level=1)
    assert refused.value.code == "no_eligible_worker"
