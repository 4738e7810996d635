"""Subscription, signing, filing and cancellation: CON-01..CON-04, DEP-06, COMM-02 reversal."""

import datetime
from decimal import Decimal

import pytest

from deals import services
from deals.models import (
    CommissionRecord,
    Contract,
    Deal,
    Deposit,
    MoneyRecord,
    PerformanceCredit,
    Subscription,
    Unit,
)
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.roles import Role
from tests.deals.factories import BUYER, UnitFactory, customer_for, large_deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(site):
    return UnitFactory(building__site=site)


@pytest.fixture
def subscription(unit, site, salesperson, clock):
    customer = customer_for(site, salesperson)
    deposit = large_deposit(unit, customer, salesperson)
    return services.subscription_create(
        deposit=deposit,
        actor=salesperson,
        buyers=[BUYER],
        payment_method="mortgage",
        documents_to_bring="身份证",
    )


def _tick_all(subscription, actor):
    for item in ("id_verified", "qualification_confirmed", "terms_explained"):
        services.subscription_check(subscription=subscription, item=item, actor=actor)


def test_con_01_subscription_from_the_large_deposit(subscription):
    """CON-01: buyers with ID, unit, price, payment method, deposit, signing deadline = hold end."""
    assert subscription.number == "RG000001"
    assert subscription.price == subscription.list_total == Decimal("2000000.00")
    assert subscription.signing_deadline == subscription.deposit.hold_until
    assert subscription.buyers[0]["id_number"] == "110105199001011234"


def test_con_01_bad_buyer_id_changes_nothing(unit, site, salesperson, clock):
    """CON-01, SEC-07: a malformed resident ID is a field error; no subscription is written."""
    deposit = large_deposit(unit, customer_for(site, salesperson), salesperson)
    with pytest.raises(DomainError) as refused:
        services.subscription_create(
            deposit=deposit,
            actor=salesperson,
            buyers=[{**BUYER, "id_number": "123"}],
            payment_method="mortgage",
        )
    assert "buyers[0]" in refused.value.fields
    assert not Subscription.objects.exists()


def test_con_02_signing_needs_every_check(subscription, salesperson):
    """CON-02: a missing check refuses the signing and changes nothing."""
    services.subscription_check(subscription=subscription, item="id_verified", actor=salesperson)
    with pytest.raises(DomainError) as refused:
        services.contract_sign(subscription=subscription, actor=salesperson)
    assert set(refused.value.fields["checklist"]) == {"qualification_confirmed", "terms_explained"}
    assert not Contract.objects.exists()
    assert Unit.objects.get().status == Unit.Status.RESERVED


def test_con_02_sign_converts_the_deposit_and_closes_the_subscription(subscription, salesperson, clock):
    """CON-02: contract number, deposit converted, subscription closed, unit contracted, schedule kept."""
    _tick_all(subscription, salesperson)
    contract = services.contract_sign(
        subscription=subscription, actor=salesperson,
        instalments=[(datetime.date(2026, 3, 1), Decimal("600000.00")), (datetime.date(2026, 4, 1), Decimal("1400000.00"))],
    )  # fmt: skip
    subscription.refresh_from_db()
    assert contract.number == "HT000001"
    assert contract.checklist["id_verified"]["by"] == salesperson.pk
    assert subscription.status == Subscription.Status.CONTRACTED
    assert Deposit.objects.get(pk=subscription.deposit_id).status == Deposit.Status.CONVERTED
    assert Unit.objects.get().status == Unit.Status.CONTRACTED
    assert Deal.objects.get().status == Deal.Status.CONTRACTED
    assert CommissionRecord.objects.filter(status="pending").count() == 1


def test_con_02_agent_needs_a_power_of_attorney(unit, site, salesperson, clock):
    """CON-02: a buyer represented by an agent needs the notarised power of attorney recorded."""
    deposit = large_deposit(unit, customer_for(site, salesperson), salesperson)
    sub = services.subscription_create(
        deposit=deposit, actor=salesperson, buyers=[BUYER], payment_method="full_payment", by_agent=True
    )
    _tick_all(sub, salesperson)
    services.subscription_check(subscription=sub, item="power_of_attorney_verified", actor=salesperson)
    with pytest.raises(DomainError):
        services.contract_sign(subscription=sub, actor=salesperson)
    contract = services.contract_sign(
        subscription=sub, actor=salesperson, power_of_attorney_ref="(2026)京证字第123号"
    )
    assert contract.by_agent
    assert contract.power_of_attorney_ref


def test_con_02_schedule_must_add_up_to_the_price(subscription, salesperson):
    """PAY-02, CON-02: a schedule that does not add up is refused."""
    _tick_all(subscription, salesperson)
    with pytest.raises(DomainError):
        services.contract_sign(
            subscription=subscription,
            actor=salesperson,
            instalments=[(datetime.date(2026, 3, 1), Decimal("1.00"))],
        )
    assert not Contract.objects.exists()


