"""Subscription, signing, filing and cancellation (CON-01..CON-04, DISC-03, DEP-06)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.services import customer_stage_set
from deals import rules
from deals.exceptions import ApprovalRequired, DealStateConflict
from deals.models import (
    ApprovalRequest,
    Contract,
    Deal,
    Deposit,
    Instalment,
    MoneyRecord,
    Subscription,
    Unit,
)
from deals.services.approvals import approval_request
from deals.services.commission import commission_create, commission_reverse, performance_reverse
from deals.services.common import (
    amount_error,
    customer_deal_ended,
    money_add,
    next_number,
    roles_of,
    rule_records,
    site_zone,
    table_next,
)
from deals.services.deposits import deposit_penalty_record
from deals.services.inventory import unit_transition
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.models import User
from salesoffice.core.roles import Cap

ID_TYPES = ("resident_id", "passport", "hk_macau_permit", "taiwan_permit", "other")
PAYMENT_METHODS = ("full_payment", "mortgage", "instalments")
_RESIDENT_ID = re.compile(r"^\d{17}[\dXx]$")

# CON-02: the checks ticked before signing (who and when), and the one an agent adds.
CHECKLIST = ("id_verified", "qualification_confirmed", "terms_explained")
AGENT_CHECK = "power_of_attorney_verified"


def _buyers_clean(buyers: list[dict[str, Any]]) -> list[dict[str, str]]:
    """CON-01, SEC-07: one to four buyers, each with a name and an ID document (SEC-06: collected only
    here, at subscription)."""
    if not isinstance(buyers, list) or not 1 <= len(buyers) <= 4:
        raise DomainError(
            _("Name one to four buyers."),
            code="invalid_buyers",
            fields={"buyers": [_("One to four buyers.")]},
        )
    cleaned = []
    for index, buyer in enumerate(buyers):
        name = str(buyer.get("name", "")).strip()
        id_type = str(buyer.get("id_type", "")).strip()
        id_number = str(buyer.get("id_number", "")).strip().upper()
        errors = []
        if not name or len(name) > 50:
            errors.append(_("A name of at most 50 characters."))
        if id_type not in ID_TYPES:
            errors.append(_("Choose the ID document type."))
        if (
            not id_number
            or len(id_number) > 40
            or (id_type == "resident_id" and not _RESIDENT_ID.match(id_number))
        ):
            errors.append(_("Enter a valid ID number."))
        if errors:
            raise DomainError(errors[0], code="invalid_buyers", fields={f"buyers[{index}]": errors})
        cleaned.append({"name": name, "id_type": id_type, "id_number": id_number})
    return cleaned


def subscription_create(
    *,
    deposit: Deposit,
    actor: User,
    buyers: list[dict[str, Any]],
    payment_method: str,
    discount_approval: ApprovalRequest | None = None,
    documents_to_bring: str = "",
    by_agent: bool = False,
) -> Subscription:
    """CON-01: the large deposit creates the subscription: buyers with ID, unit, price, payment method,
    deposit and the signing deadline (the hold end). A price below the list price comes only from an
    approved discount request for this unit and customer, which is then used up (DISC-02/DISC-03)."""
    if payment_method not in PAYMENT_METHODS:
        raise DomainError(
            _("Choose the payment method."), code="invalid_method", fields={"payment_method": [_("Unknown.")]}
        )
    cleaned = _buyers_clean(buyers)
    with transaction.atomic():
        locked = (
            Deposit.objects.select_for_update(of=("self",)).select_related("deal", "unit").get(pk=deposit.pk)
        )
        if locked.status != Deposit.Status.ACTIVE or locked.kind != Deposit.Kind.LARGE:
            raise DealStateConflict(_("A subscription needs an active large deposit."))
        deal = locked.deal
        if Subscription.objects.filter(deal=deal, status=Subscription.Status.ACTIVE).exists():
            raise DealStateConflict(_("This deal already has a subscription."))
        price = deal.list_total
        approval = None
        if discount_approval is not None:
            approval = ApprovalRequest.objects.select_for_update().get(pk=discount_approval.pk)
            if (
                approval.kind != ApprovalRequest.Kind.DISCOUNT
                or approval.status != ApprovalRequest.Status.APPROVED
                or approval.unit_id != deal.unit_id
                or approval.customer_id != deal.customer_id
                or approval.list_price != deal.list_total
                or approval.approved_price is None
            ):
                raise ApprovalRequired(_("A discount can only be applied through an approved request."))
            price = approval.approved_price
            approval.status = ApprovalRequest.Status.DONE
            approval.deal = deal
            approval.completed_by = actor
            approval.completed_at = timezone.now()
            approval.save(update_fields=["status", "deal", "completed_by", "completed_at"])
        subscription = Subscription.objects.create(
            site_id=deal.site_id,
            deal=deal,
            deposit=locked,
            unit=locked.unit,
            number=next_number(site_id=deal.site_id, kind="subscription", prefix="RG"),
            buyers=cleaned,
            list_total=deal.list_total,
            price=price,
            discount_approval=approval,
            payment_method=payment_method,
            signing_deadline=locked.hold_until,
            documents_to_bring=documents_to_bring[:500],
            by_agent=by_agent,
            created_by=actor,
            created_at=timezone.now(),
        )
        audit_record(
            action="subscription.create", actor=actor, site=deal.site_id, obj=subscription,
            after={"number": subscription.number, "price": price, "discount_approval": approval.pk if approval else None},
        )  # fmt: skip
        customer_stage_set(customer=deal.customer, stage="subscribed", actor=actor)
    return subscription


def subscription_check(*, subscription: Subscription, item: str, actor: User) -> Subscription:
    """CON-02: the salesperson ticks one check before signing; who and when are kept."""
    allowed = (*CHECKLIST, AGENT_CHECK) if subscription.by_agent else CHECKLIST
    if item not in allowed:
        raise DomainError(_("Unknown check."), code="invalid_check", fields={"item": [_("Unknown.")]})
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.status != Subscription.Status.ACTIVE:
            raise DealStateConflict(_("This subscription is closed."))
        checklist = dict(locked.checklist)
        checklist[item] = {
            "by": actor.pk,
            "by_name": actor.get_full_name() or actor.username,
            "at": timezone.now().isoformat(),
        }
        locked.checklist = checklist
        locked.save(update_fields=["checklist"])
        audit_record(
            action="subscription.check", actor=actor, site=locked.site_id, obj=locked, after={"item": item}
        )
    return locked


def _schedule(
    instalments: list[tuple[dt.date, Decimal]] | None, *, price: Decimal, today: dt.date
) -> list[rules.Instalment]:
    schedule = [
        rules.Instalment(due_on=due_on, amount=amount) for due_on, amount in instalments or [(today, price)]
    ]
    try:
        rules.payment_position(price=price, schedule=schedule, records=[], today=today)
    except rules.DealRuleError as error:
        raise amount_error(error, field="instalments") from error
    return schedule


def contract_sign(
    *,
    subscription: Subscription,
    actor: User,
    instalments: list[tuple[dt.date, Decimal]] | None = None,
    power_of_attorney_ref: str = "",
) -> Contract:
    """CON-02 (签约): every check ticked (and a notarised power of attorney for an agent), the contract
    number recorded, the deposit converted into payment, the subscription closed, the unit contracted, the
    payment schedule (PAY-02) kept, and the commission recorded as pending (COMM-02)."""
    now = timezone.now()
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("deal", "deposit")
            .get(pk=subscription.pk)
        )
        deposit = Deposit.objects.select_for_update().get(pk=sub.deposit_id)
        deal = Deal.objects.select_for_update().get(pk=sub.deal_id)
        required = (*CHECKLIST, AGENT_CHECK) if sub.by_agent else CHECKLIST
        missing = [item for item in required if item not in sub.checklist]
        if missing:
            raise DomainError(
                _("Tick every check before signing."),
                code="checklist_incomplete",
                fields={"checklist": missing},
            )
        if sub.by_agent and not power_of_attorney_ref.strip():
            raise DomainError(
                _("Record the notarised power of attorney."), code="power_of_attorney_required",
                fields={"power_of_attorney_ref": [_("Required.")]},
            )  # fmt: skip
        roles = roles_of(actor, sub.site_id)
        sub_target = table_next(
            table=rules.SUBSCRIPTION_TRANSITIONS,
            current=sub.status,
            action=rules.SubscriptionAction.SIGN,
            roles=roles,
        )
        deposit_target = table_next(
            table=rules.DEPOSIT_TRANSITIONS[rules.DepositKind(deposit.kind)],
            current=deposit.status,
            action=rules.DepositAction.CONVERT,
            roles=roles,
        )
        today = timezone.localtime(now, site_zone(sub.site_id)).date()
        schedule = _schedule(instalments, price=sub.price, today=today)
        unit_transition(
            unit=sub.unit, action=rules.UnitAction.SIGN, actor=actor, reason=f"subscription {sub.number}"
        )
        contract = Contract.objects.create(
            site_id=sub.site_id,
            deal=deal,
            subscription=sub,
            unit_id=sub.unit_id,
            number=next_number(site_id=sub.site_id, kind="contract", prefix="HT"),
            price=sub.price,
            payment_method=sub.payment_method,
            checklist=sub.checklist,
            by_agent=sub.by_agent,
            power_of_attorney_ref=power_of_attorney_ref.strip()[:100],
            signed_by=actor,
            signed_at=now,
        )
        Instalment.objects.bulk_create(
            Instalment(site_id=sub.site_id, deal=deal, due_on=item.due_on, amount=item.amount)
            for item in schedule
        )
        sub.status = sub_target
        sub.save(update_fields=["status"])
        deposit.status = deposit_target
        deposit.ended_at = now
        deposit.save(update_fields=["status", "ended_at"])
        deal.status = Deal.Status.CONTRACTED
        deal.save(update_fields=["status"])
        commission_create(contract=contract, at=now)
        audit_record(
            action="contract.sign", actor=actor, site=sub.site_id, obj=contract,
            after={"number": contract.number, "price": contract.price, "checklist": sub.checklist},
        )  # fmt: skip
        customer_stage_set(customer=deal.customer, stage="contracted", actor=actor)
    return contract


def contract_approve(*, contract: Contract, actor: User) -> Contract:
    """CON-03: the site manager approves the signed contract internally before filing."""
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        locked.status = table_next(
            table=rules.CONTRACT_TRANSITIONS, current=locked.status, action=rules.ContractAction.APPROVE,
            roles=roles_of(actor, locked.site_id),
        )  # fmt: skip
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(action="contract.approve", actor=actor, site=locked.site_id, obj=locked)
    return locked


def contract_file(*, contract: Contract, actor: User, filing_number: str, filed_on: dt.date) -> Contract:
    """CON-03 (备案): record the housing authority's filing number and date of an approved contract."""
    number = (filing_number or "").strip()
    if not number or len(number) > 50:
        raise DomainError(
            _("Enter the filing number."), code="invalid_filing", fields={"filing_number": [_("Required.")]}
        )
    if filed_on > timezone.localdate():
        raise DomainError(
            _("The filing date cannot be in the future."),
            code="invalid_date",
            fields={"filed_on": [_("In the future.")]},
        )
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        locked.status = table_next(
            table=rules.CONTRACT_TRANSITIONS, current=locked.status, action=rules.ContractAction.FILE,
            roles=roles_of(actor, locked.site_id),
        )  # fmt: skip
        locked.filing_number = number
        locked.filed_on = filed_on
        locked.save(update_fields=["status", "filing_number", "filed_on"])
        audit_record(
            action="contract.file",
            actor=actor,
            site=locked.site_id,
            obj=locked,
            after={"filing_number": number, "filed_on": filed_on},
        )
    return locked


