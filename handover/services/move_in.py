"""Move-in (MOVE-01..05): batches and their approved lists, notices with every amount due, slot booking
within capacity, the handover-day checklist, the owner's inspection with defects as work orders, and the
batch's feedback summary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.services import customer_stage_set
from deals.models import Contract, Deal, Unit
from deals.rules import UnitAction, to_fen
from deals.services.inventory import unit_transition
from deals.services.payments import deal_position
from handover import documents, rules
from handover.exceptions import HandoverIncomplete, HandoverStateConflict, SlotFull
from handover.models import (
    AreaSettlement,
    Defect,
    HandoverItem,
    HandoverRecord,
    Inspection,
    MoveInBatch,
    MoveInBatchUnit,
    MoveInNotice,
    MoveInSlot,
    Priority,
    ReturnVisit,
    SlotBooking,
    WorkOrder,
)
from handover.services.common import local_date, managers, require_cap, require_choice, require_text
from handover.services.work_orders import RETURN_VISIT_DAYS, work_order_create_locked, work_order_photo_check
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.models import Site, User
from salesoffice.core.roles import Cap
from salesoffice.core.services import notify, policy_current

LIVE_CONTRACT = (Contract.Status.SIGNED, Contract.Status.APPROVED, Contract.Status.FILED)
DOCUMENT_CODES = tuple(code for code, _label in MoveInBatch.DOCUMENTS)
NOTICE_AMOUNTS = ("balance", "area_adjustment", "property_fee", "maintenance_fund", "certificate_fees")


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except ArithmeticError as error:
        raise DomainError(
            _("Enter an amount in yuan."), code="invalid_amount", fields={field: [_("Invalid.")]}
        ) from error
    if amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount > Decimal("100000000"):
        raise DomainError(
            _("Enter an amount in yuan."), code="invalid_amount", fields={field: [_("Out of range.")]}
        )
    return amount


def _working_group(site: Site, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for index, member in enumerate(members):
        try:
            user = User.objects.get(pk=int(member.get("user", 0)))
        except (User.DoesNotExist, TypeError, ValueError):
            user = None
        if user is None or not access.works_at(user.pk, site.pk):
            raise DomainError(
                _("Unknown staff member."),
                code="wrong_site",
                fields={f"working_group[{index}]": [_("Not found.")]},
            )
        duty = require_text(str(member.get("duty", "")), f"working_group[{index}]", max_length=100)
        cleaned.append({"user": user.pk, "name": str(user), "duty": duty})
    return cleaned


def _documents(documents_ready: dict[str, Any]) -> dict[str, str]:
    cleaned = {}
    for code, day in documents_ready.items():
        require_choice(code, "documents", DOCUMENT_CODES)
        if day in (None, ""):
            continue
        try:
            cleaned[code] = (day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))).isoformat()
        except ValueError as error:
            raise DomainError(
                _("Enter a valid date."), code="invalid_date", fields={"documents": [_("Invalid date.")]}
            ) from error
    return cleaned


def move_in_batch_create(
    *,
    site: Site,
    actor: User,
    name: str,
    planned_start: dt.date,
    planned_end: dt.date,
    slot_capacity: int = 4,
    repair_priority: str = Priority.HIGH,
    working_group: list[dict[str, Any]] | None = None,
    group_formed_on: dt.date | None = None,
    documents_ready: dict[str, Any] | None = None,
    property_fee_per_m2: Any = 0,
    property_fee_months: int = 12,
    maintenance_fund_per_m2: Any = 0,
    certificate_fees: Any = 0,
) -> MoveInBatch:
    """MOVE-01: a batch with its planned dates, working group (members and duties), the developer's
    documents with the dates they were ready, the fees due at handover and the slot capacity."""
    require_cap(actor, site.pk, Cap.SERVICE_MANAGE)
    name = require_text(name, "name", max_length=100)
    if planned_end < planned_start:
        raise DomainError(
            _("The end comes before the start."),
            code="invalid_dates",
            fields={"planned_end": [_("Before the start.")]},
        )
    if not 1 <= int(slot_capacity) <= 100:
        raise DomainError(
            _("Between 1 and 100."), code="invalid_capacity", fields={"slot_capacity": [_("Out of range.")]}
        )
    if not 1 <= int(property_fee_months) <= 36:
        raise DomainError(
            _("Between 1 and 36."),
            code="invalid_months",
            fields={"property_fee_months": [_("Out of range.")]},
        )
    require_choice(repair_priority, "repair_priority", Priority.values)
    group = _working_group(site, working_group or [])
    ready = _documents(documents_ready or {})
    with transaction.atomic():
        if MoveInBatch.objects.filter(site=site, name=name).exists():
            raise DomainError(
                _("A batch with this name exists."), code="duplicate", fields={"name": [_("Taken.")]}
            )
        batch = MoveInBatch.objects.create(
            site=site, name=name, planned_start=planned_start, planned_end=planned_end,
            slot_capacity=int(slot_capacity), repair_priority=repair_priority, working_group=group,
            group_formed_on=group_formed_on, documents=ready,
            property_fee_per_m2=_money(property_fee_per_m2, "property_fee_per_m2"),
            property_fee_months=int(property_fee_months),
            maintenance_fund_per_m2=_money(maintenance_fund_per_m2, "maintenance_fund_per_m2"),
            certificate_fees=_money(certificate_fees, "certificate_fees"), created_by=actor,
        )  # fmt: skip
        audit_record(action="move_in_batch.create", actor=actor, site=site, obj=batch, after={"name": name})
    return batch


def _lock_batch(batch: MoveInBatch) -> MoveInBatch:
    return MoveInBatch.objects.select_for_update().get(pk=batch.pk)


def move_in_batch_update(
    *, batch: MoveInBatch, actor: User, working_group: list[dict[str, Any]] | None = None,
    group_formed_on: dt.date | None = None, documents_ready: dict[str, Any] | None = None,
) -> MoveInBatch:  # fmt: skip
    """MOVE-01: record the working group and the developer's documents as they become ready."""
    require_cap(actor, batch.site_id, Cap.SERVICE_MANAGE)
    site = Site.objects.get(pk=batch.site_id)
    with transaction.atomic():
        locked = _lock_batch(batch)
        before = {"working_group": locked.working_group, "documents": locked.documents}
        if working_group is not None:
            locked.working_group = _working_group(site, working_group)
        if group_formed_on is not None:
            locked.group_formed_on = group_formed_on
        if documents_ready is not None:
            locked.documents = {**locked.documents, **_documents(documents_ready)}
        locked.save(update_fields=["working_group", "group_formed_on", "documents"])
        audit_record(
            action="move_in_batch.update", actor=actor, site=locked.site_id, obj=locked, before=before,
            after={"working_group": locked.working_group, "documents": locked.documents},
        )  # fmt: skip
    return locked


