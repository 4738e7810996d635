"""Deposits and holds (DEP-01..DEP-06, UNIT-03): taking a small or large deposit, the top-up, the unit change,
the manager's extension and waiver, the expiry job and the deposit penalties."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.services import customer_stage_set, deposit_record
from deals import rules
from deals.exceptions import ApprovalRequired, DealStateConflict, UnitUnavailable
from deals.models import ApprovalRequest, Deal, Deposit, MoneyRecord, Subscription, Unit
from deals.services.commission import (
    commission_reverse_many,
    deal_shares_capture,
    performance_credit,
    performance_reverse,
    performance_reverse_many,
)
from deals.services.common import (
    amount_error,
    customer_deal_ended_many,
    money_add,
    money_add_many,
    money_record_build,
    next_number,
    notify_users,
    require_reason,
    roles_of,
    site_managers,
    site_policy,
    table_next,
)
from deals.services.inventory import unit_transition, unit_transition_many
from salesoffice.core import access
from salesoffice.core.audit import audit_record, audit_record_each
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.models import Notification, User
from salesoffice.core.policy import Policy
from salesoffice.core.roles import Cap
from salesoffice.core.services import notify_many

_UNIT_ACTION = {
    rules.DepositKind.SMALL: rules.UnitAction.HOLD,
    rules.DepositKind.LARGE: rules.UnitAction.RESERVE,
}
_DEAL_STATUS = {rules.DepositKind.SMALL: Deal.Status.ON_HOLD, rules.DepositKind.LARGE: Deal.Status.RESERVED}


def _finance_user(actor: User, site_id: int) -> User | None:
    # PAY-01: the receipt names the finance user when finance took the money at the counter.
    return actor if access.can(actor, site_id, Cap.PAYMENTS_RECORD) else None


def _report_deposit(*, deposit: Deposit, customer: Customer) -> None:
    """OWN-04: tell ownership about the deposit, then keep the verdict's shares on the deal (COMM-01)."""
    deposit_record(
        customer=customer,
        salesperson=deposit.salesperson,
        kind=deposit.kind,
        at=deposit.paid_at,
        reference=f"deals.deposit:{deposit.pk}",
    )
    deal_shares_capture(deal=deposit.deal, customer=customer)
    customer_stage_set(customer=customer, stage="deposited", actor=deposit.salesperson)


def _tell_managers_of_large_deposit(deposit: Deposit) -> None:
    """DEP-02: the salesperson tells the site manager at once."""
    notify_users(
        site_managers(deposit.site_id),
        site=deposit.site_id,
        kind="deals.large_deposit",
        title=_("Large deposit on %(unit)s") % {"unit": deposit.unit},
        body=_("%(amount)s yuan, hold until %(until)s.")
        % {
            "amount": deposit.amount,
            "until": timezone.localtime(deposit.hold_until).strftime("%Y-%m-%d %H:%M"),
        },
        link=reverse("deals-deal", args=[deposit.deal_id]),
        dedupe_key=f"deals.large_deposit:{deposit.pk}",
    )


