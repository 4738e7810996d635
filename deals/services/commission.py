"""Performance (业绩) and commission (佣金) of a deal (COMM-01, COMM-02): credited from the ownership verdict's
shares captured at deposit time, commission pending until the dispute window closes, reversed by negative
rows on cancellation (CON-04)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from customers.models import Customer
from customers.ownership import dispute_window_closes
from deals import rules
from deals.models import CommissionRecord, Contract, Deal, PerformanceCredit
from deals.services.common import local_midnight_after, site_policy, site_zone
from salesoffice.core.audit import audit_record

HUNDRED = Decimal(100)


def _user_id(label: str) -> int | None:
    return int(label) if label.isdigit() else None


def shares_from_json(shares: dict[str, Any]) -> list[rules.Share]:
    """COMM-01: the verdict's ``{label: percent}`` as ratios for the pure split."""
    return [
        rules.Share(party=label, ratio=Decimal(str(percent)) / HUNDRED) for label, percent in shares.items()
    ]


def deal_shares_capture(*, deal: Deal, customer: Customer) -> None:
    """COMM-01: copy the customer's current ownership verdict (after the deposit was reported) onto the
    deal; a customer without a verdict credits the salesperson who took the deposit."""
    verdict = Customer.objects.select_related("verdict").get(pk=customer.pk).verdict
    whole = {str(deal.salesperson_id): "100"}
    deal.performance_shares = dict(verdict.performance) if verdict and verdict.performance else whole
    deal.commission_shares = dict(verdict.commission) if verdict and verdict.commission else whole
    deal.commission_factor = verdict.commission_factor if verdict else Decimal(1)
    deal.save(update_fields=["performance_shares", "commission_shares", "commission_factor"])


def performance_credit(*, deal: Deal, amount: Decimal, at: dt.datetime) -> list[PerformanceCredit]:
    """COMM-01: a closed deal (a large deposit) credits one unit, its area and its amount by the shares."""
    credits = rules.performance_credits(
        shares=shares_from_json(deal.performance_shares), area=deal.area, amount=amount
    )
    return [
        PerformanceCredit.objects.create(
            site_id=deal.site_id,
            deal=deal,
            beneficiary=str(credit.party),
            user_id=_user_id(str(credit.party)),
            share=credit.ratio,
            units=credit.units,
            area=credit.area,
            amount=credit.amount,
            at=at,
        )
        for credit in credits
    ]


def _performance_reversal(original: PerformanceCredit, at: dt.datetime) -> PerformanceCredit:
    return PerformanceCredit(
        site_id=original.site_id,
        deal_id=original.deal_id,
        beneficiary=original.beneficiary,
        user_id=original.user_id,
        share=original.share,
        units=-original.units,
        area=-original.area,
        amount=-original.amount,
        reverses=original,
        at=at,
    )


def performance_reverse(*, deal: Deal, at: dt.datetime) -> int:
    """CON-04, DEP-03, DEP-05: cancel every unreversed credit of the deal by a negative row."""
    originals = PerformanceCredit.objects.filter(
        deal=deal, reverses__isnull=True, reversed_by__isnull=True
    ).order_by("pk")
    count = 0
    for original in originals:
        _performance_reversal(original, at).save(force_insert=True)
        count += 1
    return count


def performance_reverse_many(*, deals: Sequence[Deal], at: dt.datetime) -> int:
    """CON-04, DEP-03 for many deals at once (the hold expiry sweep, P7): the negative rows
    ``performance_reverse`` writes for each deal, in the order of ``deals``, with one read and one insert."""
    return _reverse_many(PerformanceCredit, _performance_reversal, deals=deals, at=at)


def _reverse_many(
    model: Any, reversal: Callable[[Any, dt.datetime], Any], *, deals: Sequence[Deal], at: dt.datetime
) -> int:
    order = {deal.pk: index for index, deal in enumerate(deals)}
    originals = model.objects.filter(deal_id__in=list(order), reverses__isnull=True, reversed_by__isnull=True)
    ordered = sorted(originals, key=lambda original: (order[original.deal_id], original.pk))
    return len(model.objects.bulk_create([reversal(original, at) for original in ordered]))