def move_in_batch_units_add(*, batch: MoveInBatch, actor: User, contracts: list[Contract]) -> MoveInBatch:
    """MOVE-01: put contracted units on the batch's move-in list (before approval; one list per unit)."""
    require_cap(actor, batch.site_id, Cap.SERVICE_MANAGE)
    with transaction.atomic():
        locked = _lock_batch(batch)
        if locked.approved_at is not None:
            raise HandoverStateConflict(_("The list is approved; it can no longer change."))
        for contract in contracts:
            if contract.site_id != locked.site_id or contract.status not in LIVE_CONTRACT:
                raise DomainError(
                    _("Only live contracts of this site."),
                    code="invalid_contract",
                    fields={"contracts": [str(contract.pk)]},
                )
            if MoveInBatchUnit.objects.filter(unit_id=contract.unit_id).exists():
                raise DomainError(
                    _("A unit is already on a move-in list."),
                    code="duplicate_unit",
                    fields={"contracts": [str(contract.pk)]},
                )
            MoveInBatchUnit.objects.create(batch=locked, unit_id=contract.unit_id, contract=contract)
        audit_record(
            action="move_in_batch.units_add", actor=actor, site=locked.site_id, obj=locked,
            after={"contracts": [contract.pk for contract in contracts]},
        )  # fmt: skip
    return locked