def deposit_take(
    *,
    unit: Unit,
    customer: Customer,
    actor: User,
    kind: rules.DepositKind,
    amount: Decimal,
    method: str,
    payer: str = "",
    top_up_due_on: dt.date | None = None,
) -> Deposit:
    """DEP-01/DEP-02, UNIT-03: take a small or large deposit on an available unit for a customer.

    The unit row is locked first, so of concurrent attempts exactly one finds it available; the others get
    ``UnitUnavailable`` ("unit no longer available", S-DEAL-1, R1), and the partial unique constraints on
    deals and deposits refuse a second active hold even if a write bypassed this lock. The amount is checked
    against the locked unit's price (S-DEAL-2); the money record gets the next receipt number (PAY-01); the
    deposit is reported to ownership (OWN-04) and the verdict's shares are kept on the deal (COMM-01)."""
    if customer.site_id != unit.site_id:
        raise DomainError(
            _("The customer belongs to another site."),
            code="wrong_site",
            fields={"customer": [_("Not found.")]},
        )
    now = timezone.now()
    policy = site_policy(unit.site_id)
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        if locked.status != Unit.Status.AVAILABLE:
            raise UnitUnavailable(_("This unit is no longer available."))
        try:
            terms = rules.validate_deposit(
                kind=kind, amount=amount, total_price=locked.list_total, paid_at=now, policy=policy
            )
        except rules.DealRuleError as error:
            raise amount_error(error) from error
        unit_transition(unit=locked, action=_UNIT_ACTION[kind], actor=actor, reason=f"{kind} deposit")
        try:
            with transaction.atomic():
                deal = Deal.objects.create(
                    site_id=locked.site_id,
                    unit=locked,
                    customer=customer,
                    salesperson=actor,
                    status=_DEAL_STATUS[kind],
                    list_total=locked.list_total,
                    area=locked.building_area,
                    first_deposit_at=now,
                )
                deposit = Deposit.objects.create(
                    site_id=locked.site_id,
                    deal=deal,
                    unit=locked,
                    customer=customer,
                    salesperson=actor,
                    kind=kind.value,
                    amount=amount,
                    paid_at=now,
                    hold_until=terms.hold_until,
                    top_up_due_on=top_up_due_on if kind == rules.DepositKind.SMALL else None,
                )
        except IntegrityError as error:
            raise UnitUnavailable(_("This unit is no longer available.")) from error
        _report_deposit(deposit=deposit, customer=customer)
        deal.refresh_from_db()
        if kind == rules.DepositKind.LARGE:
            performance_credit(deal=deal, amount=deal.list_total, at=now)
            _tell_managers_of_large_deposit(deposit)
        audit_record(
            action=f"deposit.take_{kind}",
            actor=actor,
            site=locked.site_id,
            obj=deposit,
            after={
                "unit": locked.pk,
                "customer": customer.pk,
                "amount": amount,
                "hold_until": terms.hold_until,
            },
        )
        # Last: the receipt number locks the site's receipt counter until commit, and every deposit
        # of the site queues on it (an opening day, R10).
        money_add(
            deal=deal,
            kind=rules.MoneyKind.DEPOSIT,
            amount=amount,
            payer=payer or customer.name,
            method=method,
            finance_user=_finance_user(actor, locked.site_id),
            at=now,
            deposit=deposit,
        )
    return deposit


def _lock_active(deposit: Deposit) -> Deposit:
    locked = Deposit.objects.select_for_update(of=("self",)).select_related("deal", "unit").get(pk=deposit.pk)
    if locked.status != Deposit.Status.ACTIVE:
        raise DealStateConflict(_("This deposit is no longer active."))
    return locked


