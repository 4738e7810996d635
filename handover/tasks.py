"""Celery jobs of the handover app: thin periodic sweeps over rows with due times and done markers, safe to
run twice, late, or after a crash (STYLE 8, R4)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

_SWEEP: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "time_limit": 900,
    "soft_time_limit": 840,
}


@shared_task(**_SWEEP)
def move_in_notices_task() -> int:
    """MOVE-02: send the move-in notices now due (once per contract)."""
    from handover.services import move_in_notices_due_send

    return move_in_notices_due_send()


@shared_task(**_SWEEP)
def service_escalations_task() -> int:
    """SVC-02, SVC-05: escalate overdue work orders and complaints (once per missed target)."""
    from handover.services import complaint_escalations_send, work_order_escalations_send

    return work_order_escalations_send() + complaint_escalations_send()


@shared_task(**_SWEEP)
def certificate_overdue_task() -> int:
    """CERT-01: flag certificate cases whose step takes too long."""
    from handover.services import certificate_overdue_flag

    return certificate_overdue_flag()


@shared_task(**_SWEEP)
def return_visits_task() -> int:
    """SVC-06: plan the return visits of closed work orders and completed handovers."""
    from handover.services import return_visits_create_due

    return return_visits_create_due()
