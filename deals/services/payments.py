"""Money (PAY-01, PAY-02) and loans (MORT-01, MORT-02): finance records and reverses money, reminders for
instalments due and for loan steps that take too long."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deals import rules
from deals.exceptions import DealStateConflict
from deals.models import Deal, Instalment, MoneyRecord, Mortgage, MortgageStep
from deals.services.common import money_add, require_reason, roles_of, rule_records, site_zone, table_next
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.models import User
from salesoffice.core.roles import Cap
from salesoffice.core.services import notify

# PAY-01: deposits, top-ups and settlements come from their own steps; finance records the rest here.
RECORDABLE = (
    rules.MoneyKind.INSTALMENT,
    rules.MoneyKind.LOAN_RELEASE,
    rules.MoneyKind.AREA_ADJUSTMENT,
    rules.MoneyKind.FEE,
)

# MORT-01: the loan documents collected at signing, per loan type.
MORTGAGE_DOCUMENTS: dict[str, tuple[str, ...]] = {
    Mortgage.LoanType.COMMERCIAL: ("id_card", "household_register", "marriage_certificate", "income_proof", "bank_statement", "contract_copy", "down_payment_receipt"),
    Mortgage.LoanType.PROVIDENT_FUND: ("id_card", "household_register", "marriage_certificate", "provident_fund_record", "contract_copy", "down_payment_receipt"),
    Mortgage.LoanType.COMBINED: ("id_card", "household_register", "marriage_certificate", "income_proof", "bank_statement", "provident_fund_record", "contract_copy", "down_payment_receipt"),
}  # fmt: skip

# MORT-02: how many days a loan may stay in a step before it is overdue.
MORTGAGE_STEP_DAYS: dict[str, int] = {
    Mortgage.Status.DOCUMENTS_COLLECTED: 7,
    Mortgage.Status.SUBMITTED: 30,
    Mortgage.Status.MORE_DOCUMENTS_NEEDED: 7,
    Mortgage.Status.APPROVED: 14,
    Mortgage.Status.LOAN_CONTRACT_SIGNED: 30,
    Mortgage.Status.MORTGAGE_REGISTERED: 30,
}

INSTALMENT_NOTICE_DAYS = 3


def _require_finance(actor: User, site_id: int) -> None:
    if not access.can(actor, site_id, Cap.PAYMENTS_RECORD):
        raise NotAllowed(_("Only finance records money."))


def payment_record(
    *,
    deal: Deal,
    actor: User,
    kind: str,
    amount: Decimal,
    payer: str,
    method: str,
    note: str = "",
) -> MoneyRecord:
    """PAY-01: finance records money received (instalment, loan release, area adjustment, fee) with payer,
    method, amount, the next receipt number, the finance user and the time."""
    _require_finance(actor, deal.site_id)
    if kind not in RECORDABLE:
        raise DomainError(
            _("This kind of money is recorded by its own step."),
            code="invalid_kind",
            fields={"kind": [_("Not allowed here.")]},
        )
    if method not in MoneyRecord.Method.values:
        raise DomainError(_("Choose the method."), code="invalid_method", fields={"method": [_("Unknown.")]})
    try:
        rules.require_money("amount", amount)
    except rules.InvalidAmount as error:
        message = _("Enter a positive amount in yuan with two decimals.")
        raise DomainError(message, code=error.code, fields={"amount": [message]}) from error
    payer = (payer or "").strip()
    if not payer or len(payer) > 100:
        raise DomainError(_("Name the payer."), code="invalid_payer", fields={"payer": [_("Required.")]})
    with transaction.atomic():
        locked = Deal.objects.select_for_update().get(pk=deal.pk)
        if locked.status in (Deal.Status.EXPIRED, Deal.Status.CANCELLED):
            raise DealStateConflict(_("This deal has ended."))
        record = money_add(
            deal=locked, kind=rules.MoneyKind(kind), amount=amount, payer=payer, method=method,
            finance_user=actor, at=timezone.now(), note=note,
        )  # fmt: skip
        audit_record(
            action="money.record",
            actor=actor,
            site=locked.site_id,
            obj=record,
            after={"kind": kind, "amount": amount, "receipt": record.receipt_number},
        )
    return record


def payment_reverse(*, record: MoneyRecord, actor: User, reason: str) -> MoneyRecord:
    """PAY-01, SEC-05: a correction is a new record of the same kind with the opposite amount, naming the
    original and the reason; a record is reversed at most once and a reversal is never reversed."""
    _require_finance(actor, record.site_id)
    reason = require_reason(reason)
    with transaction.atomic():
        deal = Deal.objects.select_for_update().get(pk=record.deal_id)
        original = MoneyRecord.objects.get(pk=record.pk)
        records = rule_records(deal)
        proposed = rules.reversal_of(
            record=next(item for item in records if item.record_id == original.pk), record_id="new"
        )
        try:
            rules.balance(records=[*records, proposed])
        except rules.InvalidReversal as error:
            raise DealStateConflict(_("This record was already reversed or is itself a reversal.")) from error
        reversal = money_add(
            deal=deal, kind=rules.MoneyKind(original.kind), amount=proposed.amount, payer=original.payer,
            method=original.method, finance_user=actor, at=timezone.now(), deposit=original.deposit,
            reverses=original, note=reason,
        )  # fmt: skip
        audit_record(
            action="money.reverse", actor=actor, site=deal.site_id, obj=reversal,
            after={"reverses": original.receipt_number, "amount": reversal.amount}, reason=reason,
        )  # fmt: skip
    return reversal


def deal_position(*, deal: Deal, today: dt.date) -> rules.PaymentPosition:
    """PAY-02: price, paid, due, overdue and next due date of a deal, from its schedule and records."""
    schedule = [rules.Instalment(due_on=item.due_on, amount=item.amount) for item in deal.instalments.all()]
    records = rule_records(deal)
    price = sum((item.amount for item in schedule), Decimal("0.00"))
    if not schedule:
        paid = rules.balance(records=records, kinds=rules.PRICE_KINDS)
        return rules.PaymentPosition(
            price=deal.list_total, paid=paid, outstanding=deal.list_total - paid, due=Decimal("0.00"),
            overdue=Decimal("0.00"), next_due_on=None, next_due_amount=Decimal("0.00"),
        )  # fmt: skip
    return rules.payment_position(price=price, schedule=schedule, records=records, today=today)


def instalment_reminders_send(*, now: dt.datetime | None = None) -> int:
    """PAY-02: remind the salesperson of a contracted deal's next instalment due within three days (or
    overdue); one reminder per deal and due date, however often or late the job runs (R4)."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    deal_ids = (
        Instalment.objects.filter(
            due_on__lte=today + dt.timedelta(days=INSTALMENT_NOTICE_DAYS), deal__status=Deal.Status.CONTRACTED
        )
        .values_list("deal_id", flat=True)
        .distinct()
    )
    sent = 0
    for deal in (
        Deal.objects.filter(pk__in=deal_ids)
        .select_related("salesperson", "unit")
        .prefetch_related("instalments")
    ):
        position = deal_position(deal=deal, today=timezone.localtime(moment, site_zone(deal.site_id)).date())
        if position.next_due_on is None or position.next_due_on > today + dt.timedelta(
            days=INSTALMENT_NOTICE_DAYS
        ):
            continue
        notification = notify(
            recipient=deal.salesperson,
            site=deal.site_id,
            kind="deals.instalment_due",
            title=_("%(unit)s: %(amount)s yuan due %(day)s")
            % {"unit": deal.unit, "amount": position.next_due_amount, "day": position.next_due_on},
            link=reverse("deals-ledger", args=[deal.pk]),
            dedupe_key=f"deals.instalment_due:{deal.pk}:{position.next_due_on.isoformat()}",
        )
        sent += notification is not None
    return sent