def move_in_batch_approve(*, batch: MoveInBatch, actor: User, now: dt.datetime | None = None) -> MoveInBatch:
    """MOVE-01: the marketing manager (the site manager) approves the move-in list once the developer's
    four documents are ready."""
    if not access.is_manager(actor, batch.site_id):
        raise NotAllowed(_("Only the site manager approves the move-in list."))
    with transaction.atomic():
        locked = _lock_batch(batch)
        if locked.approved_at is not None:
            raise HandoverStateConflict(_("This list is already approved."))
        missing = [code for code in DOCUMENT_CODES if code not in locked.documents]
        if missing:
            raise DomainError(
                _("Some developer documents are not ready."),
                code="documents_missing",
                fields={"documents": missing},
            )
        if not locked.batch_units.exists():
            raise DomainError(
                _("The list has no units."), code="empty_list", fields={"contracts": [_("Required.")]}
            )
        locked.approved_by = actor
        locked.approved_at = now or timezone.now()
        locked.save(update_fields=["approved_by", "approved_at"])
        audit_record(action="move_in_batch.approve", actor=actor, site=locked.site_id, obj=locked)
    return locked


def move_in_slot_create(
    *,
    batch: MoveInBatch,
    actor: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int | None = None,
) -> MoveInSlot:
    """MOVE-02: a handover slot of the batch with its capacity (the batch's by default)."""
    require_cap(actor, batch.site_id, Cap.SERVICE_MANAGE)
    size = int(capacity if capacity is not None else batch.slot_capacity)
    if ends_at <= starts_at:
        raise DomainError(
            _("The end comes before the start."),
            code="invalid_dates",
            fields={"ends_at": [_("Before the start.")]},
        )
    if not 1 <= size <= 100:
        raise DomainError(
            _("Between 1 and 100."), code="invalid_capacity", fields={"capacity": [_("Out of range.")]}
        )
    with transaction.atomic():
        if MoveInSlot.objects.filter(batch=batch, starts_at=starts_at).exists():
            raise DomainError(
                _("A slot starts at this time."), code="duplicate", fields={"starts_at": [_("Taken.")]}
            )
        slot = MoveInSlot.objects.create(batch=batch, starts_at=starts_at, ends_at=ends_at, capacity=size)
        audit_record(
            action="move_in_slot.create", actor=actor, site=batch.site_id, obj=slot, after={"capacity": size}
        )
    return slot


def slot_book(
    *, slot: MoveInSlot, contract: Contract, actor: User, now: dt.datetime | None = None
) -> SlotBooking:
    """MOVE-02: book a handover slot for a contract on the batch's list, never beyond the slot's capacity:
    the slot row is locked and its counter checked, and a check constraint backs the counter. Booking again
    moves the booking to the new slot."""
    require_cap(actor, slot.batch.site_id, Cap.SERVICE_MANAGE)
    moment = now or timezone.now()
    with transaction.atomic():
        if not MoveInBatchUnit.objects.filter(batch_id=slot.batch_id, contract=contract).exists():
            raise DomainError(
                _("This contract is not on the batch's list."),
                code="not_on_list",
                fields={"contract": [_("Not on the list.")]},
            )
        existing = (
            SlotBooking.objects.select_for_update().filter(batch_id=slot.batch_id, contract=contract).first()
        )
        # Lock the slots in id order so that two people moving bookings never deadlock.
        slot_ids = sorted({slot.pk, *([existing.slot_id] if existing else [])})
        locked = {
            row.pk: row
            for row in MoveInSlot.objects.select_for_update().filter(pk__in=slot_ids).order_by("pk")
        }
        target = locked[slot.pk]
        if existing and existing.slot_id == target.pk:
            return existing
        if target.booked >= target.capacity:
            raise SlotFull(_("This slot is full; choose another."))
        target.booked += 1
        target.save(update_fields=["booked"])
        if existing:
            old = locked[existing.slot_id]
            old.booked -= 1
            old.save(update_fields=["booked"])
            existing.slot = target
            existing.booked_by, existing.booked_at = actor, moment
            existing.save(update_fields=["slot", "booked_by", "booked_at"])
            booking = existing
        else:
            booking = SlotBooking.objects.create(
                site_id=target.batch.site_id, batch_id=target.batch_id, slot=target, contract=contract,
                booked_by=actor, booked_at=moment,
            )  # fmt: skip
        audit_record(
            action="move_in_slot.book", actor=actor, site=booking.site_id, obj=booking,
            after={"slot": target.pk, "contract": contract.pk},
        )  # fmt: skip
    return booking


