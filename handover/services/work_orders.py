"""Work orders (SVC-01..04): creation with a gap-free number, warranty and due times; dispatch by area,
skill and load; progress through ``WORK_ORDER_TRANSITIONS``; photos; SLA escalation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Unit
from handover import rules
from handover.exceptions import NoWorkerAvailable
from handover.models import (
    HandoverRecord,
    Priority,
    RepairWorker,
    ReturnVisit,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
)
from handover.services.common import (
    local_date,
    require_cap,
    require_choice,
    require_text,
    roles_of,
    service_staff,
    service_targets,
    table_next,
)
from salesoffice.core.audit import audit_record
from salesoffice.core.counters import counter_next
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.models import Site, User
from salesoffice.core.phones import InvalidPhone, normalize_phone
from salesoffice.core.roles import Cap
from salesoffice.core.services import notify

OPEN_STATUSES = (WorkOrder.Status.ASSIGNED, WorkOrder.Status.IN_PROGRESS, WorkOrder.Status.WAITING)
UNFINISHED_STATUSES = (WorkOrder.Status.NEW, WorkOrder.Status.REOPENED, *OPEN_STATUSES)
RETURN_VISIT_DAYS = 3
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def work_order_number(*, site: Site, day: dt.date) -> str:
    """SVC-01: site prefix + date + sequence (``BJ1-20261123-0001``), gap-free per site and day; taken in
    the caller's transaction so a rolled-back creation gives its number back."""
    sequence = counter_next(scope=f"workorder:{site.pk}:{day:%Y%m%d}")
    return f"{site.code.upper()}-{day:%Y%m%d}-{sequence:04d}"


def _warranty(*, unit: Unit | None, category: str, reported_on: dt.date) -> rules.WarrantyVerdict | None:
    if unit is None or category not in rules.DEFAULT_WARRANTY_TERMS:
        return None
    handed_over_on = (
        HandoverRecord.objects.filter(unit=unit, status=HandoverRecord.Status.COMPLETE)
        .values_list("handed_over_on", flat=True)
        .first()
    )
    if handed_over_on is None:
        return None
    return rules.warranty_check(category=category, handed_over_on=handed_over_on, reported_on=reported_on)


def _event(
    order: WorkOrder, *, action: str, source: str, actor: User | None, at: dt.datetime, note: str = "",
    worker: RepairWorker | None = None,
) -> WorkOrderEvent:  # fmt: skip
    return WorkOrderEvent.objects.create(
        work_order=order, action=action, from_status=source, to_status=order.status, actor=actor,
        worker=worker, note=note[:500], at=at,
    )  # fmt: skip


