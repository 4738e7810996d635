"""Deal pages: the customer-file panel (CUS-04), contract approval and filing (CON-03), loans (MORT-01/02)."""

from decimal import Decimal

import pytest

from salesoffice.core.roles import Role
from tests.deals.factories import UnitFactory, customer_for, large_deposit

pytestmark = pytest.mark.django_db


def test_cus04_file_loads_the_deals_panel(client, site, salesperson, clock):
    unit = UnitFactory(building__site=site, list_total=Decimal("2000000.00"))
    customer = customer_for(site, salesperson)
    large_deposit(unit, customer, salesperson)
    client.force_login(salesperson)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/deals/customers/{customer.pk}/panel/" in page
    panel = client.get(f"/deals/customers/{customer.pk}/panel/").content.decode()
    assert unit.number in panel
    assert "50,000.00" in panel  # paid so far


def test_cus04_panel_shows_nothing_to_other_salespeople_and_404s_across_sites(
    client, staff, site, other_site, salesperson, clock
):
    unit = UnitFactory(building__site=site)
    customer = customer_for(site, salesperson)
    large_deposit(unit, customer, salesperson)
    client.force_login(staff(Role.SALESPERSON, site))
    assert unit.number not in client.get(f"/deals/customers/{customer.pk}/panel/").content.decode()
    client.force_login(staff(Role.SALESPERSON, other_site))
    assert client.get(f"/deals/customers/{customer.pk}/panel/").status_code == 404


def test_con03_mort01_02_deal_page_files_the_contract_and_moves_the_loan(
    client, site, manager, salesperson, clock
):
    """CON-03 and MORT-01/02 from the deal page: approve, file, open a loan file and record a step."""
    from deals.models import Contract, Mortgage
    from tests.handover.conftest import make_contract

    contract = make_contract(site, salesperson, payment_method="mortgage")
    deal_id = contract.deal_id
    client.force_login(manager)
    assert "CON-03" in client.get(f"/deals/deals/{deal_id}/").content.decode()
    client.post(f"/deals/contracts/{contract.pk}/approve/")
    client.post(
        f"/deals/contracts/{contract.pk}/file/",
        {"filing_number": "BA-2026-001", "filed_on": clock.now.date().isoformat()},
    )
    contract.refresh_from_db()
    assert (contract.status, contract.filing_number) == (Contract.Status.FILED, "BA-2026-001")
    client.force_login(salesperson)
    client.post(
        f"/deals/deals/{deal_id}/mortgage/",
        {"bank": "建设银行", "loan_type": "commercial", "amount": "1400000"},
    )
    mortgage = Mortgage.objects.get(deal_id=deal_id)
    page = client.get(f"/deals/deals/{deal_id}/").content.decode()
    action = page.split('name="action"><option value="')[1].split('"')[0]
    client.post(
        f"/deals/mortgages/{mortgage.pk}/advance/", {"action": action, "on": clock.now.date().isoformat()}
    )
    mortgage.refresh_from_db()
    assert mortgage.status != Mortgage.Status.DOCUMENTS_COLLECTED
