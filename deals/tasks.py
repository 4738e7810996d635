"""Celery jobs of the deals app: thin, by id, safe to run twice (STYLE 8)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def inventory_import_task(import_id: int) -> None:
    """UNIT-01: check and import one uploaded unit list."""
    from deals.services import inventory_import_run

    inventory_import_run(import_id=import_id)