def deposit_top_up(
    *, deposit: Deposit, actor: User, large_amount: Decimal, method: str, payer: str = ""
) -> Deposit:
    """DEP-04 (补定): a small deposit becomes a large one by paying the rest.

    The small deposit is closed (its agreed top-up date cleared), the large deposit is checked as any large
    deposit (DEP-02) against the deal's price, the area and total are re-checked against the unit, the unit
    moves from on hold to reserved, and the hold (signing deadline) runs from the top-up."""
    now = timezone.now()
    policy = site_policy(deposit.site_id)
    with transaction.atomic():
        # Deposit before unit, the order the expiry sweep takes them in, so the two never deadlock.
        small = _lock_active(deposit)
        Unit.objects.select_for_update().get(pk=small.unit_id)
        table_next(
            table=rules.DEPOSIT_TRANSITIONS[rules.DepositKind(small.kind)],
            current=small.status,
            action=rules.DepositAction.TOP_UP,
            roles=roles_of(actor, small.site_id),
        )
        deal = small.deal
        try:
            rules.check_order_matches_unit(
                order_area=deal.area,
                order_total=deal.list_total,
                unit_area=small.unit.building_area,
                unit_total=deal.list_total,
            )
            plan = rules.top_up(
                small_deposit=small.amount,
                large_deposit=large_amount,
                total_price=deal.list_total,
                paid_at=now,
                policy=policy,
            )
        except rules.DealRuleError as error:
            raise amount_error(error, field="large_amount") from error
        before = {"kind": small.kind, "amount": small.amount, "top_up_due_on": small.top_up_due_on}
        small.status = Deposit.Status.TOPPED_UP
        small.ended_at = now
        small.top_up_due_on = None
        small.save(update_fields=["status", "ended_at", "top_up_due_on"])
        large = Deposit.objects.create(
            site_id=small.site_id,
            deal=deal,
            unit_id=small.unit_id,
            customer_id=small.customer_id,
            salesperson=small.salesperson,
            kind=Deposit.Kind.LARGE,
            amount=plan.large_deposit,
            paid_at=now,
            hold_until=plan.hold_until,
            previous=small,
        )
        unit_transition(unit=small.unit, action=rules.UnitAction.TOP_UP, actor=actor, reason="top-up")
        deal.status = Deal.Status.RESERVED
        deal.save(update_fields=["status"])
        _report_deposit(deposit=large, customer=large.customer)
        deal.refresh_from_db()
        performance_credit(deal=deal, amount=deal.list_total, at=now)
        _tell_managers_of_large_deposit(large)
        audit_record(
            action="deposit.top_up",
            actor=actor,
            site=small.site_id,
            obj=large,
            before=before,
            after={
                "kind": large.kind,
                "amount": large.amount,
                "paid_now": plan.to_pay,
                "hold_until": large.hold_until,
            },
        )
        # Last, as in ``deposit_take``: the receipt counter is then held only until commit, and taken after
        # the customer's row as every deposit service and the expiry sweep take them, so none of them can
        # wait on each other in a cycle.
        if plan.to_pay > 0:
            money_add(
                deal=deal,
                kind=rules.MoneyKind.TOP_UP,
                amount=plan.to_pay,
                payer=payer or large.customer.name,
                method=method,
                finance_user=_finance_user(actor, small.site_id),
                at=now,
                deposit=large,
            )
    return large


def deposit_unit_change(
    *,
    deposit: Deposit,
    to_unit: Unit,
    actor: User,
    reason: str,
    approval: ApprovalRequest | None = None,
) -> Deposit:
    """DEP-05 (换户): move a hold or subscription to another available unit of the site, in one transaction.

    The amounts follow the new unit (the deposit must be valid for its total), the old unit is released and
    the old form replaced, and the record says "from X to Y". A change to a cheaper unit needs an approved
    unit-change request of the site manager."""
    if to_unit.site_id != deposit.site_id:
        raise DomainError(
            _("That unit is not at this site."), code="wrong_site", fields={"to_unit": [_("Not found.")]}
        )
    reason = require_reason(reason)
    now = timezone.now()
    policy = site_policy(deposit.site_id)
    with transaction.atomic():
        old = _lock_active(deposit)
        units = {
            unit.pk: unit
            for unit in Unit.objects.select_for_update()
            .filter(pk__in=[old.unit_id, to_unit.pk])
            .order_by("pk")
        }
        new_unit = units[to_unit.pk]
        if new_unit.pk == old.unit_id or new_unit.status != Unit.Status.AVAILABLE:
            raise UnitUnavailable(_("This unit is no longer available."))
        table_next(
            table=rules.DEPOSIT_TRANSITIONS[rules.DepositKind(old.kind)],
            current=old.status,
            action=rules.DepositAction.TRANSFER,
            roles=roles_of(actor, old.site_id),
        )
        deal = old.deal
        old_unit = units[old.unit_id]
        try:
            change = rules.unit_change(
                from_unit=str(old_unit),
                to_unit=str(new_unit),
                old_total=deal.list_total,
                new_total=new_unit.list_total,
                deposit_kind=rules.DepositKind(old.kind),
                deposit=old.amount,
                policy=policy,
            )
        except rules.DealRuleError as error:
            raise amount_error(error, field="to_unit") from error
        if change.needs_site_manager:
            _use_unit_change_approval(approval=approval, deal=deal, to_unit=new_unit)
        old.status = Deposit.Status.TRANSFERRED
        old.ended_at = now
        old.save(update_fields=["status", "ended_at"])
        unit_transition(unit=old_unit, action=rules.UnitAction.CHANGE_UNIT, actor=actor, reason=change.note)
        unit_transition(
            unit=new_unit, action=_UNIT_ACTION[rules.DepositKind(old.kind)], actor=actor, reason=change.note
        )
        moved = Deposit.objects.create(
            site_id=old.site_id,
            deal=deal,
            unit=new_unit,
            customer_id=old.customer_id,
            salesperson=old.salesperson,
            kind=old.kind,
            amount=old.amount,
            paid_at=old.paid_at,
            hold_until=old.hold_until,
            top_up_due_on=old.top_up_due_on,
            previous=old,
            note=change.note[:200],
        )
        deal.unit = new_unit
        deal.list_total = new_unit.list_total
        deal.area = new_unit.building_area
        deal.save(update_fields=["unit", "list_total", "area"])
        _replace_subscription(deal=deal, deposit=moved, unit=new_unit, actor=actor, now=now)
        if old.kind == Deposit.Kind.LARGE and performance_reverse(deal=deal, at=now):
            performance_credit(deal=deal, amount=deal.list_total, at=now)
        audit_record(
            action="deposit.change_unit",
            actor=actor,
            site=old.site_id,
            obj=moved,
            before={"unit": old_unit.pk, "total": change.old_total},
            after={"unit": new_unit.pk, "total": change.new_total, "note": change.note},
            reason=reason,
        )
    return moved


