"""Celery jobs of the deals app: thin, by id, safe to run twice (STYLE 8)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def inventory_import_task(import_id: int) -> None:
    """UNIT-01: check and import one uploaded unit list."""
    from deals.services import inventory_import_run

    inventory_import_run(import_id=import_id)


# DEP-03, PAY-02, MORT-02, COMM-02: periodic sweeps over rows with due times and done markers (R4); each
# is safe to run twice, late, or after a crash, so ``acks_late`` redelivery is harmless.


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=900, soft_time_limit=840)
def hold_expiry_task() -> int:
    """DEP-03: expire the holds whose end has passed (forfeiture or refund recorded once)."""
    from deals.services import hold_expiry_sweep

    return hold_expiry_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=900, soft_time_limit=840)
def hold_reminders_task() -> int:
    """DEP-03: remind salespeople one day before a hold ends."""
    from deals.services import hold_reminders_send

    return hold_reminders_send()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=900, soft_time_limit=840)
def mortgage_overdue_task() -> int:
    """MORT-02: remind salespeople of loan steps that take too long."""
    from deals.services import mortgage_overdue_reminders_send

    return mortgage_overdue_reminders_send()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=900, soft_time_limit=840)
def instalment_reminders_task() -> int:
    """PAY-02: remind salespeople of instalments due soon or overdue."""
    from deals.services import instalment_reminders_send

    return instalment_reminders_send()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=900, soft_time_limit=840)
def commission_confirm_task() -> int:
    """COMM-02: confirm commission whose dispute window has closed."""
    from django.utils import timezone

    from deals.services import commission_confirm_due

    return commission_confirm_due(now=timezone.now())
