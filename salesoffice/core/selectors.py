"""Scoped reads of the shared kernel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from salesoffice.core import access
from salesoffice.core.models import AuditEvent, Notification, Site
from salesoffice.core.roles import Cap


def audit_list(
    *,
    user: Any,
    site: Site,
    action: str = "",
    actor_id: int | None = None,
    object_type: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """SEC-03: the site manager browses their own site's trail, newest first."""
    access.require(user, site.pk, Cap.AUDIT_READ)
    events = AuditEvent.objects.filter(site=site).select_related("actor").order_by("-occurred_at", "-id")
    if action:
        events = events.filter(action__startswith=action)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if object_type:
        events = events.filter(object_type=object_type)
    if since:
        events = events.filter(occurred_at__gte=since)
    if until:
        events = events.filter(occurred_at__lt=until)
    return events


def notification_list(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user).order_by("-created_at")
    return notifications.filter(read_at__isnull=True) if unread_only else notifications
