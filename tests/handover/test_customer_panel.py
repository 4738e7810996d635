"""CUS-04: the customer file shows a buyer's handover and after-sales records to customer service."""

import pytest

from handover import services
from salesoffice.core.roles import Role
from tests.handover.conftest import unit_of

pytestmark = pytest.mark.django_db


def test_cus04_service_panel_lists_work_orders_for_customer_service(client, staff, site, service, contract):
    customer = contract.deal.customer
    order = services.work_order_create(
        site=site, actor=service, reporter_name="张三", category="plumbing", description="厨房漏水",
        unit=unit_of(contract), customer=customer,
    )  # fmt: skip
    client.force_login(service)
    panel = client.get(f"/handover/customers/{customer.pk}/panel/").content.decode()
    assert order.number in panel
    client.force_login(staff(Role.SALESPERSON, site))
    assert order.number not in client.get(f"/handover/customers/{customer.pk}/panel/").content.decode()
