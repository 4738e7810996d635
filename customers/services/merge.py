"""Merging two records of one person (CUS-05) and undoing a merge."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.exceptions import InvalidRegistration
from customers.models import Customer, CustomerMerge, CustomerPhone
from customers.services.verdicts import ownership_refresh
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.roles import Cap


def _invalid(message: str, field: str) -> InvalidRegistration:
    return InvalidRegistration(message, fields={field: [message]})


@transaction.atomic
def customer_merge(*, survivor: Customer, merged: Customer, actor: Any, reason: str) -> CustomerMerge:
    """CUS-05: the site manager merges two records of one person. The merged record's phones move to
    the survivor, its records count under the survivor (``customers.facts``), and ownership is
    re-decided over the union of their records. Audited; undone by ``customer_merge_undo``."""
    access.require(actor, survivor.site_id, Cap.DISPUTES_DECIDE)
    if merged.site_id != survivor.site_id:
        raise _invalid(_("Both records must belong to this site."), "merged")
    if merged.pk == survivor.pk:
        raise _invalid(_("Choose two different records."), "merged")
    if not reason.strip():
        raise _invalid(_("A decision needs a written reason."), "reason")
    rows = {
        row.pk: row
        for row in Customer.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk]).order_by("pk")
    }
    kept, gone = rows[survivor.pk], rows[merged.pk]
    if kept.merged_into_id or gone.merged_into_id or kept.anonymised_at or gone.anonymised_at:
        raise _invalid(_("One of these records is already merged or anonymised."), "merged")
    moved = list(CustomerPhone.objects.filter(customer=gone).values_list("pk", flat=True))
    CustomerPhone.objects.filter(pk__in=moved).update(customer=kept)
    gone.merged_into = kept
    gone.save(update_fields=["merged_into"])
    record = CustomerMerge.objects.create(
        site_id=kept.site_id, survivor=kept, merged=gone, moved_phones=moved, reason=reason.strip(),
        merged_by=actor,
    )  # fmt: skip
    audit_record(
        action="customer.merge", actor=actor, site=kept.site_id, obj=record,
        before={"owner_survivor": kept.owner_id, "owner_merged": gone.owner_id},
        after={"survivor": kept.pk, "merged": gone.pk, "phones": moved}, reason=reason,
    )  # fmt: skip
    ownership_refresh(customer=kept, cause="merge")
    return record


@transaction.atomic
def customer_merge_undo(*, merge: CustomerMerge, actor: Any, reason: str) -> CustomerMerge:
    """CUS-05: a merge is reversed by a new recorded decision: the phones go back, both records are
    re-decided separately."""
    access.require(actor, merge.site_id, Cap.DISPUTES_DECIDE)
    if not reason.strip():
        raise _invalid(_("A decision needs a written reason."), "reason")
    locked = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if locked.undone_at is not None:
        return locked
    CustomerPhone.objects.filter(pk__in=locked.moved_phones, customer_id=locked.survivor_id).update(
        customer_id=locked.merged_id
    )
    Customer.objects.filter(pk=locked.merged_id).update(merged_into=None)
    locked.undone_at = timezone.now()
    locked.undone_by = actor
    locked.undo_reason = reason.strip()
    locked.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    audit_record(
        action="customer.merge_undo", actor=actor, site=locked.site_id, obj=locked,
        after={"survivor": locked.survivor_id, "merged": locked.merged_id}, reason=reason,
    )  # fmt: skip
    ownership_refresh(customer=Customer.objects.get(pk=locked.survivor_id), cause="merge_undo")
    ownership_refresh(customer=Customer.objects.get(pk=locked.merged_id), cause="merge_undo")
    return locked
