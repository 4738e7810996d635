"""Deposits and holds: DEP-01..DEP-06, UNIT-03, S-DEAL-1, S-DEAL-2, S-DEAL-3 through the services."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from customers.models import DepositRecord
from deals import services
from deals.exceptions import ApprovalRequired, DealStateConflict, UnitUnavailable
from deals.models import (
    ApprovalRequest,
    Deal,
    Deposit,
    MoneyRecord,
    PerformanceCredit,
    Unit,
    UnitStatusChange,
)
from deals.rules import DepositKind
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.roles import Role
from tests.deals.factories import UnitFactory, customer_for, large_deposit, small_deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(site):
    return UnitFactory(building__site=site, building__name="3号楼", number="1201", floor=12)


@pytest.fixture
def customer(site, salesperson, clock):
    return customer_for(site, salesperson)


def test_s_deal_1_second_deposit_on_a_held_unit_is_unit_no_longer_available(site, staff, unit, clock):
    """S-DEAL-1, UNIT-03: A and B both try; the first wins, the second sees "unit no longer available"."""
    a, b = staff(Role.SALESPERSON, site), staff(Role.SALESPERSON, site)
    customer_a = customer_for(site, a, name="甲", phone="13811110001")
    customer_b = customer_for(site, b, name="乙", phone="13811110002")
    small_deposit(unit, customer_a, a)

    with pytest.raises(UnitUnavailable):
        small_deposit(unit, customer_b, b)

    assert Deposit.objects.filter(unit=unit, status=Deposit.Status.ACTIVE).count() == 1
    assert Deal.objects.filter(unit=unit).count() == 1
    assert MoneyRecord.objects.count() == 1


def test_unit_03_constraint_refuses_a_second_active_deposit_written_past_the_service(
    unit, customer, salesperson
):
    """UNIT-03: the partial unique constraints reject a second active hold even without the row lock."""
    first = small_deposit(unit, customer, salesperson)
    with pytest.raises(IntegrityError), transaction.atomic():
        Deposit.objects.create(
            site_id=unit.site_id, deal=first.deal, unit=unit, customer=customer, salesperson=salesperson,
            kind="small", amount=Decimal("500.00"), paid_at=first.paid_at, hold_until=first.hold_until,
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.create(
            site_id=unit.site_id, unit=unit, customer=customer, salesperson=salesperson,
            list_total=unit.list_total, area=unit.building_area, first_deposit_at=first.paid_at,
        )  # fmt: skip


def test_dep_01_small_deposit_holds_three_days_and_records_money_and_ownership(
    unit, customer, salesperson, clock
):
    """DEP-01, PAY-01, OWN-04: a small deposit of at least 500 holds the unit 3 days, with a receipt."""
    deposit = small_deposit(unit, customer, salesperson, amount=Decimal("500.00"))

    unit.refresh_from_db()
    assert unit.status == Unit.Status.ON_HOLD
    assert deposit.hold_until == clock.now + datetime.timedelta(days=3)
    record = MoneyRecord.objects.get()
    assert (record.kind, record.amount, record.receipt_number) == ("deposit", Decimal("500.00"), "SJ000001")
    assert DepositRecord.objects.filter(customer=customer, reference=f"deals.deposit:{deposit.pk}").exists()
    assert UnitStatusChange.objects.filter(unit=unit, to_status="on_hold").count() == 1


def test_dep_01_small_deposit_below_minimum_changes_nothing(unit, customer, salesperson):
    """DEP-01: 499.99 is refused with a field message; the unit stays available and no money is recorded."""
    with pytest.raises(DomainError) as refused:
        small_deposit(unit, customer, salesperson, amount=Decimal("499.99"))
    assert "amount" in refused.value.fields
    unit.refresh_from_db()
    assert unit.status == Unit.Status.AVAILABLE
    assert not Deposit.objects.exists()
    assert not MoneyRecord.objects.exists()
    assert not Deal.objects.exists()


@pytest.mark.parametrize(
    ("amount", "accepted"),
    [
        (Decimal("450000.00"), False),
        (Decimal("9000.00"), False),
        (Decimal("50000.00"), True),
        (Decimal("400000.00"), True),
    ],
)
def test_s_deal_2_large_deposit_bounds(unit, customer, salesperson, clock, amount, accepted):
    """S-DEAL-2, DEP-02: on 2,000,000 yuan, 22.5% and 9,000 are refused; 50,000 (and exactly 20%) hold 7 days."""
    if not accepted:
        with pytest.raises(DomainError):
            large_deposit(unit, customer, salesperson, amount=amount)
        unit.refresh_from_db()
        assert unit.status == Unit.Status.AVAILABLE
        assert not Deposit.objects.exists()
        return
    deposit = large_deposit(unit, customer, salesperson, amount=amount)
    unit.refresh_from_db()
    assert unit.status == Unit.Status.RESERVED
    assert deposit.hold_until == clock.now + datetime.timedelta(days=7)
    assert PerformanceCredit.objects.filter(deal=deposit.deal).count() == 1


def test_dep_02_other_sites_customer_is_refused(unit, other_site, staff, salesperson):
    """SEC-07: a customer of another site cannot hold this site's unit."""
    foreign = customer_for(other_site, staff(Role.SALESPERSON, other_site), phone="13900001111")
    with pytest.raises(DomainError):
        small_deposit(unit, foreign, salesperson)
    assert not Deposit.objects.exists()