def commission_create(*, contract: Contract, at: dt.datetime) -> list[CommissionRecord]:
    """COMM-02: rate (``commission_rate``) × contract amount × the verdict's factor (OWN-13), split by the
    commission shares (OWN-02/05/07/08/10/11/12); pending until the dispute window after the first deposit
    closes (DISP-01). S-OWN-12: 0.005 × 2,000,000 × 0.5 = 5,000.00."""
    deal = contract.deal
    policy = site_policy(deal.site_id)
    factor = deal.commission_factor
    # The factor is the verdict's (OWN-13 decided it at deposit time), not re-derived from the policy.
    allocations = rules.commission_allocations(
        contract_amount=contract.price,
        shares=shares_from_json(deal.commission_shares),
        policy=dataclasses.replace(policy, developer_referred_commission_factor=factor),
        developer_referred=factor != 1,
    )
    zone = site_zone(deal.site_id)
    confirm_after = local_midnight_after(dispute_window_closes(deal.first_deposit_at, policy, zone), zone)
    status = rules.commission_status(now=at, dispute_window_closes_at=confirm_after)
    units = {share.party: share.ratio for share in shares_from_json(deal.commission_shares)}
    areas = {
        allocation.party: allocation.amount
        for allocation in rules.split_amount(total=deal.area, shares=shares_from_json(deal.commission_shares))
    }
    return [
        CommissionRecord.objects.create(
            site_id=deal.site_id,
            deal=deal,
            beneficiary=str(allocation.party),
            user_id=_user_id(str(allocation.party)),
            share=allocation.ratio,
            units=units[allocation.party],
            area=areas[allocation.party],
            contract_amount=contract.price,
            rate=policy.commission_rate,
            factor=factor,
            amount=allocation.amount,
            status=status.value,
            confirm_after=confirm_after,
            confirmed_at=at if status == rules.CommissionStatus.CONFIRMED else None,
            at=at,
        )
        for allocation in allocations
    ]


def _commission_reversal(original: CommissionRecord, at: dt.datetime) -> CommissionRecord:
    return CommissionRecord(
        site_id=original.site_id,
        deal_id=original.deal_id,
        beneficiary=original.beneficiary,
        user_id=original.user_id,
        share=original.share,
        units=-original.units,
        area=-original.area,
        contract_amount=original.contract_amount,
        rate=original.rate,
        factor=original.factor,
        amount=-original.amount,
        status=CommissionRecord.Status.REVERSED,
        confirm_after=original.confirm_after,
        reverses=original,
        at=at,
    )


def commission_reverse(*, deal: Deal, at: dt.datetime) -> int:
    """COMM-02, CON-04: a cancelled deal's commission is reversed by negative rows; nothing is edited."""
    originals = CommissionRecord.objects.filter(
        deal=deal, reverses__isnull=True, reversed_by__isnull=True
    ).order_by("pk")
    count = 0
    for original in originals:
        _commission_reversal(original, at).save(force_insert=True)
        count += 1
    return count


def commission_reverse_many(*, deals: Sequence[Deal], at: dt.datetime) -> int:
    """COMM-02, DEP-03 for many deals at once (the hold expiry sweep, P7): the negative rows
    ``commission_reverse`` writes for each deal, in the order of ``deals``, with one read and one insert."""
    return _reverse_many(CommissionRecord, _commission_reversal, deals=deals, at=at)


def commission_confirm_due(*, now: dt.datetime) -> int:
    """COMM-02, DISP-01: confirm every pending, unreversed commission whose dispute window has closed.

    One set-based UPDATE: running it twice or a day late leaves the same rows confirmed (R4)."""
    with transaction.atomic():
        due = CommissionRecord.objects.filter(
            status=CommissionRecord.Status.PENDING,
            confirm_after__lte=now,
            reversed_by__isnull=True,
        )
        count = due.update(status=CommissionRecord.Status.CONFIRMED, confirmed_at=now)
        if count:
            audit_record(action="commission.confirm_due", after={"records": count, "at": now})
    return count


def commission_total_for(*, deal: Deal) -> Decimal:
    total = CommissionRecord.objects.filter(deal=deal).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")
