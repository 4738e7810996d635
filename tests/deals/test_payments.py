"""Payments and loans: PAY-01, PAY-02, MORT-01, MORT-02."""

import datetime
from decimal import Decimal

import pytest
from django.db import InternalError, transaction

from deals import services
from deals.exceptions import DealStateConflict
from deals.models import MoneyRecord, Mortgage, MortgageStep
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.roles import Role
from tests.deals.factories import BUYER, UnitFactory, customer_for, large_deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(staff, site):
    return staff(Role.FINANCE, site)


@pytest.fixture
def deal(site, salesperson, clock):
    deposit = large_deposit(UnitFactory(building__site=site), customer_for(site, salesperson), salesperson)
    subscription = services.subscription_create(
        deposit=deposit, actor=salesperson, buyers=[BUYER], payment_method="mortgage"
    )
    for item in ("id_verified", "qualification_confirmed", "terms_explained"):
        services.subscription_check(subscription=subscription, item=item, actor=salesperson)
    schedule = [
        (datetime.date(2026, 3, 1), Decimal("600000.00")),
        (datetime.date(2026, 4, 1), Decimal("1400000.00")),
    ]
    return services.contract_sign(subscription=subscription, actor=salesperson, instalments=schedule).deal


def test_pay_01_finance_records_money_with_a_gap_free_receipt(deal, finance):
    """PAY-01: payer, method, amount, receipt number, finance user and time."""
    record = services.payment_record(
        deal=deal,
        actor=finance,
        kind="instalment",
        amount=Decimal("550000.00"),
        payer="张三",
        method="transfer",
    )
    assert record.receipt_number == "SJ000002"
    assert record.finance_user == finance


def test_pay_01_only_finance_records_and_bad_input_changes_nothing(deal, salesperson, finance):
    """PAY-01, SEC-07: a salesperson is refused; a negative amount or a deposit kind is a 400."""
    with pytest.raises(NotAllowed):
        services.payment_record(
            deal=deal, actor=salesperson, kind="instalment", amount=Decimal("1.00"), payer="x", method="cash"
        )
    with pytest.raises(DomainError):
        services.payment_record(
            deal=deal, actor=finance, kind="instalment", amount=Decimal("-1.00"), payer="x", method="cash"
        )
    with pytest.raises(DomainError):
        services.payment_record(
            deal=deal, actor=finance, kind="deposit", amount=Decimal("1.00"), payer="x", method="cash"
        )
    assert MoneyRecord.objects.count() == 1


def test_pay_01_reversal_is_a_new_record_once(deal, finance):
    """PAY-01, SEC-05: a correction reverses once; a second reversal is refused."""
    record = services.payment_record(
        deal=deal, actor=finance, kind="fee", amount=Decimal("300.00"), payer="张三", method="cash"
    )
    reversal = services.payment_reverse(record=record, actor=finance, reason="录错")
    assert (reversal.amount, reversal.reverses_id, reversal.kind) == (Decimal("-300.00"), record.pk, "fee")
    with pytest.raises(DealStateConflict):
        services.payment_reverse(record=record, actor=finance, reason="again")
    with pytest.raises(DealStateConflict):
        services.payment_reverse(record=reversal, actor=finance, reason="again")


def test_pay_01_money_records_are_append_only_in_postgresql(deal):
    """PAY-01, SEC-05: UPDATE and DELETE are rejected by the database itself."""
    with pytest.raises(InternalError), transaction.atomic():
        MoneyRecord.objects.update(amount=Decimal("1.00"))
    with pytest.raises(InternalError), transaction.atomic():
        MoneyRecord.objects.all().delete()


def test_pay_02_position_paid_due_overdue_next(deal, finance):
    """PAY-02: the deposit converts into payment; the first instalment is partly paid on day 1; by April 2
    the rest is overdue."""
    services.payment_record(
        deal=deal,
        actor=finance,
        kind="instalment",
        amount=Decimal("500000.00"),
        payer="张三",
        method="transfer",
    )
    position = services.deal_position(deal=deal, today=datetime.date(2026, 3, 1))
    assert (position.paid, position.due, position.overdue) == (
        Decimal("550000.00"),
        Decimal("50000.00"),
        Decimal("0.00"),
    )
    assert (position.next_due_on, position.next_due_amount) == (
        datetime.date(2026, 3, 1),
        Decimal("50000.00"),
    )
    later = services.deal_position(deal=deal, today=datetime.date(2026, 4, 2))
    assert later.overdue == Decimal("1450000.00")


def test_pay_02_instalment_reminder_once(deal, clock):
    """PAY-02, R4: the instalment due reminder is sent once per due date, however often the job runs."""
    assert services.instalment_reminders_send(now=clock.now) == 1
    assert services.instalment_reminders_send(now=clock.now) == 0


def test_mort_01_02_loan_list_steps_and_overdue(deal, salesperson, clock):
    """MORT-01/02: documents checklist per loan type; dated steps by the table; overdue reminder once."""
    mortgage = services.mortgage_start(
        deal=deal, actor=salesperson, bank="建设银行", loan_type="commercial", amount=Decimal("1400000.00"),
        documents={"id_card": True, "income_proof": False},
    )  # fmt: skip
    assert set(mortgage.documents) >= {"id_card", "income_proof", "bank_statement"}
    with pytest.raises(DealStateConflict):
        services.mortgage_advance(mortgage=mortgage, actor=salesperson, action="approve")
    services.mortgage_advance(mortgage=mortgage, actor=salesperson, action="submit")
    assert MortgageStep.objects.filter(mortgage=mortgage).count() == 2
    clock.advance(days=31)
    assert services.mortgage_overdue_reminders_send(now=clock.now) == 1
    assert services.mortgage_overdue_reminders_send(now=clock.now) == 0
    assert Mortgage.objects.get().status == Mortgage.Status.SUBMITTED
