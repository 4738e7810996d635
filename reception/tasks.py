"""Jobs of the reception rota: thin, idempotent, safe to run twice or late (quality.md R4).

``reception_open_alerts`` is meant for the beat schedule every few minutes; each alert carries a
dedupe key per reception and manager, so a repeated or overlapping run sends nothing new."""

from __future__ import annotations

from celery import shared_task

from reception.models import Reception
from reception.services import reception_open_alerts_send
from salesoffice.core.models import Site


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100, max_retries=3, default_retry_delay=60)
def reception_open_alerts() -> int:
    """ROTA-05: flag open receptions older than the policy's limit to the site managers."""
    site_ids = (
        Reception.objects.filter(ended_at__isnull=True, started_at__isnull=False)
        .values_list("day__site_id", flat=True)
        .distinct()
    )
    sent = 0
    for site in Site.objects.filter(pk__in=list(site_ids), is_active=True):
        sent += reception_open_alerts_send(site=site)
    return sent
