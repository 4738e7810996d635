"""Approvals (DISC-01..DISC-03, DEP-03, DEP-05, CON-04): requests to the site manager, decided from the
phone-friendly inbox; the requester is told at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from deals import rules
from deals.exceptions import DealStateConflict
from deals.models import ApprovalRequest, Deal, Deposit, Unit
from deals.services.common import (
    notify_users,
    require_reason,
    roles_of,
    site_managers,
    site_policy,
    table_next,
)
from deals.services.deposits import forfeiture_waive, hold_extend
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.models import Membership, User
from salesoffice.core.roles import Cap, Role
from salesoffice.core.services import notify

Kind = ApprovalRequest.Kind


class Decision:
    APPROVE = "approve"
    CHANGE = "change"
    REFUSE = "refuse"
    ALL = (APPROVE, CHANGE, REFUSE)


def _approvers(site_id: int, required: str) -> list[User]:
    managers = site_managers(site_id)
    if required != rules.DiscountApprover.SUPERVISOR:
        return managers
    supervisor_ids = Membership.objects.filter(
        site_id=site_id, role=Role.SUPERVISOR.value, is_active=True, user__is_active=True
    ).values_list("user_id", flat=True)
    return managers + list(
        User.objects.filter(pk__in=supervisor_ids).exclude(pk__in=[m.pk for m in managers])
    )


def _check_price(value: Decimal | None, list_price: Decimal, field: str) -> Decimal:
    if value is None or not rules.is_two_decimal(value) or value <= 0 or value >= list_price:
        message = _("Enter a price in yuan below the list price %(list)s.") % {"list": list_price}
        raise DomainError(message, code="invalid_price", fields={field: [message]})
    return value


def approval_request(
    *,
    kind: str,
    actor: User,
    unit: Unit,
    customer: Customer,
    reason: str,
    deal: Deal | None = None,
    requested_price: Decimal | None = None,
    target_unit: Unit | None = None,
    requested_until: dt.datetime | None = None,
    settlement: str = "",
) -> ApprovalRequest:
    """DISC-01/02: a request states unit, list price, requested price, reason and customer; the approver
    level comes from the site's ``discount_limit_*`` (a salesperson may grant nothing). Unit changes to a
    cheaper unit (DEP-05), hold extensions and waivers (DEP-03) and cancellations (CON-04) go to the site
    manager. Every approver is notified."""
    reason = require_reason(reason)
    if kind not in Kind.values:
        raise DomainError(_("Unknown request kind."), code="invalid_kind", fields={"kind": [_("Unknown.")]})
    if customer.site_id != unit.site_id or (deal is not None and deal.site_id != unit.site_id):
        raise DomainError(
            _("The customer belongs to another site."),
            code="wrong_site",
            fields={"customer": [_("Not found.")]},
        )
    if not (access.can(actor, unit.site_id, Cap.DEALS_REQUEST) or access.is_manager(actor, unit.site_id)):
        raise NotAllowed(_("Your role may not request this."))
    list_price = deal.list_total if deal is not None else unit.list_total
    required = rules.DiscountApprover.SITE_MANAGER.value
    price: Decimal | None = None
    if kind == Kind.DISCOUNT:
        price = _check_price(requested_price, list_price, "requested_price")
        required = rules.required_discount_approver(
            list_price=list_price, requested_price=price, policy=site_policy(unit.site_id)
        ).value
    elif deal is None:
        raise DomainError(
            _("This request needs a deal."), code="deal_required", fields={"deal": [_("Required.")]}
        )
    if kind == Kind.UNIT_CHANGE and (target_unit is None or target_unit.site_id != unit.site_id):
        raise DomainError(
            _("Choose the new unit."), code="invalid_unit", fields={"target_unit": [_("Required.")]}
        )
    if kind == Kind.HOLD_EXTENSION and requested_until is None:
        raise DomainError(
            _("Give the new hold end."), code="invalid_until", fields={"requested_until": [_("Required.")]}
        )
    if kind == Kind.CANCELLATION and settlement not in ApprovalRequest.Settlement.values:
        raise DomainError(
            _("Choose how the money is settled."),
            code="invalid_settlement",
            fields={"settlement": [_("Required.")]},
        )
    with transaction.atomic():
        request = ApprovalRequest.objects.create(
            site_id=unit.site_id,
            kind=kind,
            deal=deal,
            unit=unit,
            target_unit=target_unit,
            customer=customer,
            list_price=list_price,
            requested_price=price
            if kind == Kind.DISCOUNT
            else (target_unit.list_total if target_unit else None),
            requested_until=requested_until,
            settlement=settlement,
            reason=reason,
            required_approver=required,
            requested_by=actor,
            requested_at=timezone.now(),
        )
        audit_record(
            action=f"approval.request_{kind}", actor=actor, site=unit.site_id, obj=request,
            after={"unit": unit.pk, "list_price": list_price, "requested_price": request.requested_price}, reason=reason,
        )  # fmt: skip
        notify_users(
            _approvers(unit.site_id, required),
            site=unit.site_id,
            kind="deals.approval_requested",
            title=_("%(kind)s request for %(unit)s") % {"kind": request.get_kind_display(), "unit": unit},
            body=reason,
            link=reverse("deals-approvals"),
            dedupe_key=f"deals.approval_requested:{request.pk}",
        )
    return request


def _check_discount_authority(
    *, actor: User, request: ApprovalRequest, price: Decimal, developer_approval: str
) -> None:
    """DISC-01: the approver's role must cover the discount; beyond the manager's limit the manager records
    the developer's approval."""
    if not access.can(actor, request.site_id, Cap.DISCOUNTS_APPROVE_LIMITED):
        raise NotAllowed(_("Your role may not approve discounts."))
    assert request.list_price is not None
    refusal: rules.DiscountBeyondAuthority | None = None
    for role in roles_of(actor, request.site_id):
        try:
            rules.check_discount_approval(
                list_price=request.list_price,
                requested_price=price,
                approver_role=role,
                developer_approval_recorded=bool(developer_approval.strip()),
                policy=site_policy(request.site_id),
            )
            return
        except rules.DiscountBeyondAuthority as error:
            refusal = error
    required = refusal.params["required"] if refusal else rules.DiscountApprover.SITE_MANAGER
    message = (
        _("Beyond the site manager's limit: record the developer's approval.")
        if required == rules.DiscountApprover.DEVELOPER
        else _("This discount needs the %(level)s's approval.") % {"level": str(required).replace("_", " ")}
    )
    raise NotAllowed(message, code="discount_beyond_authority")


