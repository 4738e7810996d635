"""The customer's follow-up file beyond the follow-up record itself: lost customers (FUP-05) and
personality types (FUP-07). Follow-ups are recorded by ``follow_up_record`` (FUP-03)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from customers.exceptions import InvalidRegistration
from customers.models import Customer
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import NotAllowed
from salesoffice.core.roles import Cap

_OPEN = (Customer.Status.NEW, Customer.Status.FOLLOWING)


def _require_owner_or_manager(customer: Customer, actor: Any) -> None:
    access.require_site(actor, customer.site_id)
    if customer.owner_id != actor.pk and not access.can(actor, customer.site_id, Cap.CUSTOMERS_READ_ALL):
        raise NotAllowed(_("Only the owner or a manager changes this customer."))


@transaction.atomic
def customer_mark_lost(*, customer: Customer, actor: Any, reason: str, note: str = "") -> Customer:
    """FUP-05: a customer who does not buy is recorded as lost with a reason from the list (and text for
    "other"); the manager's 未成交原因 summary counts them."""
    _require_owner_or_manager(customer, actor)
    if reason not in Customer.LostReason.values:
        raise InvalidRegistration(
            _("Please correct the marked fields."), fields={"reason": [_("Choose a reason from the list.")]}
        )
    if reason == Customer.LostReason.OTHER and not note.strip():
        raise InvalidRegistration(
            _("Please correct the marked fields."), fields={"note": [_("Say what the other reason is.")]}
        )
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.status not in _OPEN:
        raise InvalidRegistration(
            _("Only a customer still being followed up can be marked lost."), fields={"reason": []}
        )
    before = locked.status
    locked.status = Customer.Status.LOST
    locked.lost_reason = reason
    locked.lost_note = note.strip()[:2000]
    locked.save(update_fields=["status", "lost_reason", "lost_note"])
    audit_record(
        action="customer.lost", actor=actor, site=locked.site_id, obj=locked,
        before={"status": before}, after={"status": locked.status, "reason": reason},
    )  # fmt: skip
    return locked


@transaction.atomic
def customer_personality_set(*, customer: Customer, actor: Any, personality_type: str) -> Customer:
    """FUP-07: the optional personality type (one of twelve); empty clears it."""
    _require_owner_or_manager(customer, actor)
    if personality_type and personality_type not in Customer.PersonalityType.values:
        raise InvalidRegistration(
            _("Please correct the marked fields."),
            fields={"personality_type": [_("Choose a type from the list.")]},
        )
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    before = locked.personality_type
    locked.personality_type = personality_type
    locked.save(update_fields=["personality_type"])
    audit_record(
        action="customer.personality", actor=actor, site=locked.site_id, obj=locked,
        before={"personality_type": before}, after={"personality_type": personality_type},
    )  # fmt: skip
    return locked