def _use_unit_change_approval(*, approval: ApprovalRequest | None, deal: Deal, to_unit: Unit) -> None:
    if approval is None:
        raise ApprovalRequired(_("A change to a cheaper unit needs the site manager's approval."))
    locked = ApprovalRequest.objects.select_for_update().get(pk=approval.pk)
    if (
        locked.kind != ApprovalRequest.Kind.UNIT_CHANGE
        or locked.status != ApprovalRequest.Status.APPROVED
        or locked.deal_id != deal.pk
        or locked.target_unit_id != to_unit.pk
    ):
        raise ApprovalRequired(_("A change to a cheaper unit needs the site manager's approval."))
    locked.status = ApprovalRequest.Status.DONE
    locked.completed_at = timezone.now()
    locked.save(update_fields=["status", "completed_at"])


def _replace_subscription(*, deal: Deal, deposit: Deposit, unit: Unit, actor: User, now: dt.datetime) -> None:
    """DEP-05: the old subscription form is replaced by one for the new unit at its list price."""
    current = (
        Subscription.objects.select_for_update().filter(deal=deal, status=Subscription.Status.ACTIVE).first()
    )
    if current is None:
        return
    table_next(
        table=rules.SUBSCRIPTION_TRANSITIONS,
        current=current.status,
        action=rules.SubscriptionAction.CHANGE_UNIT,
        roles=roles_of(actor, deal.site_id),
    )
    current.status = Subscription.Status.REPLACED
    current.save(update_fields=["status"])
    replacement = Subscription.objects.create(
        site_id=deal.site_id,
        deal=deal,
        deposit=deposit,
        unit=unit,
        number=next_number(site_id=deal.site_id, kind="subscription", prefix="RG"),
        buyers=current.buyers,
        list_total=unit.list_total,
        price=unit.list_total,
        payment_method=current.payment_method,
        signing_deadline=current.signing_deadline,
        documents_to_bring=current.documents_to_bring,
        by_agent=current.by_agent,
        created_by=actor,
        created_at=now,
    )
    current.replaced_by = replacement
    current.save(update_fields=["replaced_by"])


