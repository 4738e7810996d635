"""RPT-08: the service report on the reports pages: work orders, complaints, satisfaction (SVC-08)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from handover import services
from salesoffice.core.models import AuditEvent
from tests.handover.conftest import unit_of

pytestmark = pytest.mark.django_db


def test_rpt08_service_report_page_pdf_and_excel(client, site, service, manager, contract):
    for description in ("厨房漏水", "门锁损坏"):
        services.work_order_create(
            site=site, actor=service, reporter_name="张三", category="plumbing", description=description,
            unit=unit_of(contract), customer=contract.deal.customer,
        )  # fmt: skip
    today = timezone.localdate().isoformat()
    client.force_login(service)
    page = client.get(reverse("reports-page", args=["service"]), {"date_from": today, "date_to": today})
    assert page.status_code == 200
    summary = page.context["document"].tables[0]
    assert summary.rows[0][1].value == 2  # two work orders in the period
    pdf = client.get(
        reverse("reports-export", args=["service", "pdf"]), {"date_from": today, "date_to": today}
    )
    xlsx = client.get(
        reverse("reports-export", args=["service", "xlsx"]), {"date_from": today, "date_to": today}
    )
    assert pdf.content.startswith(b"%PDF")
    assert xlsx.content.startswith(b"PK")
    assert AuditEvent.objects.filter(object_type="reports.service").count() == 2
    client.force_login(manager)
    assert client.get(reverse("reports-page", args=["service"])).status_code == 200
