"""Scheduled delivery of reports (RPT-09): thin Celery tasks, safe to run twice or late (notify dedupe keys)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from salesoffice.reports import services


@shared_task(
    acks_late=True, time_limit=600, soft_time_limit=540, autoretry_for=(ConnectionError,), max_retries=3
)
def daily_reports_deliver_task() -> int:
    """RPT-01: each site's daily report once its cut-off has passed (the beat runs this every 15 minutes)."""
    return services.daily_reports_deliver(now=timezone.now())


@shared_task(
    acks_late=True, time_limit=600, soft_time_limit=540, autoretry_for=(ConnectionError,), max_retries=3
)
def weekly_reports_deliver_task() -> int:
    """RPT-02: the previous week's report on Monday morning."""
    return services.weekly_reports_deliver(now=timezone.now())