def hold_extend(*, deposit: Deposit, actor: User, until: dt.datetime, reason: str) -> Deposit:
    """DEP-03: the site manager extends a large deposit's hold, with a reason; a small deposit is never
    extended (DEP-01: top it up instead)."""
    reason = require_reason(reason)
    with transaction.atomic():
        locked = _lock_active(deposit)
        if locked.kind == Deposit.Kind.LARGE:
            table_next(
                table=rules.DEPOSIT_TRANSITIONS[rules.DepositKind.LARGE],
                current=locked.status,
                action=rules.DepositAction.EXTEND,
                roles=roles_of(actor, locked.site_id),
            )
        try:
            rules.check_hold_extension(
                kind=rules.DepositKind(locked.kind),
                current_hold_until=locked.hold_until,
                new_hold_until=until,
            )
        except rules.HoldExtensionNotAllowed as error:
            message = (
                _("A small deposit's hold cannot be extended; top it up to a large deposit.")
                if locked.kind == Deposit.Kind.SMALL
                else _("The new end must be after the current one.")
            )
            raise DomainError(message, code=error.code, fields={"until": [message]}) from error
        before = {"hold_until": locked.hold_until}
        locked.hold_until = until
        locked.extended_by = actor
        locked.extension_reason = reason
        locked.save(update_fields=["hold_until", "extended_by", "extension_reason"])
        Subscription.objects.filter(deal_id=locked.deal_id, status=Subscription.Status.ACTIVE).update(
            signing_deadline=until
        )
        audit_record(
            action="deposit.extend", actor=actor, site=locked.site_id, obj=locked, before=before,
            after={"hold_until": until}, reason=reason,
        )  # fmt: skip
    return locked


def forfeiture_waive(*, deposit: Deposit, actor: User, reason: str) -> Deposit:
    """DEP-03: the site manager waives the forfeiture of a large deposit, with a reason; on expiry the
    deposit is then refunded instead of forfeited."""
    reason = require_reason(reason)
    if not access.is_manager(actor, deposit.site_id):
        raise NotAllowed(_("Only the site manager waives a forfeiture."))
    with transaction.atomic():
        locked = _lock_active(deposit)
        if locked.kind != Deposit.Kind.LARGE:
            raise DealStateConflict(_("Only a large deposit is forfeited."))
        locked.forfeiture_waived_by = actor
        locked.forfeiture_waiver_reason = reason
        locked.save(update_fields=["forfeiture_waived_by", "forfeiture_waiver_reason"])
        audit_record(
            action="deposit.waive_forfeiture", actor=actor, site=locked.site_id, obj=locked, reason=reason
        )
    return locked


@dataclasses.dataclass(frozen=True)
class _Expiry:
    """One claimed hold the sweep settles: the rule's verdict and the deposit's status after it."""

    deposit: Deposit
    verdict: rules.HoldExpiry
    status: str


def _expiries(claimed: list[Deposit], now: dt.datetime, policies: dict[int, Policy]) -> list[_Expiry]:
    """DEP-03: the verdict of each claimed hold (all are past their end, so all expire)."""
    expiries = []
    for deposit in claimed:
        if deposit.site_id not in policies:
            policies[deposit.site_id] = site_policy(deposit.site_id)
        verdict = rules.hold_expiry(
            kind=rules.DepositKind(deposit.kind),
            amount=deposit.amount,
            hold_until=deposit.hold_until,
            now=now,
            policy=policies[deposit.site_id],
            forfeiture_waived=deposit.forfeiture_waived_by_id is not None,
        )
        if not verdict.expired or verdict.deposit_action is None:
            continue
        status = table_next(
            table=rules.DEPOSIT_TRANSITIONS[rules.DepositKind(deposit.kind)],
            current=deposit.status,
            action=verdict.deposit_action,
            roles=[rules.SYSTEM],
        )
        expiries.append(_Expiry(deposit=deposit, verdict=verdict, status=status))
    return expiries


