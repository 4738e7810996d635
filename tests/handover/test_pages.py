"""Pages of the handover app render for the roles that use them, stay within a fixed number of queries, and
keep other sites out (SEC-01, SEC-07, QUAL-02)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from handover import services
from salesoffice.core.roles import Role
from tests.handover.test_services import _order

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


PAGES = [
    "handover-work-orders", "handover-batches", "handover-handovers", "handover-areas", "handover-certificates",
    "handover-complaints", "handover-visits", "handover-desk", "handover-statistics", "handover-workers",
]  # fmt: skip


@pytest.mark.parametrize("name", PAGES)
def test_pages_render_for_customer_service(site, service, name):
    response = _client(service).get(reverse(name))
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_sec_01_repair_worker_phone_list_shows_only_own_jobs(site, service, repair):
    mine, other = repair(areas=["1号楼"]), repair(areas=["1号楼"])
    my_order = services.work_order_dispatch(
        work_order=_order(site, service), actor=service, worker=mine, reason="r"
    )
    their = services.work_order_dispatch(
        work_order=_order(site, service), actor=service, worker=other, reason="r"
    )
    client = _client(mine.user)
    page = client.get(reverse("handover-my-orders")).content.decode()
    assert my_order.number in page
    assert their.number not in page
    assert client.get(reverse("handover-work-order", args=[their.pk])).status_code == 404
    listing = client.get(reverse("handover-work-orders")).content.decode()
    assert my_order.number in listing
    assert their.number not in listing
    step = client.post(
        reverse("handover-work-order-step", args=[my_order.pk, "start"]), HTTP_HX_REQUEST="true"
    )
    assert step.status_code == 200
    assert "job-" in step.content.decode()


def test_sec_07_other_site_work_order_page_is_404(site, other_site, service, staff):
    order = _order(site, service)
    assert (
        _client(staff(Role.SERVICE, other_site))
        .get(reverse("handover-work-order", args=[order.pk]))
        .status_code
        == 404
    )


def test_qual_02_work_order_list_queries_are_bounded(site, service, django_assert_max_num_queries):
    client = _client(service)
    for _ in range(3):
        _order(site, service)
    client.get(reverse("handover-work-orders"))
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("handover-work-orders"))
    for _ in range(20):
        _order(site, service)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("handover-work-orders"))


def test_svc_08_excel_export_is_audited(site, service, manager):
    from salesoffice.core.models import AuditEvent

    response = _client(manager).get(reverse("handover-statistics-export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="export.service_statistics").exists()


def test_area_02_statement_page_and_pdf(contract, service):
    settlement = services.area_settlement_compute(contract=contract, actor=service, surveyed_area="95.00")
    client = _client(service)
    page = client.get(reverse("handover-area", args=[settlement.pk])).content.decode()
    assert "5.00 m² × 20,000.00 × 2" not in page  # double refund applies only beyond the threshold
    assert "2.00 m² × 20,000.00 × 2 = 80,000.00" in page
    pdf = client.get(reverse("handover-area-pdf", args=[settlement.pk]))
    assert pdf.content.startswith(b"%PDF")