def notice_amounts(*, batch: MoveInBatch, contract: Contract, today: dt.date) -> dict[str, Decimal]:
    """MOVE-02: every amount due at handover: the balance of the price from the deal's ledger (PAY-02), the
    area adjustment when it is settled (AREA-02), the first period's property fee, the maintenance fund and
    the certificate fees (D-AREA-02)."""
    deal = Deal.objects.get(pk=contract.deal_id)
    area = deal.area
    settlement = (
        AreaSettlement.objects.filter(contract=contract)
        .exclude(status=AreaSettlement.Status.CANCEL_CHOSEN)
        .first()
    )
    adjustment = Decimal("0.00")
    if settlement is not None and settlement.status == AreaSettlement.Status.COMPUTED:
        adjustment = settlement.net
    return {
        "balance": max(deal_position(deal=deal, today=today).outstanding, Decimal("0.00")),
        "area_adjustment": adjustment,
        "property_fee": to_fen(batch.property_fee_per_m2 * area * batch.property_fee_months),
        "maintenance_fund": to_fen(batch.maintenance_fund_per_m2 * area),
        "certificate_fees": batch.certificate_fees,
    }


def _notice_send_locked(
    *, batch: MoveInBatch, entry: MoveInBatchUnit, actor: User | None, now: dt.datetime
) -> MoveInNotice | None:
    if MoveInNotice.objects.filter(batch=batch, contract_id=entry.contract_id).exists():
        return None
    contract = Contract.objects.select_related("deal__customer", "deal__salesperson", "unit__building").get(
        pk=entry.contract_id
    )
    deal = contract.deal
    policy, _version = policy_current(site=batch.site_id, at=now)
    today = local_date(now, batch.site_id)
    amounts = notice_amounts(batch=batch, contract=contract, today=today)
    total = sum(amounts.values(), Decimal("0.00"))
    booking = SlotBooking.objects.filter(batch=batch, contract=contract).select_related("slot").first()
    channels = ["post", "in_app", *(["email"] if settings.EMAIL_ENABLED else [])]
    pdf = documents.move_in_notice_pdf({
        "site": Site.objects.get(pk=batch.site_id), "batch": batch, "contract": contract, "customer": deal.customer,
        "unit": contract.unit, "amounts": [(code, amounts[code]) for code in NOTICE_AMOUNTS], "total": total,
        "slot": booking.slot if booking else None, "today": today,
    })  # fmt: skip
    try:
        with transaction.atomic():
            notice = MoveInNotice.objects.create(
                site_id=batch.site_id, batch=batch, contract=contract, unit=contract.unit, customer=deal.customer,
                channels=channels, amounts={code: str(amount) for code, amount in amounts.items()},
                total_due=total, pdf=pdf, sent_at=now, sent_by=actor,
                late=today > batch.planned_start - dt.timedelta(days=policy.move_in_notice_days),
            )  # fmt: skip
    except IntegrityError:
        return None
    audit_record(
        action="move_in_notice.send",
        actor=actor,
        site=batch.site_id,
        obj=notice,
        after={"total": total, "late": notice.late},
    )
    salesperson = deal.salesperson
    transaction.on_commit(
        lambda: notify(
            recipient=salesperson, site=batch.site_id, kind="handover.move_in_notice",
            title=_("Move-in notice sent for %(unit)s") % {"unit": contract.unit},
            link=reverse("handover-notice-pdf", args=[notice.pk]), dedupe_key=f"handover.move_in_notice:{notice.pk}",
        )
    )  # fmt: skip
    return notice


def move_in_notices_send(*, batch: MoveInBatch, actor: User | None, now: dt.datetime | None = None) -> int:
    """MOVE-02: send the move-in notice (入伙通知书) to every contract on the approved list that has none yet:
    the PDF for post and e-mail and an in-app message; a notice is sent once per contract however often
    this runs, and one sent later than the policy's notice period before the batch is flagged late."""
    moment = now or timezone.now()
    if actor is not None:
        require_cap(actor, batch.site_id, Cap.SERVICE_MANAGE)
    with transaction.atomic():
        locked = _lock_batch(batch)
        if locked.approved_at is None:
            raise HandoverStateConflict(_("Notices go out after the list is approved."))
        sent = 0
        for entry in locked.batch_units.all().order_by("pk"):
            sent += _notice_send_locked(batch=locked, entry=entry, actor=actor, now=moment) is not None
    return sent