def test_dep_04_top_up_turns_the_small_deposit_into_a_large_one(unit, customer, salesperson, clock):
    """DEP-04: the rest is paid, the top-up date cleared, the unit reserved, the hold runs from the top-up."""
    small = services.deposit_take(
        unit=unit, customer=customer, actor=salesperson, kind=DepositKind.SMALL, amount=Decimal("5000.00"),
        method="cash", top_up_due_on=datetime.date(2026, 3, 3),
    )  # fmt: skip
    clock.advance(days=1)

    large = services.deposit_top_up(
        deposit=small, actor=salesperson, large_amount=Decimal("50000.00"), method="card"
    )

    small.refresh_from_db()
    unit.refresh_from_db()
    assert small.status == Deposit.Status.TOPPED_UP
    assert small.top_up_due_on is None
    assert large.previous_id == small.pk
    assert large.amount == Decimal("50000.00")
    assert large.hold_until == clock.now + datetime.timedelta(days=7)
    assert unit.status == Unit.Status.RESERVED
    top_up = MoneyRecord.objects.get(kind="top_up")
    assert top_up.amount == Decimal("45000.00")


def test_dep_04_top_up_below_what_was_paid_changes_nothing(unit, customer, salesperson):
    """DEP-04: a large deposit below the minimum is refused and the small deposit stays active."""
    small = small_deposit(unit, customer, salesperson)
    with pytest.raises(DomainError):
        services.deposit_top_up(
            deposit=small, actor=salesperson, large_amount=Decimal("9000.00"), method="card"
        )
    small.refresh_from_db()
    assert small.status == Deposit.Status.ACTIVE
    assert MoneyRecord.objects.count() == 1


def test_dep_05_unit_change_to_a_dearer_unit_moves_everything_in_one_step(site, unit, customer, salesperson):
    """DEP-05: the hold moves, the old unit is released, the record says from X to Y."""
    other = UnitFactory(building=unit.building, floor=15, number="1501", list_total=Decimal("2100000.00"))
    deposit = large_deposit(unit, customer, salesperson)

    moved = services.deposit_unit_change(
        deposit=deposit, to_unit=other, actor=salesperson, reason="客户想要高层"
    )

    unit.refresh_from_db()
    other.refresh_from_db()
    deposit.refresh_from_db()
    assert (unit.status, other.status) == (Unit.Status.AVAILABLE, Unit.Status.RESERVED)
    assert deposit.status == Deposit.Status.TRANSFERRED
    assert moved.unit_id == other.pk
    assert "from" in moved.note
    assert "to" in moved.note
    assert moved.deal.list_total == Decimal("2100000.00")


def test_dep_05_cheaper_unit_needs_the_managers_approval(site, unit, customer, salesperson, manager):
    """DEP-05: without an approved request nothing changes; with it the change goes through."""
    cheaper = UnitFactory(building=unit.building, floor=3, number="0301", list_total=Decimal("1800000.00"))
    deposit = large_deposit(unit, customer, salesperson)

    with pytest.raises(ApprovalRequired):
        services.deposit_unit_change(deposit=deposit, to_unit=cheaper, actor=salesperson, reason="预算")
    cheaper.refresh_from_db()
    assert cheaper.status == Unit.Status.AVAILABLE

    request = services.approval_request(
        kind="unit_change", actor=salesperson, unit=unit, customer=customer, deal=deposit.deal, target_unit=cheaper, reason="预算",
    )  # fmt: skip
    services.approval_decide(request=request, actor=manager, decision="approve")
    moved = services.deposit_unit_change(
        deposit=deposit, to_unit=cheaper, actor=salesperson, reason="预算", approval=request
    )
    assert moved.unit_id == cheaper.pk
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.DONE


def test_dep_03_manager_extends_a_large_hold_but_never_a_small_one(
    unit, customer, salesperson, manager, clock
):
    """DEP-03, DEP-01: the manager extends with a reason; a salesperson may not; a small hold is never extended."""
    deposit = large_deposit(unit, customer, salesperson)
    later = deposit.hold_until + datetime.timedelta(days=2)
    with pytest.raises(NotAllowed):
        services.hold_extend(deposit=deposit, actor=salesperson, until=later, reason="贷款")
    extended = services.hold_extend(deposit=deposit, actor=manager, until=later, reason="贷款材料未齐")
    assert extended.hold_until == later
    assert extended.extended_by == manager

    other = UnitFactory(building=unit.building, floor=20, number="2001")
    small = small_deposit(
        other, customer_for(unit.site, salesperson, name="李四", phone="13700001111"), salesperson
    )
    with pytest.raises(DomainError):
        services.hold_extend(
            deposit=small, actor=manager, until=small.hold_until + datetime.timedelta(days=1), reason="x"
        )


