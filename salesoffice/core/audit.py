"""Writing the audit trail (SEC-03). Every service that changes state calls ``audit_record``
inside its transaction, so the event commits or rolls back with the change it describes."""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models

from salesoffice.core.models import AuditEvent, Site

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
client_ip_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def jsonable(value: Any) -> Any:
    """Dates, decimals and model instances as JSON-friendly values for before/after snapshots."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def audit_record(
    *,
    action: str,
    actor: Any = None,
    site: Site | int | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit event; the request id and client address come from the current request."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        site_id=site.pk if isinstance(site, Site) else site,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=jsonable(before),
        after=jsonable(after),
        reason=reason,
        request_id=request_id_var.get(),
        ip_address=client_ip_var.get(),
    )


def audit_record_many(
    *,
    action: str,
    entries: Sequence[tuple[models.Model | int | str, dict[str, Any] | None, dict[str, Any] | None]],
    actor: Any = None,
    site: Site | int | None = None,
    reason: str = "",
    object_type: str = "",
) -> list[AuditEvent]:
    """Append one audit event per (object, before, after) of one site in a single statement, for jobs
    that change many rows at once. An entry names its object by instance, or by id when
    ``object_type`` is given (a job that read only ids need not load the rows)."""
    return audit_record_each(
        action=action,
        entries=[(obj, site, before, after, reason) for obj, before, after in entries],
        actor=actor,
        object_type=object_type,
    )


def audit_record_each(
    *,
    action: str,
    entries: Iterable[
        tuple[models.Model | int | str, Site | int | None, dict[str, Any] | None, dict[str, Any] | None, str]
    ],
    actor: Any = None,
    object_type: str = "",
) -> list[AuditEvent]:
    """One audit event per (object, site, before, after, reason), each as ``audit_record`` writes it,
    all in one insert: a sweep over many sites pays one statement, not one per site (P7)."""
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    request_id, ip_address = request_id_var.get(), client_ip_var.get()
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            site_id=site.pk if isinstance(site, Site) else site,
            action=action,
            object_type=obj._meta.label_lower if isinstance(obj, models.Model) else object_type,
            object_id=str(obj.pk if isinstance(obj, models.Model) else obj),
            before=jsonable(before),
            after=jsonable(after),
            reason=reason,
            request_id=request_id,
            ip_address=ip_address,
        )
        for obj, site, before, after, reason in entries
    )