def move_in_notices_due_send(*, now: dt.datetime | None = None) -> int:
    """MOVE-02, D-MOVE-01: the daily job: for each approved batch whose notice date (the policy's notice
    period before the start) has come and that has not ended, send the notices still missing."""
    moment = now or timezone.now()
    sent = 0
    candidates = MoveInBatch.objects.filter(
        approved_at__isnull=False, planned_end__gte=moment.date() - dt.timedelta(days=1)
    )
    for batch in candidates.order_by("pk"):
        policy, _version = policy_current(site=batch.site_id, at=moment)
        today = local_date(moment, batch.site_id)
        if (
            today < batch.planned_start - dt.timedelta(days=policy.move_in_notice_days)
            or today > batch.planned_end
        ):
            continue
        sent += move_in_notices_send(batch=batch, actor=None, now=moment)
    return sent


# --- Handover day (MOVE-03) ---


def handover_start(*, contract: Contract, actor: User, now: dt.datetime | None = None) -> HandoverRecord:
    """MOVE-03: open the handover of a contracted unit (once per contract)."""
    require_cap(actor, contract.site_id, Cap.SERVICE_MANAGE)
    moment = now or timezone.now()
    with transaction.atomic():
        locked = Contract.objects.select_for_update().select_related("deal").get(pk=contract.pk)
        existing = HandoverRecord.objects.filter(contract=locked).first()
        if existing is not None:
            return existing
        if locked.status not in LIVE_CONTRACT:
            raise HandoverStateConflict(_("Only a live contract is handed over."))
        entry = MoveInBatchUnit.objects.filter(unit_id=locked.unit_id).first()
        record = HandoverRecord.objects.create(
            site_id=locked.site_id, batch_id=entry.batch_id if entry else None, contract=locked,
            unit_id=locked.unit_id, customer_id=locked.deal.customer_id, started_by=actor, started_at=moment,
        )  # fmt: skip
        audit_record(action="handover.start", actor=actor, site=locked.site_id, obj=record)
    return record


def _lock_record(record: HandoverRecord) -> HandoverRecord:
    return HandoverRecord.objects.select_for_update().get(pk=record.pk)


def _entries(record: HandoverRecord, extra: rules.ChecklistEntry | None = None) -> list[rules.ChecklistEntry]:
    entries = [
        rules.ChecklistEntry(
            item=row.item, done_by=row.done_by_id, done_at=row.done_at, key_count=row.key_count
        )
        for row in record.items.all()
    ]
    return [*entries, extra] if extra else entries


def handover_item_done(
    *,
    record: HandoverRecord,
    actor: User,
    item: str,
    key_count: int | None = None,
    now: dt.datetime | None = None,
) -> HandoverItem:
    """MOVE-03: tick one checklist item, recording who and when; handing over keys records how many."""
    require_cap(actor, record.site_id, Cap.SERVICE_MANAGE)
    moment = now or timezone.now()
    with transaction.atomic():
        locked = _lock_record(record)
        if locked.status != HandoverRecord.Status.OPEN:
            raise HandoverStateConflict(_("This handover is complete."))
        if locked.items.filter(item=item).exists():
            raise HandoverStateConflict(_("This item is already done."))
        entry = rules.ChecklistEntry(item=item, done_by=actor.pk, done_at=moment, key_count=key_count)
        try:
            rules.move_in_checklist(entries=_entries(locked, entry))
        except rules.UnknownChecklistItem as error:
            raise DomainError(
                _("Unknown item."), code=error.code, fields={"item": [_("Unknown.")]}
            ) from error
        except rules.KeyCountRequired as error:
            message = _("Record how many keys were handed over.")
            raise DomainError(message, code=error.code, fields={"key_count": [message]}) from error
        done = HandoverItem.objects.create(
            record=locked, item=item, done_by=actor, done_at=moment, key_count=key_count
        )
        if item == rules.MoveInItem.KEYS_HANDED_OVER:
            locked.key_count = key_count
            locked.save(update_fields=["key_count"])
        audit_record(
            action="handover.item",
            actor=actor,
            site=locked.site_id,
            obj=locked,
            after={"item": item, "key_count": key_count},
        )
    return done