def test_con_03_filing_after_internal_approval(subscription, salesperson, manager):
    """CON-03: approved by the manager, then filed with number and date; a salesperson cannot approve."""
    _tick_all(subscription, salesperson)
    contract = services.contract_sign(subscription=subscription, actor=salesperson)
    with pytest.raises(NotAllowed):
        services.contract_approve(contract=contract, actor=salesperson)
    services.contract_approve(contract=contract, actor=manager)
    filed = services.contract_file(
        contract=contract, actor=manager, filing_number="BA2026-0001", filed_on=datetime.date(2026, 3, 1)
    )
    assert (filed.status, filed.filing_number) == (Contract.Status.FILED, "BA2026-0001")


@pytest.mark.parametrize(
    ("settlement", "kinds"),
    [
        ("buyer", {("forfeiture", Decimal("-50000.00"))}),
        ("developer", {("double_return", Decimal("-100000.00"))}),
        ("refund", {("refund", Decimal("-50000.00"))}),
    ],
)
def test_con_04_dep_06_cancellation_settles_money_and_reverses_everything(
    subscription, salesperson, manager, staff, site, settlement, kinds
):
    """CON-04, DEP-06: decided by the manager, settled by finance with the buyer's confirmation; the unit is
    available again and performance is reversed by negative rows."""
    finance = staff(Role.FINANCE, site)
    deal = subscription.deal
    request = services.cancellation_request(
        deal=deal, actor=salesperson, reason="资金不足", settlement=settlement
    )
    services.approval_decide(request=request, actor=manager, decision="approve")
    with pytest.raises(DomainError):
        services.cancellation_complete(request=request, actor=finance, buyer_confirmed=False)
    with pytest.raises(NotAllowed):
        services.cancellation_complete(request=request, actor=salesperson, buyer_confirmed=True)

    services.cancellation_complete(request=request, actor=finance, buyer_confirmed=True)

    deal.refresh_from_db()
    assert deal.status == Deal.Status.CANCELLED
    assert Unit.objects.get().status == Unit.Status.AVAILABLE
    settled = {(record.kind, record.amount) for record in MoneyRecord.objects.exclude(kind="deposit")}
    assert settled == kinds
    assert sum(credit.amount for credit in PerformanceCredit.objects.filter(deal=deal)) == 0
    assert Subscription.objects.get().status == Subscription.Status.CANCELLED


def test_con_04_cancelling_a_contract_reverses_the_commission(subscription, salesperson, manager):
    """CON-04, COMM-02: commission is reversed by a negative row; the original is not edited."""
    _tick_all(subscription, salesperson)
    contract = services.contract_sign(subscription=subscription, actor=salesperson)
    request = services.cancellation_request(
        deal=contract.deal, actor=salesperson, reason="退房", settlement="refund"
    )
    services.approval_decide(request=request, actor=manager, decision="approve")
    services.cancellation_complete(request=request, actor=manager, buyer_confirmed=True)
    amounts = sorted(CommissionRecord.objects.values_list("amount", flat=True))
    assert amounts == [Decimal("-10000.00"), Decimal("10000.00")]
    assert Contract.objects.get().status == Contract.Status.CANCELLED


def test_con_04_refused_cancellation_changes_nothing(subscription, salesperson, manager):
    """CON-04: a refused request leaves the deal and unit as they were."""
    request = services.cancellation_request(
        deal=subscription.deal, actor=salesperson, reason="x", settlement="refund"
    )
    services.approval_decide(request=request, actor=manager, decision="refuse", note="已过冷静期")
    assert Unit.objects.get().status == Unit.Status.RESERVED
    assert Deal.objects.get().status == Deal.Status.RESERVED


def test_con_01_subscription_pdf_has_no_ownership_or_commission(subscription, salesperson, manager):
    """CON-01, DISP-03: the customer's subscription PDF renders (Chinese font) and carries no ownership,
    shares or commission; the export is audited."""
    import subprocess
    from pathlib import Path

    from django.test import Client

    from salesoffice.core.models import AuditEvent

    client = Client()
    client.force_login(salesperson)
    response = client.get(f"/deals/subscriptions/{subscription.pk}/pdf/")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    artifacts = Path(__file__).resolve().parents[2] / "artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "subscription.pdf").write_bytes(response.content)
    text = subprocess.run(
        ["/usr/bin/pdftotext", str(artifacts / "subscription.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "商品房认购书" in text
    assert subscription.number in text
    for word in ("佣金", "业绩", "归属", "commission", "share"):
        assert word not in text
    assert AuditEvent.objects.filter(action="subscription.pdf").count() == 1
