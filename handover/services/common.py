"""Helpers shared by the handover services: the site's clock, policy and service targets, role checks
against the transition tables, and the translation of rule refusals into domain errors."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from deals.services.common import roles_of, table_next
from handover import rules
from handover.models import ServiceTarget
from salesoffice.core import access
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.models import Membership, Site, User
from salesoffice.core.roles import MANAGER_ROLES, Cap, Role

# SVC-02 / SVC-05: the targets a site gets until it sets its own (``ServiceTarget`` rows). For complaints the
# response is the acknowledgement and the completion is the written reply.
DEFAULT_TARGETS: Mapping[str, rules.SlaTarget] = {
    ServiceTarget.Kind.URGENT: rules.SlaTarget(response=dt.timedelta(minutes=30), completion=dt.timedelta(hours=4)),
    ServiceTarget.Kind.HIGH: rules.SlaTarget(response=dt.timedelta(hours=2), completion=dt.timedelta(hours=24)),
    ServiceTarget.Kind.NORMAL: rules.SlaTarget(response=dt.timedelta(hours=24), completion=dt.timedelta(hours=72)),
    ServiceTarget.Kind.LOW: rules.SlaTarget(response=dt.timedelta(hours=48), completion=dt.timedelta(days=7)),
    ServiceTarget.Kind.COMPLAINT: rules.SlaTarget(response=dt.timedelta(hours=2), completion=dt.timedelta(hours=48)),
}  # fmt: skip

__all__ = ["roles_of", "table_next"]


def site_zone(site_id: int) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(Site.objects.only("time_zone").get(pk=site_id).time_zone)


def local_date(moment: dt.datetime, site_id: int) -> dt.date:
    return timezone.localtime(moment, site_zone(site_id)).date()


def service_targets(site_id: int) -> dict[str, rules.SlaTarget]:
    """SVC-02: the site's targets per priority, defaults filled in."""
    targets = dict(DEFAULT_TARGETS)
    for row in ServiceTarget.objects.filter(site_id=site_id):
        targets[row.kind] = rules.SlaTarget(
            response=dt.timedelta(minutes=row.response_minutes),
            completion=dt.timedelta(minutes=row.completion_minutes),
        )
    return targets


def require_cap(actor: User, site_id: int, cap: Cap) -> None:
    """SEC-01 inside a service: a missing capability is a 403 (visibility was checked by the selector)."""
    if not access.can(actor, site_id, cap):
        raise NotAllowed(_("Your role may not do this."))


def require_text(value: str, field: str, *, max_length: int, required: bool = True) -> str:
    """SEC-07: trimmed text within its length, or a 400 naming the field."""
    text = (value or "").strip()
    if required and not text:
        raise DomainError(_("This field is required."), code="required", fields={field: [_("Required.")]})
    if len(text) > max_length:
        message = _("At most %(count)s characters.") % {"count": max_length}
        raise DomainError(message, code="too_long", fields={field: [message]})
    return text


def require_choice(value: str, field: str, choices: Any) -> str:
    if value not in {str(choice) for choice in choices}:
        raise DomainError(_("Choose a valid option."), code="invalid_choice", fields={field: [_("Unknown.")]})
    return value


def service_staff(site_id: int) -> list[User]:
    """Customer service and the managers of a site: those told of escalations."""
    roles = [Role.SERVICE.value, *(role.value for role in MANAGER_ROLES)]
    user_ids = Membership.objects.filter(
        site_id=site_id, role__in=roles, is_active=True, user__is_active=True
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=user_ids).order_by("pk"))


def managers(site_id: int) -> list[User]:
    user_ids = Membership.objects.filter(
        site_id=site_id, role__in=[role.value for role in MANAGER_ROLES], is_active=True, user__is_active=True
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=user_ids).order_by("pk"))