def handover_complete(
    *, record: HandoverRecord, actor: User, now: dt.datetime | None = None
) -> HandoverRecord:
    """MOVE-03, MOVE-04: complete the handover only when every mandatory checklist item is done and the owner
    has signed the inspection without refusing; the unit becomes handed over (UNIT-02), the handover date
    starts the warranties (SVC-04) and a return visit is planned (SVC-06)."""
    require_cap(actor, record.site_id, Cap.SERVICE_MANAGE)
    moment = now or timezone.now()
    with transaction.atomic():
        locked = _lock_record(record)
        if locked.status != HandoverRecord.Status.OPEN:
            raise HandoverStateConflict(_("This handover is complete."))
        verdict = rules.move_in_checklist(entries=_entries(locked))
        if not verdict.complete:
            raise HandoverIncomplete(
                _("Not every mandatory item is done."),
                fields={"missing": [item.value for item in verdict.missing]},
            )
        inspection = Inspection.objects.filter(handover=locked).first()
        if (
            inspection is None
            or inspection.signed_at is None
            or inspection.outcome == Inspection.Outcome.REFUSED
        ):
            raise HandoverIncomplete(
                _("The owner has not signed an accepted inspection."), fields={"inspection": [_("Required.")]}
            )
        unit_transition(
            unit=Unit.objects.get(pk=locked.unit_id),
            action=UnitAction.HAND_OVER,
            actor=actor,
            reason=f"handover {locked.pk}",
        )
        locked.status = HandoverRecord.Status.COMPLETE
        locked.completed_by, locked.completed_at = actor, moment
        locked.handed_over_on = local_date(moment, locked.site_id)
        locked.save(update_fields=["status", "completed_by", "completed_at", "handed_over_on"])
        return_visit_for_handover(record=locked, now=moment)
        customer_stage_set(
            customer=locked.customer, stage="owner", actor=actor, reason=f"handover {locked.pk}"
        )
        audit_record(
            action="handover.complete",
            actor=actor,
            site=locked.site_id,
            obj=locked,
            after={"keys": locked.key_count},
        )
    return locked


def return_visit_for_handover(*, record: HandoverRecord, now: dt.datetime) -> ReturnVisit:
    """SVC-06: one return visit after each handover."""
    visit, _created = ReturnVisit.objects.get_or_create(
        handover=record,
        defaults={
            "site_id": record.site_id, "kind": ReturnVisit.Kind.HANDOVER, "customer_id": record.customer_id,
            "unit_id": record.unit_id, "due_on": local_date(now, record.site_id) + dt.timedelta(days=RETURN_VISIT_DAYS),
            "created_at": now,
        },
    )  # fmt: skip
    return visit


# --- Inspection (MOVE-04) ---


def inspection_start(*, record: HandoverRecord, actor: User, now: dt.datetime | None = None) -> Inspection:
    """MOVE-04: open the owner's inspection of the unit (once per handover)."""
    require_cap(actor, record.site_id, Cap.SERVICE_MANAGE)
    with transaction.atomic():
        locked = _lock_record(record)
        inspection, created = Inspection.objects.get_or_create(
            handover=locked,
            defaults={"site_id": locked.site_id, "started_by": actor, "started_at": now or timezone.now()},
        )
        if created:
            audit_record(action="inspection.start", actor=actor, site=locked.site_id, obj=inspection)
    return inspection


def defect_record(
    *,
    inspection: Inspection,
    actor: User,
    room: str,
    location: str,
    category: str,
    description: str,
    photo: bytes | None = None,
    now: dt.datetime | None = None,
) -> Defect:
    """MOVE-04: record one defect (room, location, category, description, photo); it becomes a repair work
    order (SVC-01) with the batch's priority for inspection repairs."""
    require_cap(actor, inspection.site_id, Cap.SERVICE_MANAGE)
    moment = now or timezone.now()
    room = require_text(room, "room", max_length=50)
    location = require_text(location, "location", max_length=100)
    description = require_text(description, "description", max_length=1000)
    require_choice(category, "category", WorkOrder.Category.values)
    if photo:
        work_order_photo_check(photo)
    with transaction.atomic():
        locked = (
            Inspection.objects.select_for_update(of=("self",))
            .select_related("handover__batch", "handover__customer")
            .get(pk=inspection.pk)
        )
        if locked.signed_at is not None:
            raise HandoverStateConflict(_("The inspection is signed."))
        record = locked.handover
        order = work_order_create_locked(
            site=Site.objects.get(pk=locked.site_id), actor=actor, reporter_name=record.customer.name,
            category=category, description=f"{room} · {location}: {description}",
            priority=record.batch.repair_priority if record.batch else Priority.HIGH,
            unit=Unit.objects.select_related("building").get(pk=record.unit_id), customer=record.customer,
            source=WorkOrder.Source.INSPECTION, now=moment,
        )  # fmt: skip
        if photo:
            from handover.models import WorkOrderPhoto

            WorkOrderPhoto.objects.create(
                work_order=order, content_type=work_order_photo_check(photo), content=photo, size=len(photo),
                uploaded_by=actor, uploaded_at=moment,
            )  # fmt: skip
        defect = Defect.objects.create(
            inspection=locked, room=room, location=location, category=category, description=description,
            work_order=order, recorded_by=actor, recorded_at=moment,
        )  # fmt: skip
        audit_record(
            action="inspection.defect",
            actor=actor,
            site=locked.site_id,
            obj=defect,
            after={"work_order": order.number},
        )
    return defect