def approval_decide(
    *,
    request: ApprovalRequest,
    actor: User,
    decision: str,
    note: str = "",
    approved_price: Decimal | None = None,
    developer_approval: str = "",
) -> ApprovalRequest:
    """DISC-02: approve, change (a different price) or refuse, with a reason for a refusal or a change;
    the requester is notified at once. An approved hold extension or forfeiture waiver takes effect now
    (DEP-03); an approved discount is locked into the subscription when it is created (DISC-03)."""
    if decision not in Decision.ALL:
        raise DomainError(
            _("Unknown decision."), code="invalid_decision", fields={"decision": [_("Unknown.")]}
        )
    if decision != Decision.APPROVE:
        note = require_reason(note, field="note")
    with transaction.atomic():
        locked = (
            ApprovalRequest.objects.select_for_update(of=("self",))
            .select_related("deal", "unit")
            .get(pk=request.pk)
        )
        if locked.status != ApprovalRequest.Status.REQUESTED:
            raise DealStateConflict(_("This request has already been decided."))
        now = timezone.now()
        approve = decision != Decision.REFUSE
        price = locked.requested_price
        if locked.kind == Kind.DISCOUNT:
            if decision == Decision.CHANGE:
                assert locked.list_price is not None
                price = _check_price(approved_price, locked.list_price, "approved_price")
            if approve:
                assert price is not None
                _check_discount_authority(
                    actor=actor, request=locked, price=price, developer_approval=developer_approval
                )
            elif not access.can(actor, locked.site_id, Cap.DISCOUNTS_APPROVE_LIMITED):
                raise NotAllowed(_("Your role may not decide discounts."))
        else:
            if decision == Decision.CHANGE:
                raise DomainError(
                    _("Only a discount can be changed."),
                    code="invalid_decision",
                    fields={"decision": [_("Not allowed.")]},
                )
            table = (
                rules.CANCELLATION_TRANSITIONS
                if locked.kind == Kind.CANCELLATION
                else rules.UNIT_CHANGE_TRANSITIONS
            )
            table_next(
                table=table,
                current=locked.status,
                action=rules.RequestAction.APPROVE if approve else rules.RequestAction.REFUSE,
                roles=roles_of(actor, locked.site_id),
            )
        locked.status = ApprovalRequest.Status.APPROVED if approve else ApprovalRequest.Status.REFUSED
        locked.approved_price = price if approve and locked.kind == Kind.DISCOUNT else None
        locked.decided_by = actor
        locked.decided_at = now
        locked.decision_note = note
        locked.developer_approval = developer_approval.strip()[:200]
        locked.save(
            update_fields=[
                "status",
                "approved_price",
                "decided_by",
                "decided_at",
                "decision_note",
                "developer_approval",
            ]
        )
        if approve:
            _apply(locked, actor)
        audit_record(
            action=f"approval.{decision}", actor=actor, site=locked.site_id, obj=locked,
            before={"status": ApprovalRequest.Status.REQUESTED},
            after={"status": locked.status, "approved_price": locked.approved_price, "developer_approval": locked.developer_approval},
            reason=note,
        )  # fmt: skip
        notify(
            recipient=locked.requested_by,
            site=locked.site_id,
            kind="deals.approval_decided",
            title=_("%(kind)s request: %(status)s")
            % {"kind": locked.get_kind_display(), "status": locked.get_status_display()},
            body=note,
            link=reverse("deals-approval", args=[locked.pk]),
            dedupe_key=f"deals.approval_decided:{locked.pk}",
        )
    return locked


def _apply(request: ApprovalRequest, actor: User) -> None:
    if request.kind not in (Kind.HOLD_EXTENSION, Kind.FORFEITURE_WAIVER):
        return
    assert request.deal_id is not None
    deposit = Deposit.objects.filter(deal_id=request.deal_id, status=Deposit.Status.ACTIVE).first()
    if deposit is None:
        raise DealStateConflict(_("The deal has no active deposit any more."))
    if request.kind == Kind.HOLD_EXTENSION:
        assert request.requested_until is not None
        hold_extend(deposit=deposit, actor=actor, until=request.requested_until, reason=request.reason)
    else:
        forfeiture_waive(deposit=deposit, actor=actor, reason=request.reason)
    request.status = ApprovalRequest.Status.DONE
    request.completed_by = actor
    request.completed_at = timezone.now()
    request.save(update_fields=["status", "completed_by", "completed_at"])
