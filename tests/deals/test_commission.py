"""Performance and commission: COMM-01..COMM-03, S-OWN-12, S-OWN-10, DISP-01 window."""

import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from deals import documents, selectors, services
from deals.models import CommissionRecord, PerformanceCredit
from salesoffice.core.models import AuditEvent
from salesoffice.core.roles import Role
from tests.deals.factories import BUYER, UnitFactory, customer_for, large_deposit

pytestmark = pytest.mark.django_db


def _sign(unit, customer, actor):
    deposit = large_deposit(unit, customer, actor)
    subscription = services.subscription_create(
        deposit=deposit, actor=actor, buyers=[BUYER], payment_method="mortgage"
    )
    for item in ("id_verified", "qualification_confirmed", "terms_explained"):
        services.subscription_check(subscription=subscription, item=item, actor=actor)
    return services.contract_sign(subscription=subscription, actor=actor)


def test_s_own_12_developer_referred_customer_earns_half_commission(site, salesperson, clock):
    """S-OWN-12, OWN-13, COMM-02: 0.5% on 2,000,000 yuan with the verdict's factor 0.5 → 5,000.00."""
    unit = UnitFactory(building__site=site)
    customer = customer_for(site, salesperson, source="developer_referral")

    contract = _sign(unit, customer, salesperson)

    record = CommissionRecord.objects.get(deal=contract.deal)
    assert (record.user_id, record.factor, record.rate) == (salesperson.pk, Decimal("0.5"), Decimal("0.005"))
    assert record.amount == Decimal("5000.00")
    assert record.status == CommissionRecord.Status.PENDING


def test_comm_02_ordinary_customer_full_rate(site, salesperson, clock):
    """COMM-02: 0.5% of 2,000,000 = 10,000.00 with factor 1."""
    contract = _sign(UnitFactory(building__site=site), customer_for(site, salesperson), salesperson)
    assert CommissionRecord.objects.get(deal=contract.deal).amount == Decimal("10000.00")


def test_s_own_10_standin_deal_splits_performance_and_commission(site, staff, clock):
    """S-OWN-10, OWN-02, COMM-01: the customer names A (away); B receives and takes a large deposit that day →
    performance B 100%, commission A 50% / B 50%."""
    a, b = staff(Role.SALESPERSON, site), staff(Role.SALESPERSON, site)
    customer = customer_for(site, b, named_id=a.pk)

    contract = _sign(UnitFactory(building__site=site), customer, b)

    credits = {credit.user_id: credit for credit in PerformanceCredit.objects.filter(deal=contract.deal)}
    assert set(credits) == {b.pk}
    assert credits[b.pk].units == Decimal("1")
    commission = {
        record.user_id: record.amount for record in CommissionRecord.objects.filter(deal=contract.deal)
    }
    assert commission == {a.pk: Decimal("5000.00"), b.pk: Decimal("5000.00")}


def test_comm_02_pending_until_the_dispute_window_closes(site, salesperson, clock):
    """COMM-02, DISP-01: deposit day 1 → window through day 4; confirmed from day 5 00:00, once."""
    contract = _sign(UnitFactory(building__site=site), customer_for(site, salesperson), salesperson)
    record = CommissionRecord.objects.get(deal=contract.deal)
    assert record.confirm_after == datetime.datetime(2026, 3, 5, 0, 0, tzinfo=clock.now.tzinfo)

    assert services.commission_confirm_due(now=record.confirm_after - datetime.timedelta(seconds=1)) == 0
    assert services.commission_confirm_due(now=record.confirm_after) == 1
    assert services.commission_confirm_due(now=record.confirm_after + datetime.timedelta(days=1)) == 0
    record.refresh_from_db()
    assert record.status == CommissionRecord.Status.CONFIRMED


def test_comm_03_monthly_statement_pdf_and_excel(site, salesperson, manager, clock):
    """COMM-03: the statement lists each deal with share, rate and amount; PDF and Excel downloads are audited."""
    contract = _sign(UnitFactory(building__site=site), customer_for(site, salesperson), salesperson)
    statement = selectors.commission_statement(
        user=salesperson, site_id=site.pk, salesperson_id=salesperson.pk, year=2026, month=3
    )
    assert statement.total == Decimal("10000.00")
    assert statement.lines[0].contract_number == contract.number

    workbook = openpyxl.load_workbook(__import__("io").BytesIO(documents.commission_xlsx(statement)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[1][1] == contract.number
    assert Decimal(str(rows[1][9])) == Decimal("10000.00")

    client = Client()
    client.force_login(manager)
    query = f"?salesperson={salesperson.pk}&year=2026&month=3"
    assert client.get(f"/deals/commission/{query}").status_code == 200
    pdf = client.get(f"/deals/commission/pdf/{query}")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    xlsx = client.get(f"/deals/commission/xlsx/{query}")
    assert xlsx.status_code == 200
    assert AuditEvent.objects.filter(action__startswith="commission.export_").count() == 2


def test_comm_03_salesperson_cannot_read_anothers_statement(site, staff, salesperson, clock):
    """COMM-03, SEC-01: a salesperson reads only their own statement."""
    other = staff(Role.SALESPERSON, site)
    client = Client()
    client.force_login(salesperson)
    assert client.get(f"/deals/commission/?salesperson={other.pk}&year=2026&month=3").status_code == 403
