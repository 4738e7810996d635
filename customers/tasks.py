"""Celery jobs of the customers app: thin, safe to run twice, late or after a crash (STYLE 8, R4).

Each calls one service; the services find their work in PostgreSQL and claim it with
``FOR UPDATE SKIP LOCKED``, so a redelivered or overlapping task does nothing twice."""

from __future__ import annotations

from celery import shared_task

from customers.services import housekeeping


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def protection_expiry_task() -> int:
    """OWN-04: nightly, customers whose protection ended lapse into the public pool."""
    return housekeeping.protection_expiry_run()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def lapse_warnings_task() -> int:
    """OWN-04: warnings to owners before lapse and the manager's list."""
    return housekeeping.lapse_warnings_send()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def follow_up_reminders_task() -> int:
    """FUP-04: the morning's due and overdue follow-ups."""
    return housekeeping.follow_up_reminders_send()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def channel_reports_expire_task() -> int:
    """CHAN-02: reports past their validity expire."""
    return housekeeping.channel_reports_expire()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def customers_anonymise_task() -> int:
    """SEC-06: anonymise customers with no deal and no activity for the retention period."""
    return housekeeping.customers_anonymise()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def customer_import_task(import_id: int) -> None:
    """CUS-06: check and import one uploaded exhibition list."""
    from customers.services.imports import customer_import_run

    customer_import_run(import_id=import_id)