def _expire_claimed(claimed: list[Deposit], now: dt.datetime, policies: dict[int, Policy]) -> None:
    """DEP-03 for a batch of claimed, still active deposits, in the caller's transaction: each is settled
    as the rule says (money once, unit released, deal ended, customer freed, credits reversed, audit, one
    message), with one statement per step for the whole batch rather than per deposit (P7); only what is
    kept per site (its policy, once per sweep, and the ownership re-decision) costs statements per site.

    Locks are taken in the order the other deal services take them (deposit, deal, unit, customer) and
    the receipt counters last, so that they are held only until the batch commits."""
    expiries = _expiries(claimed, now, policies)
    if not expiries:
        return
    deals = {
        deal.pk: deal
        for deal in Deal.objects.select_for_update()
        .filter(pk__in=[expiry.deposit.deal_id for expiry in expiries])
        .order_by("pk")
    }
    unit_transition_many(
        unit_ids=[expiry.deposit.unit_id for expiry in expiries],
        action=rules.UnitAction.EXPIRE,
        actor=None,
        reason="hold expired",
    )
    for status in sorted({expiry.status for expiry in expiries}):
        settled = [expiry.deposit for expiry in expiries if expiry.status == status]
        Deposit.objects.filter(pk__in=[deposit.pk for deposit in settled]).update(
            status=status, expired_at=now, ended_at=now
        )
        for deposit in settled:
            deposit.status, deposit.expired_at, deposit.ended_at = status, now, now
    ended = [deals[expiry.deposit.deal_id] for expiry in expiries]
    Subscription.objects.filter(deal__in=ended, status=Subscription.Status.ACTIVE).update(
        status=Subscription.Status.EXPIRED
    )
    Deal.objects.filter(pk__in=[deal.pk for deal in ended]).update(status=Deal.Status.EXPIRED, ended_at=now)
    for deal in ended:
        deal.status, deal.ended_at = Deal.Status.EXPIRED, now
    customer_deal_ended_many(deals=ended, at=now)
    performance_reverse_many(deals=ended, at=now)
    commission_reverse_many(deals=ended, at=now)
    audit_record_each(
        action="deposit.expire",
        entries=[
            (
                expiry.deposit,
                expiry.deposit.site_id,
                {"status": Deposit.Status.ACTIVE},
                {
                    "status": expiry.status,
                    "forfeited": expiry.verdict.forfeited,
                    "refunded": expiry.verdict.refunded,
                },
                "",
            )
            for expiry in expiries
        ],
    )
    notify_many(
        [
            Notification(
                recipient_id=expiry.deposit.salesperson_id,
                site_id=expiry.deposit.site_id,
                kind="deals.hold_expired",
                title=_("Hold on %(unit)s expired") % {"unit": expiry.deposit.unit},
                link=reverse("deals-deal", args=[expiry.deposit.deal_id]),
                dedupe_key=f"deals.hold_expired:{expiry.deposit.pk}",
            )
            for expiry in expiries
        ]
    )
    money_add_many(
        records=[
            money_record_build(
                deal=deals[expiry.deposit.deal_id],
                kind=(
                    rules.MoneyKind.FORFEITURE
                    if expiry.verdict.deposit_action == rules.DepositAction.FORFEIT
                    else rules.MoneyKind.REFUND
                ),
                amount=-expiry.deposit.amount,
                payer=expiry.deposit.customer.name,
                method=MoneyRecord.Method.INTERNAL,
                finance_user=None,
                at=now,
                deposit=expiry.deposit,
                note=f"hold expired {timezone.localtime(expiry.deposit.hold_until):%Y-%m-%d %H:%M}",
            )
            for expiry in expiries
        ]
    )


def hold_expiry_sweep(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """DEP-03, S-DEAL-3, R4: expire every active hold whose end has passed.

    Due rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` in batches, each settled and committed in
    its own transaction, so two sweepers never take the same hold and a hold being topped up or converted
    (its row locked by that service) is left for the next run, which finds it no longer active. The status
    change is the done marker, so a second or late run finds nothing left to do and the forfeiture is
    recorded exactly once. A batch costs a fixed number of statements plus a few per site in it (P7), so
    the holds are taken site by site (each site's in the order they end, which is also the order of their
    receipt numbers): a day's catch-up then meets each site in about one batch, not in every batch."""
    moment = now or timezone.now()
    policies: dict[int, Policy] = {}
    expired = 0
    while True:
        with transaction.atomic():
            claimed = list(
                Deposit.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=Deposit.Status.ACTIVE, hold_until__lte=moment)
                .select_related("unit__building", "customer")
                .order_by("site_id", "hold_until", "pk")[:batch]
            )
            _expire_claimed(claimed, moment, policies)
            expired += len(claimed)
        if len(claimed) < batch:
            return expired