def mortgage_start(
    *, deal: Deal, actor: User, bank: str, loan_type: str, amount: Decimal, documents: dict[str, bool]
) -> Mortgage:
    """MORT-01: at signing the salesperson collects the loan documents (checklist per loan type), makes a
    first check, and the deal enters the loan list (办理贷款客户清单)."""
    if loan_type not in MORTGAGE_DOCUMENTS:
        raise DomainError(
            _("Choose the loan type."), code="invalid_loan_type", fields={"loan_type": [_("Unknown.")]}
        )
    bank = (bank or "").strip()
    if not bank or len(bank) > 50:
        raise DomainError(_("Name the bank."), code="invalid_bank", fields={"bank": [_("Required.")]})
    if not rules.is_two_decimal(amount) or amount <= 0 or amount > deal.list_total:
        raise DomainError(
            _("The loan must be a positive amount up to the price."),
            code="invalid_amount",
            fields={"amount": [_("Out of range.")]},
        )
    unknown = set(documents) - set(MORTGAGE_DOCUMENTS[loan_type])
    if unknown:
        raise DomainError(
            _("Unknown documents."), code="invalid_documents", fields={"documents": sorted(unknown)}
        )
    today = timezone.localdate()
    with transaction.atomic():
        locked = Deal.objects.select_for_update().get(pk=deal.pk)
        if locked.status != Deal.Status.CONTRACTED:
            raise DealStateConflict(_("A loan is started at signing."))
        if Mortgage.objects.filter(deal=locked).exists():
            raise DealStateConflict(_("This deal already has a loan."))
        mortgage = Mortgage.objects.create(
            site_id=locked.site_id, deal=locked, bank=bank, loan_type=loan_type, amount=amount,
            documents={item: bool(documents.get(item)) for item in MORTGAGE_DOCUMENTS[loan_type]},
            status_since=today,
        )  # fmt: skip
        MortgageStep.objects.create(mortgage=mortgage, to_status=mortgage.status, on=today, actor=actor)
        audit_record(
            action="mortgage.start",
            actor=actor,
            site=locked.site_id,
            obj=mortgage,
            after={"bank": bank, "amount": amount},
        )
    return mortgage


