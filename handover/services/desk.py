"""The property front desk (SVC-07) and its shift log (ROTA-08)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Unit
from handover.exceptions import HandoverStateConflict
from handover.models import DeskShiftLog, Priority, ServiceDeskEntry, WorkOrder
from handover.services.common import require_cap, require_text
from handover.services.work_orders import work_order_create_locked
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.models import Site, User
from salesoffice.core.roles import Cap

PASS_MAX_DAYS = 90


def _unit(site: Site, unit: Unit | None, *, required: bool) -> Unit | None:
    if unit is None and required:
        raise DomainError(_("Choose the unit."), code="required", fields={"unit": [_("Required.")]})
    if unit is not None and unit.site_id != site.pk:
        raise DomainError(_("Unknown unit."), code="wrong_site", fields={"unit": [_("Not found.")]})
    return unit


def desk_request_forward(
    *, site: Site, actor: User, unit: Unit, person_name: str, description: str, category: str,
    kind: str = WorkOrder.Kind.REPAIR, priority: str = Priority.NORMAL, reporter_phone: str = "",
    now: dt.datetime | None = None,
) -> ServiceDeskEntry:  # fmt: skip
    """SVC-07, D-FD-01: the desk records an owner's complaint, repair or help request and forwards it at
    once as a work order (SVC-01)."""
    require_cap(actor, site.pk, Cap.SERVICE_MANAGE)
    moment = now or timezone.now()
    _unit(site, unit, required=True)
    with transaction.atomic():
        order = work_order_create_locked(
            site=site, actor=actor, reporter_name=person_name, reporter_phone=reporter_phone, category=category,
            description=description, priority=priority, unit=unit, kind=kind, source=WorkOrder.Source.DESK, now=moment,
        )  # fmt: skip
        entry = ServiceDeskEntry.objects.create(
            site=site, kind=ServiceDeskEntry.Kind.REQUEST, unit=unit, person_name=order.reporter_name,
            description=order.description, work_order=order, recorded_by=actor, recorded_at=moment,
        )  # fmt: skip
        audit_record(
            action="desk.request", actor=actor, site=site, obj=entry, after={"work_order": order.number}
        )
    return entry


def desk_pass_issue(
    *, site: Site, actor: User, unit: Unit, person_name: str, description: str, valid_from: dt.date,
    valid_until: dt.date, now: dt.datetime | None = None,
) -> ServiceDeskEntry:  # fmt: skip
    """SVC-07: a temporary pass for a decoration worker (name, company or trade, unit, validity)."""
    require_cap(actor, site.pk, Cap.SERVICE_MANAGE)
    _unit(site, unit, required=True)
    person_name = require_text(person_name, "person_name", max_length=50)
    description = require_text(description, "description", max_length=1000)
    if valid_until < valid_from or (valid_until - valid_from).days > PASS_MAX_DAYS:
        message = _("A pass lasts from 1 to %(days)s days.") % {"days": PASS_MAX_DAYS}
        raise DomainError(message, code="invalid_dates", fields={"valid_until": [message]})
    with transaction.atomic():
        entry = ServiceDeskEntry.objects.create(
            site=site, kind=ServiceDeskEntry.Kind.PASS, unit=unit, person_name=person_name, description=description,
            valid_from=valid_from, valid_until=valid_until, recorded_by=actor, recorded_at=now or timezone.now(),
        )  # fmt: skip
        audit_record(action="desk.pass", actor=actor, site=site, obj=entry)
    return entry


def desk_goods_request(
    *, site: Site, actor: User, unit: Unit, person_name: str, description: str, now: dt.datetime | None = None
) -> ServiceDeskEntry:
    """SVC-07, D-FD-01: goods carried out by workers or a moving tenant are recorded, then verified with the
    owner before release."""
    require_cap(actor, site.pk, Cap.SERVICE_MANAGE)
    _unit(site, unit, required=True)
    person_name = require_text(person_name, "person_name", max_length=50)
    description = require_text(description, "description", max_length=1000)
    with transaction.atomic():
        entry = ServiceDeskEntry.objects.create(
            site=site, kind=ServiceDeskEntry.Kind.GOODS_RELEASE, unit=unit, person_name=person_name,
            description=description, recorded_by=actor, recorded_at=now or timezone.now(),
        )  # fmt: skip
        audit_record(action="desk.goods_request", actor=actor, site=site, obj=entry)
    return entry


def _lock_entry(entry: ServiceDeskEntry, kind: str) -> ServiceDeskEntry:
    locked = ServiceDeskEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.kind != kind:
        raise HandoverStateConflict(_("This entry is of another kind."))
    return locked


def desk_goods_verify(
    *, entry: ServiceDeskEntry, actor: User, verified_by: str, now: dt.datetime | None = None
) -> ServiceDeskEntry:
    """SVC-07: the owner agreed to the release (how it was verified: call, in person)."""
    require_cap(actor, entry.site_id, Cap.SERVICE_MANAGE)
    verified_by = require_text(verified_by, "owner_verified_by", max_length=100)
    with transaction.atomic():
        locked = _lock_entry(entry, ServiceDeskEntry.Kind.GOODS_RELEASE)
        if locked.verified_at is not None:
            raise HandoverStateConflict(_("Already verified."))
        locked.owner_verified_by, locked.verified_at = verified_by, now or timezone.now()
        locked.save(update_fields=["owner_verified_by", "verified_at"])
        audit_record(
            action="desk.goods_verify", actor=actor, site=locked.site_id, obj=locked, reason=verified_by
        )
    return locked


def desk_goods_release(
    *, entry: ServiceDeskEntry, actor: User, now: dt.datetime | None = None
) -> ServiceDeskEntry:
    """SVC-07: goods leave only after the owner agreed (a check constraint backs this)."""
    require_cap(actor, entry.site_id, Cap.SERVICE_MANAGE)
    with transaction.atomic():
        locked = _lock_entry(entry, ServiceDeskEntry.Kind.GOODS_RELEASE)
        if locked.verified_at is None:
            raise HandoverStateConflict(_("Verify with the owner first."))
        if locked.released_at is not None:
            raise HandoverStateConflict(_("Already released."))
        locked.released_at = now or timezone.now()
        locked.save(update_fields=["released_at"])
        audit_record(action="desk.goods_release", actor=actor, site=locked.site_id, obj=locked)
    return locked


def desk_mail_receive(
    *,
    site: Site,
    actor: User,
    unit: Unit,
    person_name: str,
    description: str = "",
    now: dt.datetime | None = None,
) -> ServiceDeskEntry:
    """SVC-07: mail received for an owner (addressee, what it is)."""
    require_cap(actor, site.pk, Cap.SERVICE_MANAGE)
    _unit(site, unit, required=True)
    person_name = require_text(person_name, "person_name", max_length=50)
    description = require_text(description, "description", max_length=1000, required=False)
    with transaction.atomic():
        entry = ServiceDeskEntry.objects.create(
            site=site, kind=ServiceDeskEntry.Kind.MAIL, unit=unit, person_name=person_name, description=description,
            recorded_by=actor, recorded_at=now or timezone.now(),
        )  # fmt: skip
        audit_record(action="desk.mail_receive", actor=actor, site=site, obj=entry)
    return entry


def desk_mail_hand_over(
    *, entry: ServiceDeskEntry, actor: User, handed_to: str, now: dt.datetime | None = None
) -> ServiceDeskEntry:
    """SVC-07: mail handed over, to whom and when."""
    require_cap(actor, entry.site_id, Cap.SERVICE_MANAGE)
    handed_to = require_text(handed_to, "handed_to", max_length=50)
    with transaction.atomic():
        locked = _lock_entry(entry, ServiceDeskEntry.Kind.MAIL)
        if locked.handed_over_at is not None:
            raise HandoverStateConflict(_("Already handed over."))
        locked.handed_to, locked.handed_over_at = handed_to, now or timezone.now()
        locked.save(update_fields=["handed_to", "handed_over_at"])
        audit_record(action="desk.mail_hand_over", actor=actor, site=locked.site_id, obj=locked)
    return locked


# --- Shift log (ROTA-08) ---


def desk_shift_write(
    *, site: Site, actor: User, text: str, pending: str = "", now: dt.datetime | None = None
) -> DeskShiftLog:
    """ROTA-08, D-FD-02: the outgoing person records what happened and what is pending (signed with user and
    time)."""
    require_cap(actor, site.pk, Cap.SERVICE_MANAGE)
    text = require_text(text, "text", max_length=5000)
    pending = require_text(pending, "pending", max_length=5000, required=False)
    with transaction.atomic():
        entry = DeskShiftLog.objects.create(
            site=site, outgoing=actor, text=text, pending=pending, created_at=now or timezone.now()
        )
        audit_record(action="desk_shift.write", actor=actor, site=site, obj=entry)
    return entry


def desk_shift_answer(
    *, entry: DeskShiftLog, actor: User, confirm: bool, reason: str = "", now: dt.datetime | None = None
) -> DeskShiftLog:
    """ROTA-08, D-FD-02: the incoming person confirms the handover, or refuses it with a reason (then the
    superior is told); the outgoing person cannot answer their own entry."""
    require_cap(actor, entry.site_id, Cap.SERVICE_MANAGE)
    reason = require_text(reason, "reason", max_length=2000, required=not confirm)
    with transaction.atomic():
        locked = DeskShiftLog.objects.select_for_update().get(pk=entry.pk)
        if locked.status != DeskShiftLog.Status.PENDING:
            raise HandoverStateConflict(_("This handover has already been answered."))
        if locked.outgoing_id == actor.pk:
            raise DomainError(
                _("The incoming person answers the handover, not the outgoing one."), code="own_entry"
            )
        locked.incoming, locked.answered_at = actor, now or timezone.now()
        locked.status = DeskShiftLog.Status.CONFIRMED if confirm else DeskShiftLog.Status.REFUSED
        locked.refusal_reason = "" if confirm else reason
        locked.save(update_fields=["incoming", "answered_at", "status", "refusal_reason"])
        audit_record(
            action=f"desk_shift.{locked.status}", actor=actor, site=locked.site_id, obj=locked, reason=reason
        )
    return locked


def desk_shift_review(*, entry: DeskShiftLog, actor: User, now: dt.datetime | None = None) -> DeskShiftLog:
    """ROTA-08, D-FD-03: the manager's daily review."""
    if not access.is_manager(actor, entry.site_id):
        raise NotAllowed(_("Only the site manager reviews the shift log."))
    with transaction.atomic():
        locked = DeskShiftLog.objects.select_for_update().get(pk=entry.pk)
        if locked.reviewed_at is not None:
            raise HandoverStateConflict(_("Already reviewed."))
        locked.reviewed_by, locked.reviewed_at = actor, now or timezone.now()
        locked.save(update_fields=["reviewed_by", "reviewed_at"])
        audit_record(action="desk_shift.review", actor=actor, site=locked.site_id, obj=locked)
    return locked
