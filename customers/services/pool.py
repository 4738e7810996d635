"""The public pool (公共客户) and its distribution (OWN-03, OWN-04, OWN-09, OWN-12).

Every assignment is an ownership decision of kind ``pool_distribution`` (or ``departure`` for a
leaver's customers, OWN-09) that later verdicts respect; the rotation pointer is a gap-free counter
per site, so two managers distributing at once never give two customers the same turn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.exceptions import PoolClaimRefused
from customers.models import Customer, OwnershipDecision
from customers.office_selectors import active_salespeople, site_today
from customers.services.verdicts import decision_record, ownership_refresh, site_zone
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.counters import counter_next
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.models import Membership, Site
from salesoffice.core.roles import Cap, Role
from salesoffice.core.services import policy_current

SELF_CLAIM_REASON = "self-claim from the public pool"


class NobodyToAssign(DomainError):
    code = "nobody_to_assign"


def _next_in_rotation(site: Site, people: list[Any]) -> Any:
    if not people:
        raise NobodyToAssign(_("The site has no active salesperson to assign to."))
    return people[(counter_next(scope=f"pool-rotation:{site.pk}") - 1) % len(people)]


def _locked_pool_customers(site: Site, customer_ids: Iterable[int]) -> list[Customer]:
    return list(
        Customer.objects.select_for_update(of=("self",))
        .filter(site=site, pk__in=list(customer_ids), owner__isnull=True, merged_into__isnull=True)
        .order_by("pk")
    )


@transaction.atomic
def pool_distribute(
    *, site: Site, actor: Any, customer_ids: Iterable[int], reason: str, salesperson_id: int | None = None
) -> dict[int, int]:
    """OWN-04, OWN-12, OWN-03: the site manager hands pool customers out, in rotation among the site's
    active salespeople or all to one chosen salesperson. Customers someone took meanwhile are skipped.
    Returns customer id → new owner id."""
    access.require(actor, site.pk, Cap.DISPUTES_DECIDE)
    people = active_salespeople(site=site)
    chosen = None
    if salesperson_id is not None:
        chosen = next((person for person in people if person.pk == salesperson_id), None)
        if chosen is None:
            raise NobodyToAssign(_("Choose an active salesperson of this site."))
    assigned: dict[int, int] = {}
    for customer in _locked_pool_customers(site, customer_ids):
        owner = chosen or _next_in_rotation(site, people)
        decision_record(
            customer=customer, actor=actor, kind="pool_distribution", owner_id=owner.pk,
            reason=reason or _("Distributed from the public pool"),
        )  # fmt: skip
        assigned[customer.pk] = owner.pk
    return assigned


@transaction.atomic
def pool_claim(*, customer: Customer, actor: Any) -> OwnershipDecision:
    """OWN-04 option ``pool_self_claim``: a salesperson takes a pool customer, at most
    ``pool_daily_claim_quota`` a day; each claim is a recorded decision and audited."""
    site = Site.objects.get(pk=customer.site_id)
    access.require(actor, site.pk, Cap.CUSTOMERS_OWN)
    policy, _version = policy_current(site=site)
    if not policy.pool_self_claim:
        raise NotAllowed(_("This site does not let salespeople claim pool customers."))
    # One salesperson's claims queue on their membership row, so the quota holds under concurrency.
    Membership.objects.select_for_update().filter(
        user=actor, site=site, role=Role.SALESPERSON.value, is_active=True
    ).first()
    today = site_today(site)
    start = dt.datetime.combine(today, dt.time.min, tzinfo=site_zone(site))
    claimed = OwnershipDecision.objects.filter(
        site=site, kind="pool_distribution", decided_by=actor, owner=actor, decided_at__gte=start
    ).count()
    if claimed >= policy.pool_daily_claim_quota:
        raise PoolClaimRefused(
            _("You have claimed %(count)s pool customers today, the daily quota.") % {"count": claimed}
        )
    locked = _locked_pool_customers(site, [customer.pk])
    if not locked:
        raise PoolClaimRefused(_("This customer is no longer in the public pool."))
    decision = OwnershipDecision.objects.create(
        site=site, customer=locked[0], kind="pool_distribution", owner=actor, reason=SELF_CLAIM_REASON,
        decided_by=actor, decided_at=timezone.now(),
    )  # fmt: skip
    audit_record(
        action="pool.claim", actor=actor, site=site, obj=decision,
        after={"customer": customer.pk, "owner": actor.pk, "claims_today": claimed + 1},
    )  # fmt: skip
    ownership_refresh(customer=locked[0], cause="pool_claim")
    return decision


@transaction.atomic
def departure_handover(*, site: Site, actor: Any, leaver_id: int, reason: str) -> dict[int, int]:
    """OWN-09: a leaver's not-closed customers are handed to the manager as a list and redistributed in
    rotation among the remaining salespeople, each by a ``departure`` decision. Nobody takes them
    without the manager. Returns customer id → new owner id."""
    access.require(actor, site.pk, Cap.DISPUTES_DECIDE)
    people = active_salespeople(site=site, exclude=leaver_id)
    rows = list(
        Customer.objects.select_for_update(of=("self",))
        .filter(site=site, owner_id=leaver_id, merged_into__isnull=True)
        .select_related("verdict")
        .order_by("pk")
    )
    assigned: dict[int, int] = {}
    for customer in rows:
        if customer.verdict is not None and customer.verdict.closed:
            continue
        owner = _next_in_rotation(site, people)
        decision_record(
            customer=customer, actor=actor, kind="departure", owner_id=owner.pk,
            reason=reason or _("Handed over: the salesperson left"),
        )  # fmt: skip
        assigned[customer.pk] = owner.pk
    audit_record(
        action="pool.departure", actor=actor, site=site, object_type="core.user", object_id=leaver_id,
        after={"handed_over": assigned}, reason=reason,
    )  # fmt: skip
    return assigned