def hold_reminders_send(*, now: dt.datetime | None = None, chunk: int = 500) -> int:
    """DEP-03: remind the salesperson one day before a hold ends; the dedupe key (deposit and hold end)
    sends it once per hold end, however often or late the job runs, and again after an extension. The
    messages are written a chunk at a time with ``notify_many`` (P7)."""
    moment = now or timezone.now()
    due = Deposit.objects.filter(
        status=Deposit.Status.ACTIVE, hold_until__gt=moment, hold_until__lte=moment + dt.timedelta(days=1)
    ).select_related("unit__building")
    sent = 0
    reminders: list[Notification] = []
    for deposit in due.iterator(chunk_size=chunk):
        reminder_at = rules.hold_reminder_at(hold_until=deposit.hold_until)
        if reminder_at > moment:
            continue
        reminders.append(
            Notification(
                recipient_id=deposit.salesperson_id,
                site_id=deposit.site_id,
                kind="deals.hold_reminder",
                title=_("Hold on %(unit)s ends %(until)s")
                % {
                    "unit": deposit.unit,
                    "until": timezone.localtime(deposit.hold_until).strftime("%m-%d %H:%M"),
                },
                link=reverse("deals-deal", args=[deposit.deal_id]),
                dedupe_key=f"deals.hold_reminder:{deposit.pk}:{deposit.hold_until.timestamp():.0f}",
            )
        )
        if len(reminders) == chunk:
            sent += _reminders_store(reminders)
            reminders = []
    return sent + _reminders_store(reminders)


def _reminders_store(reminders: list[Notification]) -> int:
    # Reminders already sent are left out first: a repeated run writes nothing, and ``notify_many`` tells
    # its own rows by their creation time, which a frozen clock would make equal to an earlier run's.
    sent = set(
        Notification.objects.filter(
            dedupe_key__in=[reminder.dedupe_key for reminder in reminders]
        ).values_list("dedupe_key", flat=True)
    )
    fresh = [reminder for reminder in reminders if reminder.dedupe_key not in sent]
    if not fresh:
        return 0
    with transaction.atomic():
        return notify_many(fresh)


def deposit_penalty_record(
    *, deposit: Deposit, breaching_party: rules.BreachingParty, approval: ApprovalRequest, at: dt.datetime
) -> MoneyRecord:
    """DEP-06 (定金罚则): the buyer walks away → the large deposit is forfeited; the developer cannot sell as
    agreed → double the deposit is returned. Recorded under the site manager's approved cancellation."""
    if approval.status != ApprovalRequest.Status.APPROVED or approval.deal_id != deposit.deal_id:
        raise ApprovalRequired(_("A deposit penalty needs the site manager's approval."))
    penalty = rules.deposit_penalty(deposit=deposit.amount, breaching_party=breaching_party)
    action = (
        rules.DepositAction.FORFEIT
        if breaching_party == rules.BreachingParty.BUYER
        else rules.DepositAction.RETURN_DOUBLE
    )
    deposit.status = table_next(
        table=rules.DEPOSIT_TRANSITIONS[rules.DepositKind(deposit.kind)],
        current=deposit.status,
        action=action,
        roles=roles_of(approval.decided_by, deposit.site_id),
    )
    deposit.ended_at = at
    deposit.save(update_fields=["status", "ended_at"])
    forfeited = breaching_party == rules.BreachingParty.BUYER
    return money_add(
        deal=deposit.deal,
        kind=rules.MoneyKind.FORFEITURE if forfeited else rules.MoneyKind.DOUBLE_RETURN,
        amount=-(penalty.forfeited if forfeited else penalty.paid_to_buyer),
        payer=deposit.customer.name,
        method=MoneyRecord.Method.INTERNAL,
        finance_user=None,
        at=at,
        deposit=deposit,
        note=f"cancellation request #{approval.pk}",
    )
