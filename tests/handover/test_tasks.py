"""Celery jobs of the handover app, each run twice and a day late (R4): MOVE-02 notices, SVC-02/SVC-05
escalations, CERT-01 overdue flags, SVC-06 return visits."""

from __future__ import annotations

import datetime as dt

import pytest

from handover import services, tasks
from handover.models import CertificateCase, Complaint, MoveInNotice, ReturnVisit, WorkOrder, WorkOrderEvent
from salesoffice.core.models import Notification
from tests.handover.test_services import _batch, _order

pytestmark = pytest.mark.django_db


def test_move_02_notices_task_sends_once_from_notice_date_even_late(site, service, manager, contract, clock):
    batch = _batch(site, service, manager, [contract], start=dt.date(2026, 3, 20))
    services.move_in_batch_approve(batch=batch, actor=manager)
    clock.set(clock.now.replace(day=5))  # 15 days before: too early
    assert tasks.move_in_notices_task.delay().get() == 0
    clock.set(clock.now.replace(day=7))  # a day after the 14-day notice date: late run
    assert tasks.move_in_notices_task.delay().get() == 1
    assert tasks.move_in_notices_task.delay().get() == 0
    notice = MoveInNotice.objects.get()
    assert notice.late is True
    assert Notification.objects.filter(kind="handover.move_in_notice").count() <= 1


def test_svc_02_escalation_task_once_per_missed_target(site, service, clock):
    order = _order(site, service, priority="urgent")
    clock.advance(minutes=31)
    assert tasks.service_escalations_task.delay().get() == 1
    assert tasks.service_escalations_task.delay().get() == 0
    clock.advance(days=1)
    assert tasks.service_escalations_task.delay().get() == 1
    assert tasks.service_escalations_task.delay().get() == 0
    order.refresh_from_db()
    assert order.response_escalated_at is not None
    assert order.completion_escalated_at is not None
    assert set(WorkOrderEvent.objects.filter(work_order=order).values_list("action", flat=True)) >= {
        "escalate_response", "escalate_completion",
    }  # fmt: skip
    assert Notification.objects.filter(kind="handover.work_order_overdue").count() == 2


def test_svc_05_complaint_escalated_once_when_reply_late(site, service, manager, clock):
    complaint = services.complaint_create(
        site=site, actor=service, channel="hotline", complainant_name="王五", content="x"
    )
    clock.advance(days=3)
    assert tasks.service_escalations_task.delay().get() == 1
    assert tasks.service_escalations_task.delay().get() == 0
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ESCALATED
    assert Notification.objects.filter(kind="handover.complaint_overdue", recipient=manager).count() == 1


def test_cert_01_overdue_flag_once_per_step_even_late(site, service, contract, clock):
    case = services.certificate_open(contract=contract, actor=service)
    clock.advance(days=30)
    assert tasks.certificate_overdue_task.delay().get() == 0
    clock.advance(days=2)  # a day late
    assert tasks.certificate_overdue_task.delay().get() == 1
    assert tasks.certificate_overdue_task.delay().get() == 0
    case.refresh_from_db()
    assert case.overdue_since == dt.date(2026, 4, 1)
    case = services.certificate_advance(case=case, actor=service, action="register_initial")
    assert CertificateCase.objects.get(pk=case.pk).overdue_since is None


def test_svc_06_return_visit_task_fills_gaps_once(site, service, manager, repair, clock):
    worker = repair(areas=["1号楼"])
    order = services.work_order_dispatch(work_order=_order(site, service), actor=service)
    for actor, action in (
        (worker.user, "start"),
        (worker.user, "finish"),
        (service, "confirm"),
        (manager, "close"),
    ):
        order = services.work_order_step(work_order=order, actor=actor, action=action)
    ReturnVisit.objects.filter(work_order=order).delete()  # as if the close had crashed before it
    clock.advance(days=1)
    assert tasks.return_visits_task.delay().get() == 1
    assert tasks.return_visits_task.delay().get() == 0
    assert ReturnVisit.objects.get(work_order=order).due_on == dt.date(2026, 3, 5)
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrder.Status.CLOSED