def work_order_create_locked(
    *,
    site: Site,
    actor: User,
    reporter_name: str,
    category: str,
    description: str,
    priority: str = Priority.NORMAL,
    reporter_phone: str = "",
    unit: Unit | None = None,
    customer: Any = None,
    kind: str = WorkOrder.Kind.REPAIR,
    source: str = WorkOrder.Source.DESK,
    area: str = "",
    min_level: int = 1,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """SVC-01 inside the caller's transaction (the desk and the inspection create orders with their own
    records)."""
    moment = now or timezone.now()
    reporter_name = require_text(reporter_name, "reporter_name", max_length=50)
    description = require_text(description, "description", max_length=2000)
    require_choice(category, "category", WorkOrder.Category.values)
    require_choice(priority, "priority", Priority.values)
    require_choice(kind, "kind", WorkOrder.Kind.values)
    require_choice(source, "source", WorkOrder.Source.values)
    if not 1 <= int(min_level) <= 5:
        raise DomainError(
            _("Choose a level from 1 to 5."), code="invalid_level", fields={"min_level": [_("Out of range.")]}
        )
    phone = ""
    if reporter_phone.strip():
        try:
            phone = normalize_phone(reporter_phone).e164
        except InvalidPhone as error:
            message = _("Enter a valid phone number.")
            raise DomainError(message, code="invalid_phone", fields={"reporter_phone": [message]}) from error
    if unit is not None and unit.site_id != site.pk:
        raise DomainError(_("Unknown unit."), code="wrong_site", fields={"unit": [_("Not found.")]})
    if customer is not None and customer.site_id != site.pk:
        raise DomainError(_("Unknown customer."), code="wrong_site", fields={"customer": [_("Not found.")]})
    area = require_text(area or (unit.building.name if unit is not None else ""), "area", max_length=50)
    day = local_date(moment, site.pk)
    try:
        due = rules.sla_due(created_at=moment, priority=priority, targets=service_targets(site.pk))
    except rules.UnknownPriority as error:
        raise DomainError(
            _("Unknown priority."), code=error.code, fields={"priority": [_("Unknown.")]}
        ) from error
    warranty = _warranty(unit=unit, category=category, reported_on=day)
    order = WorkOrder.objects.create(
        site=site, number=work_order_number(site=site, day=day), kind=kind, source=source, created_at=moment,
        created_by=actor, reporter_name=reporter_name, reporter_phone=phone, customer=customer, unit=unit,
        area=area, category=category, min_level=int(min_level), description=description, priority=priority,
        respond_by=due.respond_by, complete_by=due.complete_by,
        chargeable=warranty.chargeable if warranty else False,
        warranty_until=warranty.covered_until if warranty else None,
    )  # fmt: skip
    _event(order, action="create", source="", actor=actor, at=moment)
    audit_record(
        action="work_order.create", actor=actor, site=site, obj=order,
        after={"number": order.number, "category": category, "priority": priority, "chargeable": order.chargeable},
    )  # fmt: skip
    return order


def work_order_create(**kwargs: Any) -> WorkOrder:
    """SVC-01, SVC-02, SVC-04: customer service records a request as a work order with a unique number (site
    prefix + date + sequence), due times from the priority's targets and, for a handed-over unit, whether the
    repair is outside the category's warranty (chargeable)."""
    require_cap(kwargs["actor"], kwargs["site"].pk, Cap.SERVICE_MANAGE)
    with transaction.atomic():
        return work_order_create_locked(**kwargs)


def _lock(order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.select_for_update().get(pk=order.pk)


def worker_candidates(*, site_id: int) -> list[rules.RepairWorker]:
    """SVC-02: the site's workers with their open load, counted in one query."""
    rows = (
        RepairWorker.objects.filter(site_id=site_id, user__is_active=True)
        .annotate(open_orders=Count("work_orders", filter=Q(work_orders__status__in=OPEN_STATUSES)))
        .order_by("pk")
    )
    return [
        rules.RepairWorker(
            worker_id=row.pk,
            areas=frozenset(row.areas),
            skills={k: int(v) for k, v in row.skills.items()},
            open_orders=row.open_orders,
            available=row.available,
        )
        for row in rows
    ]


def work_order_dispatch(
    *,
    work_order: WorkOrder,
    actor: User,
    worker: RepairWorker | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> WorkOrder:
    """SVC-02: assign a repair worker who serves the order's area with the category's skill at the needed
    level, the least loaded first (``rules.choose_worker``); the dispatcher may name another worker instead,
    with a reason (logged as an override)."""
    moment = now or timezone.now()
    with transaction.atomic():
        order = _lock(work_order)
        source = order.status
        target = table_next(
            table=rules.WORK_ORDER_TRANSITIONS, current=source, action=rules.WorkOrderAction.ASSIGN,
            roles=roles_of(actor, order.site_id),
        )  # fmt: skip
        if worker is None:
            try:
                chosen = rules.choose_worker(
                    workers=worker_candidates(site_id=order.site_id), area=order.area, skill=order.category,
                    min_level=order.min_level,
                )  # fmt: skip
            except rules.NoEligibleWorker as error:
                raise NoWorkerAvailable(
                    _("No available worker serves %(area)s with this skill; choose one by hand.")
                    % {"area": order.area}
                ) from error
            assigned = RepairWorker.objects.get(pk=chosen.worker_id)
            note = ""
        else:
            if worker.site_id != order.site_id:
                raise DomainError(
                    _("Unknown worker."), code="wrong_site", fields={"worker": [_("Not found.")]}
                )
            note = require_text(reason, "reason", max_length=500)
            assigned = worker
        order.worker = assigned
        order.status = target
        order.save(update_fields=["worker", "status"])
        event = _event(
            order, action="override" if worker is not None else "assign", source=source, actor=actor,
            at=moment, note=note, worker=assigned,
        )  # fmt: skip
        audit_record(
            action="work_order.assign", actor=actor, site=order.site_id, obj=order,
            before={"status": source}, after={"status": target, "worker": assigned.pk, "override": worker is not None},
            reason=note,
        )  # fmt: skip
        recipient = assigned.user
        transaction.on_commit(
            lambda: notify(
                recipient=recipient, site=order.site_id, kind="handover.work_order_assigned",
                title=_("Work order %(number)s assigned to you") % {"number": order.number},
                link=reverse("handover-work-order", args=[order.pk]),
                dedupe_key=f"handover.work_order_assigned:{event.pk}",
            )
        )  # fmt: skip
    return order


_STEP_STAMPS = {
    rules.WorkOrderAction.START: "responded_at",
    rules.WorkOrderAction.FINISH: "completed_at",
    rules.WorkOrderAction.CONFIRM: "confirmed_at",
    rules.WorkOrderAction.CLOSE: "closed_at",
}
_WORKER_ACTIONS = frozenset(
    {
        rules.WorkOrderAction.START,
        rules.WorkOrderAction.WAIT,
        rules.WorkOrderAction.RESUME,
        rules.WorkOrderAction.FINISH,
    }
)


def work_order_step(
    *, work_order: WorkOrder, actor: User, action: str, note: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """SVC-03: one progress step checked against ``WORK_ORDER_TRANSITIONS``: the assigned worker starts,
    waits (parts or owner), resumes and finishes; customer service records the owner's confirmation;
    a dispatcher closes or reopens (with a reason). Each step records who, when and the note."""
    moment = now or timezone.now()
    require_choice(
        action,
        "action",
        [item.value for item in rules.WorkOrderAction if item != rules.WorkOrderAction.ASSIGN],
    )
    note = require_text(
        note,
        "note",
        max_length=500,
        required=action in (rules.WorkOrderAction.REOPEN, rules.WorkOrderAction.WAIT),
    )
    with transaction.atomic():
        order = _lock(work_order)
        source = order.status
        roles = roles_of(actor, order.site_id)
        # Only the assigned worker moves the job itself (SEC-01: R/U assigned).
        if action in _WORKER_ACTIONS and (order.worker is None or order.worker.user_id != actor.pk):
            raise NotAllowed(_("Only the assigned worker may do this."))
        target = table_next(table=rules.WORK_ORDER_TRANSITIONS, current=source, action=action, roles=roles)
        fields = ["status"]
        order.status = target
        stamp = _STEP_STAMPS.get(rules.WorkOrderAction(action))
        if stamp and not (stamp == "responded_at" and order.responded_at):
            setattr(order, stamp, moment)
            fields.append(stamp)
        if action == rules.WorkOrderAction.REOPEN:
            order.reopen_count += 1
            order.completed_at = order.confirmed_at = order.closed_at = None
            fields += ["reopen_count", "completed_at", "confirmed_at", "closed_at"]
        order.save(update_fields=fields)
        event = _event(order, action=action, source=source, actor=actor, at=moment, note=note)
        audit_record(
            action=f"work_order.{action}", actor=actor, site=order.site_id, obj=order,
            before={"status": source}, after={"status": target}, reason=note,
        )  # fmt: skip
        if action == rules.WorkOrderAction.CLOSE:
            return_visit_for_order(order=order, now=moment)
        if action == rules.WorkOrderAction.FINISH:
            _tell_service(order, event, _("Work order %(number)s is done; confirm with the owner."))
        if action == rules.WorkOrderAction.REOPEN and order.worker is not None:
            recipient = order.worker.user
            transaction.on_commit(
                lambda: notify(
                    recipient=recipient, site=order.site_id, kind="handover.work_order_reopened",
                    title=_("Work order %(number)s was reopened") % {"number": order.number},
                    link=reverse("handover-work-order", args=[order.pk]),
                    dedupe_key=f"handover.work_order_reopened:{event.pk}",
                )
            )  # fmt: skip
    return order


def _tell_service(order: WorkOrder, event: WorkOrderEvent, title: str) -> None:
    site_id, number, pk = order.site_id, order.number, order.pk

    def send() -> None:
        for user in service_staff(site_id):
            notify(
                recipient=user, site=site_id, kind="handover.work_order", title=title % {"number": number},
                link=reverse("handover-work-order", args=[pk]), dedupe_key=f"handover.work_order:{event.pk}:{user.pk}",
            )  # fmt: skip

    transaction.on_commit(send)


def return_visit_for_order(*, order: WorkOrder, now: dt.datetime) -> ReturnVisit:
    """SVC-06: one return visit per closed work order, due a few days after closing."""
    visit, _created = ReturnVisit.objects.get_or_create(
        work_order=order,
        defaults={
            "site_id": order.site_id, "kind": ReturnVisit.Kind.WORK_ORDER, "customer": order.customer,
            "unit": order.unit, "due_on": local_date(now, order.site_id) + dt.timedelta(days=RETURN_VISIT_DAYS),
            "created_at": now,
        },
    )  # fmt: skip
    return visit


def photo_kind(content: bytes) -> str | None:
    """SEC-07: the type of an upload from its first bytes, never from its name or declared type."""
    if content.startswith(JPEG_MAGIC):
        return "image/jpeg"
    if content.startswith(PNG_MAGIC):
        return "image/png"
    return None


def work_order_photo_check(content: bytes) -> str:
    """SEC-07: the photo's type, or a 400 when it is too large or not a JPEG or PNG by content."""
    if len(content) > settings.UPLOAD_MAX_BYTES:
        message = _("The photo is larger than %(size)s MB.") % {
            "size": settings.UPLOAD_MAX_BYTES // (1024 * 1024)
        }
        raise DomainError(message, code="file_too_large", fields={"photo": [message]})
    kind = photo_kind(content)
    if kind is None:
        message = _("Upload a JPEG or PNG photo.")
        raise DomainError(message, code="file_type", fields={"photo": [message]})
    return kind


def work_order_photo_add(
    *, work_order: WorkOrder, actor: User, content: bytes, now: dt.datetime | None = None
) -> WorkOrderPhoto:
    """SVC-01, SEC-07: attach a photo, JPEG or PNG by content and at most ``UPLOAD_MAX_BYTES``; customer
    service or the assigned worker."""
    is_worker = work_order.worker is not None and work_order.worker.user_id == actor.pk
    if not is_worker:
        require_cap(actor, work_order.site_id, Cap.SERVICE_MANAGE)
    kind = work_order_photo_check(content)
    with transaction.atomic():
        photo = WorkOrderPhoto.objects.create(
            work_order=work_order, content_type=kind, content=content, size=len(content), uploaded_by=actor,
            uploaded_at=now or timezone.now(),
        )  # fmt: skip
        audit_record(
            action="work_order.photo",
            actor=actor,
            site=work_order.site_id,
            obj=photo,
            after={"size": len(content)},
        )
    return photo


def repair_worker_save(
    *, site: Site, actor: User, user: User, areas: list[str], skills: dict[str, int], available: bool = True
) -> RepairWorker:
    """SVC-02: a repair worker's service areas and skills with levels (1 to 5)."""
    require_cap(actor, site.pk, Cap.SERVICE_MANAGE)
    cleaned_areas = sorted({require_text(str(area), "areas", max_length=50) for area in areas})
    if not cleaned_areas:
        raise DomainError(_("Name at least one area."), code="required", fields={"areas": [_("Required.")]})
    cleaned_skills: dict[str, int] = {}
    for skill, level in skills.items():
        require_choice(skill, "skills", WorkOrder.Category.values)
        if not isinstance(level, int) or not 1 <= level <= 5:
            raise DomainError(
                _("Levels go from 1 to 5."), code="invalid_level", fields={"skills": [_("Out of range.")]}
            )
        cleaned_skills[skill] = level
    from salesoffice.core import access

    if not access.works_at(user.pk, site.pk):
        raise DomainError(_("Unknown staff member."), code="wrong_site", fields={"user": [_("Not found.")]})
    with transaction.atomic():
        worker, created = RepairWorker.objects.select_for_update().get_or_create(
            site=site,
            user=user,
            defaults={"areas": cleaned_areas, "skills": cleaned_skills, "available": available},
        )
        if not created:
            worker.areas, worker.skills, worker.available = cleaned_areas, cleaned_skills, available
            worker.save(update_fields=["areas", "skills", "available"])
        audit_record(
            action="repair_worker.save", actor=actor, site=site, obj=worker,
            after={"areas": cleaned_areas, "skills": cleaned_skills, "available": available},
        )  # fmt: skip
    return worker


def work_order_escalations_send(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """SVC-02: tell customer service and the managers, once per missed target, of orders not responded to
    or not completed by their due times. Rows are claimed with ``FOR UPDATE SKIP LOCKED`` and stamped, so
    the job may run twice, late or in parallel (R4)."""
    moment = now or timezone.now()
    sent = 0
    late_response = Q(responded_at__isnull=True, respond_by__lt=moment, response_escalated_at__isnull=True)
    late_completion = Q(
        completed_at__isnull=True, complete_by__lt=moment, completion_escalated_at__isnull=True
    )
    while True:
        with transaction.atomic():
            rows = list(
                WorkOrder.objects.select_for_update(skip_locked=True)
                .filter(status__in=UNFINISHED_STATUSES)
                .filter(late_response | late_completion)
                .order_by("complete_by")[:batch]
            )
            if not rows:
                return sent
            for order in rows:
                breach = rules.sla_breach(
                    due=rules.SlaDue(respond_by=order.respond_by, complete_by=order.complete_by), now=moment,
                    responded_at=order.responded_at, completed_at=order.completed_at,
                )  # fmt: skip
                kinds = []
                if breach.response_late and order.response_escalated_at is None:
                    order.response_escalated_at = moment
                    kinds.append("response")
                if breach.completion_late and order.completion_escalated_at is None:
                    order.completion_escalated_at = moment
                    kinds.append("completion")
                order.save(update_fields=["response_escalated_at", "completion_escalated_at"])
                for kind in kinds:
                    _event(order, action=f"escalate_{kind}", source=order.status, actor=None, at=moment)
                    for user in service_staff(order.site_id):
                        notify(
                            recipient=user, site=order.site_id, kind="handover.work_order_overdue",
                            title=_("Work order %(number)s is overdue (%(kind)s)") % {"number": order.number, "kind": kind},
                            link=reverse("handover-work-order", args=[order.pk]),
                            dedupe_key=f"handover.work_order_overdue:{order.pk}:{kind}:{user.pk}",
                        )  # fmt: skip
                    sent += 1
