"""A customer's stage along the purchase (CUS-01) as the deals and handover apps move it, and the
deposits ownership sees (OWN-04)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from customers.models import Customer, DepositRecord
from customers.rules import stage_after
from customers.services.verdicts import ownership_refresh
from salesoffice.core.audit import audit_record


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
def deposit_record_cancel(*, reference: str, at: dt.datetime) -> DepositRecord | None:
    """OWN-04: a cancelled or expired deposit no longer holds the customer for good."""
    record = DepositRecord.objects.select_for_update().filter(reference=reference).first()
    if record is None or record.cancelled_at is not None:
        return record
    record.cancelled_at = at
    record.save(update_fields=["cancelled_at"])
    ownership_refresh(customer=record.customer, cause="deposit_cancelled")
    return record