def mortgage_advance(
    *, mortgage: Mortgage, actor: User, action: str, on: dt.date | None = None, note: str = "",
    documents: dict[str, bool] | None = None,
) -> Mortgage:  # fmt: skip
    """MORT-02: one dated step of the loan (documents collected → submitted → approved / more documents /
    refused → loan contract signed → mortgage registered → funds released), checked against the table."""
    day = on or timezone.localdate()
    if day > timezone.localdate():
        raise DomainError(
            _("The date cannot be in the future."), code="invalid_date", fields={"on": [_("In the future.")]}
        )
    if action not in rules.MortgageAction.__members__.values():
        raise DomainError(_("Unknown step."), code="invalid_action", fields={"action": [_("Unknown.")]})
    with transaction.atomic():
        locked = Mortgage.objects.select_for_update().get(pk=mortgage.pk)
        target = table_next(
            table=rules.MORTGAGE_TRANSITIONS,
            current=locked.status,
            action=action,
            roles=roles_of(actor, locked.site_id),
        )
        MortgageStep.objects.create(
            mortgage=locked, from_status=locked.status, to_status=target, on=day, actor=actor, note=note[:500]
        )
        before = locked.status
        locked.status = target
        locked.status_since = day
        if documents:
            locked.documents = {
                **locked.documents,
                **{k: bool(v) for k, v in documents.items() if k in locked.documents},
            }
        locked.save(update_fields=["status", "status_since", "documents"])
        audit_record(
            action=f"mortgage.{action}",
            actor=actor,
            site=locked.site_id,
            obj=locked,
            before={"status": before},
            after={"status": target, "on": day},
        )
    return locked


def mortgage_deadline(mortgage: Mortgage, today: dt.date) -> rules.StepDeadline:
    return rules.step_deadline(
        table=rules.MORTGAGE_TRANSITIONS, status=mortgage.status, entered_on=mortgage.status_since, today=today,
        allowed_days=MORTGAGE_STEP_DAYS,
    )  # fmt: skip


def mortgage_overdue_reminders_send(*, now: dt.datetime | None = None) -> int:
    """MORT-02: remind the salesperson of each loan whose current step is overdue, once per step."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    sent = 0
    open_loans = Mortgage.objects.exclude(
        status__in=[Mortgage.Status.REFUSED, Mortgage.Status.FUNDS_RELEASED]
    )
    for mortgage in open_loans.select_related("deal__salesperson", "deal__unit").iterator(chunk_size=500):
        deadline = mortgage_deadline(mortgage, today)
        if not deadline.overdue:
            continue
        notification = notify(
            recipient=mortgage.deal.salesperson,
            site=mortgage.site_id,
            kind="deals.mortgage_overdue",
            title=_("Loan for %(unit)s overdue: %(status)s since %(since)s")
            % {
                "unit": mortgage.deal.unit,
                "status": mortgage.get_status_display(),
                "since": mortgage.status_since,
            },
            link=reverse("deals-mortgages"),
            dedupe_key=f"deals.mortgage_overdue:{mortgage.pk}:{mortgage.status}:{mortgage.status_since.isoformat()}",
        )
        sent += notification is not None
    return sent
