"""CUS-04: the customer file shows the customer's units, deposits and balance from deals."""

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