def inspection_sign(
    *, inspection: Inspection, actor: User, outcome: str, signed_by_name: str, refusal_reasons: str = "",
    now: dt.datetime | None = None,
) -> Inspection:  # fmt: skip
    """MOVE-04: the owner signs the inspection record: accept, accept with the recorded defects, or refuse
    with reasons."""
    require_cap(actor, inspection.site_id, Cap.SERVICE_MANAGE)
    require_choice(outcome, "outcome", Inspection.Outcome.values)
    signed_by_name = require_text(signed_by_name, "signed_by_name", max_length=50)
    reasons = require_text(
        refusal_reasons, "refusal_reasons", max_length=2000, required=outcome == Inspection.Outcome.REFUSED
    )
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.signed_at is not None:
            raise HandoverStateConflict(_("The inspection is already signed."))
        has_defects = locked.defects.exists()
        if outcome == Inspection.Outcome.ACCEPTED and has_defects:
            raise DomainError(
                _("Defects were recorded: accept with defects or refuse."),
                code="defects_recorded",
                fields={"outcome": [_("Defects were recorded.")]},
            )
        if outcome == Inspection.Outcome.ACCEPTED_WITH_DEFECTS and not has_defects:
            raise DomainError(
                _("No defect was recorded."), code="no_defects", fields={"outcome": [_("No defects.")]}
            )
        locked.outcome, locked.refusal_reasons, locked.signed_by_name = outcome, reasons, signed_by_name
        locked.signed_at, locked.recorded_by = now or timezone.now(), actor
        locked.save(
            update_fields=["outcome", "refusal_reasons", "signed_by_name", "signed_at", "recorded_by"]
        )
        audit_record(
            action="inspection.sign",
            actor=actor,
            site=locked.site_id,
            obj=locked,
            after={"outcome": outcome},
            reason=reasons,
        )
    return locked


def move_in_feedback_send(*, batch: MoveInBatch, actor: User, now: dt.datetime | None = None) -> MoveInBatch:
    """MOVE-05: after the batch, summarise the problems raised in its inspections by category and send the
    summary to the managers (the departments concerned)."""
    require_cap(actor, batch.site_id, Cap.SERVICE_MANAGE)
    moment = now or timezone.now()
    rows = (
        Defect.objects.filter(inspection__handover__batch=batch)
        .values("category")
        .annotate(count=Count("id"))
        .order_by("category")
    )
    summary = {row["category"]: row["count"] for row in rows}
    with transaction.atomic():
        locked = _lock_batch(batch)
        locked.feedback_summary, locked.feedback_sent_at = summary, moment
        locked.save(update_fields=["feedback_summary", "feedback_sent_at"])
        audit_record(
            action="move_in_batch.feedback", actor=actor, site=locked.site_id, obj=locked, after=summary
        )
        body = "\n".join(f"{category}: {count}" for category, count in summary.items())
        recipients = managers(locked.site_id)
        transaction.on_commit(
            lambda: [
                notify(
                    recipient=user, site=locked.site_id, kind="handover.move_in_feedback",
                    title=_("Move-in feedback of %(batch)s") % {"batch": locked.name}, body=body,
                    link=reverse("handover-batch", args=[locked.pk]),
                    dedupe_key=f"handover.move_in_feedback:{locked.pk}:{moment.isoformat()}:{user.pk}",
                )
                for user in recipients
            ]
        )  # fmt: skip
    return locked