def test_dep_03_waiver_needs_the_manager_and_a_reason(unit, customer, salesperson, manager):
    """DEP-03: only the site manager waives, with a reason."""
    deposit = large_deposit(unit, customer, salesperson)
    with pytest.raises(NotAllowed):
        services.forfeiture_waive(deposit=deposit, actor=salesperson, reason="x")
    with pytest.raises(DomainError):
        services.forfeiture_waive(deposit=deposit, actor=manager, reason=" ")
    waived = services.forfeiture_waive(deposit=deposit, actor=manager, reason="开发商原因")
    assert waived.forfeiture_waived_by == manager


def test_s_deal_3_expiry_forfeits_once_and_releases_the_unit(unit, customer, salesperson, clock):
    """S-DEAL-3, DEP-03, R4: 50,000 paid day 1 10:00, 7-day hold; day 8 10:00 the job forfeits once."""
    deposit = large_deposit(unit, customer, salesperson)
    clock.advance(days=7)

    assert services.hold_expiry_sweep(now=clock.now) == 1
    assert services.hold_expiry_sweep(now=clock.now) == 0

    deposit.refresh_from_db()
    unit.refresh_from_db()
    assert deposit.status == Deposit.Status.FORFEITED
    assert deposit.expired_at == clock.now
    assert unit.status == Unit.Status.AVAILABLE
    assert MoneyRecord.objects.filter(kind="forfeiture", amount=Decimal("-50000.00")).count() == 1
    assert Deal.objects.get().status == Deal.Status.EXPIRED
    assert sum(credit.amount for credit in PerformanceCredit.objects.all()) == 0


def test_dep_03_not_yet_due_and_waived_holds(unit, customer, salesperson, manager, clock):
    """DEP-03: a minute early nothing happens; a waived forfeiture is refunded instead."""
    deposit = large_deposit(unit, customer, salesperson)
    services.forfeiture_waive(deposit=deposit, actor=manager, reason="开发商原因")
    clock.advance(days=7, minutes=-1)
    assert services.hold_expiry_sweep(now=clock.now) == 0
    clock.advance(minutes=1)
    assert services.hold_expiry_sweep(now=clock.now) == 1
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.REFUNDED
    assert MoneyRecord.objects.filter(kind="refund", amount=Decimal("-50000.00")).count() == 1


def test_dep_03_small_deposit_is_refunded_on_expiry_by_default(unit, customer, salesperson, clock):
    """DEP-03, DEP-01 (``small_deposit_refundable`` true by default)."""
    deposit = small_deposit(unit, customer, salesperson)
    clock.advance(days=3)
    services.hold_expiry_sweep(now=clock.now)
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.REFUNDED


def test_dep_03_reminder_one_day_before_is_sent_once(unit, customer, salesperson, clock):
    """DEP-03, R4: the reminder goes one day before the end, once however often the job runs."""
    from salesoffice.core.models import Notification

    large_deposit(unit, customer, salesperson)
    clock.advance(days=5)
    assert services.hold_reminders_send(now=clock.now) == 0
    clock.advance(days=1)
    assert services.hold_reminders_send(now=clock.now) == 1
    assert services.hold_reminders_send(now=clock.now) == 0
    assert Notification.objects.filter(recipient=salesperson, kind="deals.hold_reminder").count() == 1


def test_dep_03_expired_deposit_cannot_be_topped_up(unit, customer, salesperson, clock):
    """DEP-03: after expiry the deposit is closed; a late top-up is a conflict and changes nothing."""
    deposit = small_deposit(unit, customer, salesperson)
    clock.advance(days=4)
    services.hold_expiry_sweep(now=clock.now)
    with pytest.raises(DealStateConflict):
        services.deposit_top_up(
            deposit=deposit, actor=salesperson, large_amount=Decimal("50000.00"), method="card"
        )
    assert not MoneyRecord.objects.filter(kind="top_up").exists()


def test_cus01_own04_the_customer_follows_the_deal(unit, customer, salesperson, clock):
    """CUS-01/OWN-04: a deposit makes the customer a deposited, closed customer; when the hold
    expires the deposit stops holding them and they are followed up again."""
    large_deposit(unit, customer, salesperson)
    customer.refresh_from_db()
    assert customer.status == "deposited"
    assert customer.verdict.closed is True
    clock.advance(days=7)
    services.hold_expiry_sweep(now=clock.now)
    customer.refresh_from_db()
    assert customer.status == "following"
    assert customer.deposit_records.get().cancelled_at == clock.now
    assert customer.verdict.closed is False
