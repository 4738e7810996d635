"""A customer's stage along the purchase (CUS-01) as the deals and handover apps move it, and the
deposits ownership sees (OWN-04)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from customers.models import Customer, DepositRecord
from customers.rules import stage_after
from customers.services.verdicts import ownership_refresh, ownership_refresh_many
from salesoffice.core.audit import audit_record, audit_record_each


@transaction.atomic
def customer_stage_set(*, customer: Customer, stage: str, actor: Any = None, reason: str = "") -> Customer:
    """CUS-01: new → following → deposited → subscribed → contracted → owner; a deal that ends sends
    the customer back to following. Never moves a customer backwards by accident (see ``stage_after``)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    new_stage = stage_after(current=customer.status, requested=stage)
    if new_stage != customer.status:
        before = customer.status
        customer.status = new_stage
        customer.save(update_fields=["status"])
        audit_record(
            action="customer.stage", actor=actor, site=customer.site_id, obj=customer,
            before={"status": before}, after={"status": new_stage}, reason=reason,
        )  # fmt: skip
    return customer


@transaction.atomic
def customer_stage_set_many(*, reasons: Mapping[int, str], stage: str, actor: Any = None) -> list[Customer]:
    """CUS-01 for many customers at once (the hold expiry sweep, P7): each customer moves as
    ``customer_stage_set`` would move it, with the same audit event, ``reasons`` giving each customer's
    reason; one lock, one UPDATE per new stage and one audit insert for all of them. Returns the customers
    that moved."""
    locked = Customer.objects.select_for_update(of=("self",)).filter(pk__in=list(reasons)).order_by("pk")
    moved: dict[str, list[tuple[Customer, str]]] = {}
    for customer in locked.only("pk", "site_id", "status"):
        new_stage = stage_after(current=customer.status, requested=stage)
        if new_stage != customer.status:
            moved.setdefault(new_stage, []).append((customer, customer.status))
            customer.status = new_stage
    for new_stage, customers in moved.items():
        Customer.objects.filter(pk__in=[customer.pk for customer, _before in customers]).update(
            status=new_stage
        )
    audit_record_each(
        action="customer.stage",
        actor=actor,
        entries=[
            (
                customer,
                customer.site_id,
                {"status": before},
                {"status": customer.status},
                reasons[customer.pk],
            )
            for customers in moved.values()
            for customer, before in sorted(customers, key=lambda pair: pair[0].pk)
        ],
    )
    return sorted(
        (customer for customers in moved.values() for customer, _before in customers), key=lambda c: c.pk
    )


@transaction.atomic
def deposit_record_cancel(*, reference: str, at: dt.datetime) -> DepositRecord | None:
    """OWN-04: a cancelled or expired deposit no longer holds the customer for good."""
    record = DepositRecord.objects.select_for_update().filter(reference=reference).first()
    if record is None or record.cancelled_at is not None:
        return record
    record.cancelled_at = at
    record.save(update_fields=["cancelled_at"])
    ownership_refresh(customer=record.customer, cause="deposit_cancelled")
    return record


@transaction.atomic
def deposit_record_cancel_many(*, references: Iterable[str], at: dt.datetime) -> list[DepositRecord]:
    """OWN-04 for many deposits at once (the hold expiry sweep, P7): every record of ``references`` not yet
    cancelled is cancelled at ``at``, as ``deposit_record_cancel`` does, and ownership re-decides their
    customers once per site instead of once per record. Returns the records this call cancelled."""
    records = list(
        DepositRecord.objects.select_for_update()
        .filter(reference__in=list(references), cancelled_at__isnull=True)
        .order_by("pk")
    )
    if not records:
        return []
    DepositRecord.objects.filter(pk__in=[record.pk for record in records]).update(cancelled_at=at)
    customers: dict[int, set[int]] = {}
    for record in records:
        record.cancelled_at = at
        customers.setdefault(record.site_id, set()).add(record.customer_id)
    for site_id in sorted(customers):
        ownership_refresh_many(
            site_id=site_id, customer_ids=sorted(customers[site_id]), cause="deposit_cancelled"
        )
    return records
