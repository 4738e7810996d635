"""Ownership disputes (DISP-01/02)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import ownership
from customers.exceptions import (
    DisputeWindowClosed,
    InvalidRegistration,
)
from customers.models import (
    Customer,
    Dispute,
)
from customers.services.verdicts import decision_record, site_zone
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.models import Site
from salesoffice.core.roles import Cap
from salesoffice.core.services import notify, policy_current


@transaction.atomic
def dispute_open(*, customer: Customer, actor: Any, claim: str) -> Dispute:
    """DISP-01: any salesperson may object until the window after the customer's deposit closes."""
    access.require(actor, customer.site_id, Cap.DISPUTES_OPEN)
    site = Site.objects.get(pk=customer.site_id)
    policy, _version = policy_current(site=site)
    first_deposit = customer.deposit_records.filter(cancelled_at__isnull=True).order_by("at").first()
    now = timezone.now()
    if not ownership.dispute_allowed(
        deposit_at=first_deposit.at if first_deposit else None,
        objected_at=now,
        policy=policy,
        tz=site_zone(site),
    ):
        assert first_deposit is not None
        closed_on = ownership.dispute_window_closes(first_deposit.at, policy, site_zone(site))
        raise DisputeWindowClosed(
            _("Objections to this customer's ownership closed at the end of %(day)s.")
            % {"day": closed_on.isoformat()}
        )
    if not claim.strip():
        raise InvalidRegistration(
            _("Please correct the marked fields."), fields={"claim": [_("This field is required.")]}
        )
    dispute = Dispute.objects.create(site=site, customer=customer, opened_by=actor, claim=claim)
    audit_record(action="dispute.open", actor=actor, site=site, obj=dispute, reason=claim)
    for manager in _managers_of(site):
        notify(
            recipient=manager,
            site=site,
            kind="dispute",
            title=_("New ownership dispute"),
            body=f"{customer.name}: {claim}",
            link=f"/customers/disputes/{dispute.pk}/",
            dedupe_key=f"dispute-open:{dispute.pk}:{manager.pk}",
        )
    return dispute


@transaction.atomic
def dispute_decide(
    *,
    dispute: Dispute,
    actor: Any,
    owner_id: int | None,
    performance: dict[str, Any] | None,
    commission: dict[str, Any] | None,
    reason: str,
) -> Dispute:
    """DISP-02: the site manager decides owner and shares with a written reason; final."""
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != Dispute.Status.OPEN:
        raise InvalidRegistration(_("This dispute has already been decided."), code="dispute_decided")
    decision = decision_record(
        customer=dispute.customer, actor=actor, kind="dispute", reason=reason, owner_id=owner_id,
        performance=performance, commission=commission,
    )  # fmt: skip
    dispute.status = Dispute.Status.DECIDED
    dispute.decision = decision
    dispute.save(update_fields=["status", "decision"])
    parties = {dispute.opened_by_id, dispute.customer.owner_id, owner_id} - {None}
    for user in get_user_model().objects.filter(pk__in=parties):
        notify(
            recipient=user,
            site=dispute.site_id,
            kind="dispute",
            title=_("Ownership dispute decided"),
            body=reason,
            link=f"/customers/{dispute.customer_id}/",
            dedupe_key=f"dispute-decided:{dispute.pk}:{user.pk}",
        )
    return dispute


def _managers_of(site: Site) -> list[Any]:
    return list(
        get_user_model()
        .objects.filter(
            memberships__site=site,
            memberships__role__in=["site_manager", "deputy_manager"],
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
    )
