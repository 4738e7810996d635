"""Deal jobs run twice and a day late end in the same state (R4): DEP-03, PAY-02, MORT-02, COMM-02."""

import datetime
from decimal import Decimal

import pytest

from deals import services, tasks
from deals.models import CommissionRecord, Deposit, MoneyRecord, Unit
from salesoffice.core.models import Notification
from tests.deals.factories import BUYER, UnitFactory, customer_for, large_deposit

pytestmark = pytest.mark.django_db


def _state():
    return (
        sorted(Deposit.objects.values_list("pk", "status")),
        sorted(MoneyRecord.objects.values_list("kind", "amount")),
        sorted(Unit.objects.values_list("pk", "status")),
        sorted(Notification.objects.values_list("kind", "recipient_id")),
        sorted(CommissionRecord.objects.values_list("pk", "status")),
    )


@pytest.mark.parametrize("late_days", [0, 1])
def test_s_deal_3_hold_expiry_task_twice_and_late(site, salesperson, clock, late_days):
    """S-DEAL-3, DEP-03, R4: on time or a day late, run twice: one forfeiture, unit available."""
    unit = UnitFactory(building__site=site)
    large_deposit(unit, customer_for(site, salesperson), salesperson)
    clock.advance(days=7 + late_days)

    tasks.hold_expiry_task.delay()
    after_first = _state()
    tasks.hold_expiry_task.delay()

    assert _state() == after_first
    assert MoneyRecord.objects.filter(kind="forfeiture").count() == 1
    assert Unit.objects.get().status == Unit.Status.AVAILABLE


@pytest.mark.parametrize("late_days", [0, 1])
def test_dep_03_hold_reminder_task_twice_and_late(site, salesperson, clock, late_days):
    """DEP-03, R4: one reminder, however often; a day late the hold has ended and the expiry takes over."""
    large_deposit(UnitFactory(building__site=site), customer_for(site, salesperson), salesperson)
    clock.advance(days=6, hours=late_days * 12)
    tasks.hold_reminders_task.delay()
    first = _state()
    tasks.hold_reminders_task.delay()
    assert _state() == first
    assert Notification.objects.filter(kind="deals.hold_reminder").count() == 1


def _contract(site, salesperson):
    deposit = large_deposit(UnitFactory(building__site=site), customer_for(site, salesperson), salesperson)
    sub = services.subscription_create(
        deposit=deposit, actor=salesperson, buyers=[BUYER], payment_method="mortgage"
    )
    for item in ("id_verified", "qualification_confirmed", "terms_explained"):
        services.subscription_check(subscription=sub, item=item, actor=salesperson)
    return services.contract_sign(
        subscription=sub, actor=salesperson, instalments=[(datetime.date(2026, 3, 2), Decimal("2000000.00"))]
    )


@pytest.mark.parametrize("late_days", [0, 1])
def test_comm_02_commission_confirmation_task_twice_and_late(site, salesperson, clock, late_days):
    """COMM-02, DISP-01, R4: confirmed once the window closed; again or late changes nothing."""
    _contract(site, salesperson)
    clock.set(
        datetime.datetime(2026, 3, 5, 0, 0, tzinfo=clock.now.tzinfo) + datetime.timedelta(days=late_days)
    )
    tasks.commission_confirm_task.delay()
    first = _state()
    tasks.commission_confirm_task.delay()
    assert _state() == first
    assert CommissionRecord.objects.get().status == CommissionRecord.Status.CONFIRMED


@pytest.mark.parametrize("late_days", [0, 1])
def test_pay_02_instalment_reminder_task_twice_and_late(site, salesperson, clock, late_days):
    """PAY-02, R4: one reminder per due date."""
    _contract(site, salesperson)
    clock.advance(days=late_days)
    tasks.instalment_reminders_task.delay()
    first = _state()
    tasks.instalment_reminders_task.delay()
    assert _state() == first
    assert Notification.objects.filter(kind="deals.instalment_due").count() == 1


@pytest.mark.parametrize("late_days", [0, 1])
def test_mort_02_overdue_task_twice_and_late(site, salesperson, clock, late_days):
    """MORT-02, R4: one overdue reminder per step."""
    contract = _contract(site, salesperson)
    services.mortgage_start(
        deal=contract.deal,
        actor=salesperson,
        bank="工商银行",
        loan_type="commercial",
        amount=Decimal("1400000.00"),
        documents={},
    )
    clock.advance(days=8 + late_days)
    tasks.mortgage_overdue_task.delay()
    first = _state()
    tasks.mortgage_overdue_task.delay()
    assert _state() == first
    assert Notification.objects.filter(kind="deals.mortgage_overdue").count() == 1