def cancellation_request(*, deal: Deal, actor: User, reason: str, settlement: str) -> ApprovalRequest:
    """CON-04 (退户): a cancellation request states the reason and how the money is to be settled."""
    if deal.status not in Deal.ACTIVE:
        raise DealStateConflict(_("This deal has already ended."))
    if ApprovalRequest.objects.filter(
        deal=deal, kind=ApprovalRequest.Kind.CANCELLATION, status__in=["requested", "approved"]
    ).exists():
        raise DealStateConflict(_("A cancellation is already under way."))
    return approval_request(
        kind=ApprovalRequest.Kind.CANCELLATION, actor=actor, unit=deal.unit, customer=deal.customer, deal=deal,
        reason=reason, settlement=settlement,
    )  # fmt: skip


def cancellation_complete(*, request: ApprovalRequest, actor: User, buyer_confirmed: bool) -> Deal:
    """CON-04, DEP-06: settle an approved cancellation once the buyer has confirmed the settlement and the
    developer's side (finance or the site manager) records it: the money records (refund, forfeiture or
    double return), the unit back to available, subscription and contract cancelled, performance and
    commission reversed by negative rows."""
    if not buyer_confirmed:
        raise DomainError(
            _("The buyer must confirm the settlement."), code="buyer_confirmation_required",
            fields={"buyer_confirmed": [_("Required.")]},
        )  # fmt: skip
    if not (
        access.can(actor, request.site_id, Cap.PAYMENTS_RECORD) or access.is_manager(actor, request.site_id)
    ):
        raise NotAllowed(_("Finance or the site manager settles a cancellation."))
    now = timezone.now()
    with transaction.atomic():
        locked = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if locked.kind != ApprovalRequest.Kind.CANCELLATION:
            raise DealStateConflict(_("This is not a cancellation."))
        target = table_next(
            table=rules.CANCELLATION_TRANSITIONS, current=locked.status, action=rules.RequestAction.COMPLETE,
            roles=roles_of(actor, locked.site_id),
        )  # fmt: skip
        assert locked.deal_id is not None
        deal = Deal.objects.select_for_update(of=("self",)).select_related("customer").get(pk=locked.deal_id)
        if deal.status not in Deal.ACTIVE:
            raise DealStateConflict(_("This deal has already ended."))
        Unit.objects.select_for_update().get(pk=deal.unit_id)
        deposit = Deposit.objects.select_for_update().filter(deal=deal, status=Deposit.Status.ACTIVE).first()
        paid = rules.balance(records=rule_records(deal), kinds=rules.PRICE_KINDS)
        refund = paid
        if deposit is not None and locked.settlement != ApprovalRequest.Settlement.REFUND:
            breach = (
                rules.BreachingParty.BUYER
                if locked.settlement == ApprovalRequest.Settlement.BUYER_BREACH
                else rules.BreachingParty.DEVELOPER
            )
            deposit_penalty_record(deposit=deposit, breaching_party=breach, approval=locked, at=now)
            # Forfeited, or paid back twice by the double return: the rest of what was paid is refunded.
            refund = paid - deposit.amount
        elif deposit is not None:
            deposit.status = table_next(
                table=rules.DEPOSIT_TRANSITIONS[rules.DepositKind(deposit.kind)], current=deposit.status,
                action=rules.DepositAction.REFUND, roles=roles_of(locked.decided_by, deal.site_id),
            )  # fmt: skip
            deposit.ended_at = now
            deposit.save(update_fields=["status", "ended_at"])
        if refund > 0:
            money_add(
                deal=deal, kind=rules.MoneyKind.REFUND, amount=-refund, payer=deal.customer.name,
                method=MoneyRecord.Method.TRANSFER, finance_user=actor if access.can(actor, deal.site_id, Cap.PAYMENTS_RECORD) else None,
                at=now, note=f"cancellation request #{locked.pk}",
            )  # fmt: skip
        Subscription.objects.filter(deal=deal, status=Subscription.Status.ACTIVE).update(
            status=Subscription.Status.CANCELLED
        )
        for contract in (
            Contract.objects.select_for_update().filter(deal=deal).exclude(status=Contract.Status.CANCELLED)
        ):
            contract.status = table_next(
                table=rules.CONTRACT_TRANSITIONS, current=contract.status, action=rules.ContractAction.CANCEL,
                roles=roles_of(locked.decided_by, deal.site_id),
            )  # fmt: skip
            contract.save(update_fields=["status"])
        unit_transition(
            unit=deal.unit, action=rules.UnitAction.CANCEL, actor=locked.decided_by,
            reason=f"cancellation #{locked.pk}: {locked.reason}",
        )  # fmt: skip
        deal.status = Deal.Status.CANCELLED
        deal.ended_at = now
        deal.save(update_fields=["status", "ended_at"])
        customer_deal_ended(deal=deal, at=now)
        performance_reverse(deal=deal, at=now)
        commission_reverse(deal=deal, at=now)
        locked.status = target
        locked.buyer_confirmed_at = now
        locked.completed_by = actor
        locked.completed_at = now
        locked.save(update_fields=["status", "buyer_confirmed_at", "completed_by", "completed_at"])
        audit_record(
            action="deal.cancel", actor=actor, site=deal.site_id, obj=deal,
            after={"request": locked.pk, "settlement": locked.settlement, "refund": refund}, reason=locked.reason,
        )  # fmt: skip
    return deal


def deal_dispute_note(*, deal: Deal, actor: User, note: str) -> Deal:
    """CON-04: a dispute taken to arbitration or court is noted on the deal (site manager)."""
    if not access.is_manager(actor, deal.site_id):
        raise NotAllowed(_("Only the site manager notes a dispute."))
    with transaction.atomic():
        locked = Deal.objects.select_for_update().get(pk=deal.pk)
        before = locked.dispute_note
        locked.dispute_note = note[:2000]
        locked.save(update_fields=["dispute_note"])
        audit_record(
            action="deal.dispute_note",
            actor=actor,
            site=locked.site_id,
            obj=locked,
            before={"note": before},
            after={"note": locked.dispute_note},
        )
    return locked
