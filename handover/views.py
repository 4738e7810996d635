"""Handover and after-sales pages (htmx, tablet and phone friendly): work orders and the repair worker's
own list, move-in batches and notices, the handover-day checklist and inspection, area settlement,
certificates, complaints, return visits and surveys, the property front desk with its shift log, and the
service statistics. Visibility is decided by ``access`` and ``handover.selectors``; every write calls one
service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from customers.selectors import customer_get_for_user
from deals.models import Contract
from handover import documents, rules, selectors, services
from handover.apis import statistics_period
from handover.models import (
    Complaint,
    HandoverItem,
    Inspection,
    MoveInSlot,
    Priority,
    ServiceDeskEntry,
    WorkOrder,
    WorkOrderPhoto,
)
from handover.services.certificates import certificate_deadline
from handover.services.work_orders import worker_candidates
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import User
from salesoffice.core.roles import Cap
from salesoffice.core.workspace import require_current_site

PAGE = 100


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _attempt(request: HttpRequest, call: Callable[[], Any], success: str) -> Any:
    """Run one service; a refusal becomes a message on the page (the HTML error path of STYLE 7)."""
    try:
        result = call()
    except DomainError as error:
        details = "; ".join(f"{field}: {', '.join(map(str, items))}" for field, items in error.fields.items())
        messages.error(request, f"{error.message} {details}".strip())
        return None
    messages.success(request, success)
    return result


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _contract_by_number(request: HttpRequest, site_id: int, number: str) -> Contract | None:
    contract = (
        Contract.objects.filter(site_id=site_id, number=(number or "").strip())
        .select_related("deal__customer")
        .first()
    )
    if contract is None:
        messages.error(request, _("No contract with this number."))
    return contract


def _unit_from(request: HttpRequest, site_id: int) -> Any:
    try:
        return selectors.unit_get(site_id=site_id, unit_id=request.POST.get("unit"))
    except Http404:
        return None


def _units(site_id: int) -> Any:
    from deals.models import Unit

    return (
        Unit.objects.filter(site_id=site_id)
        .select_related("building")
        .order_by("building__name", "floor", "number")[:500]
    )


# --- Work orders (SVC-01..04) ---


@login_required
def work_orders(request: HttpRequest) -> HttpResponse:
    """SVC-01: the site's work orders (newest first) and the form to record one."""
    site = require_current_site(request)
    orders = selectors.work_order_list(user=request.user, site=site)
    wanted = request.GET.get("status", "")
    if wanted in WorkOrder.Status.values:
        orders = orders.filter(status=wanted)
    can_manage = selectors.can_manage(request.user, site.pk)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        unit = _unit_from(request, site.pk)
        order = _attempt(
            request,
            lambda: services.work_order_create(
                site=site, actor=_staff(request), reporter_name=request.POST.get("reporter_name", ""),
                reporter_phone=request.POST.get("reporter_phone", ""), unit=unit,
                category=request.POST.get("category", ""), description=request.POST.get("description", ""),
                priority=request.POST.get("priority", Priority.NORMAL), kind=request.POST.get("kind", WorkOrder.Kind.REPAIR),
                source=request.POST.get("source", WorkOrder.Source.PHONE), area=request.POST.get("area", ""),
            ),
            _("Work order recorded."),
        )  # fmt: skip
        if order is not None:
            return redirect("handover-work-order", order.pk)
    return render(request, "handover/work_orders.html", {
        "site": site, "orders": orders[:PAGE], "statuses": WorkOrder.Status.choices, "wanted": wanted,
        "can_manage": can_manage, "categories": WorkOrder.Category.choices, "priorities": Priority.choices,
        "kinds": WorkOrder.Kind.choices, "sources": WorkOrder.Source.choices, "units": _units(site.pk) if can_manage else [],
        "now": timezone.now(),
    })  # fmt: skip


_STEP_LABELS: dict[str, str] = {
    rules.WorkOrderAction.START: _("Start"),
    rules.WorkOrderAction.WAIT: _("Wait"),
    rules.WorkOrderAction.RESUME: _("Resume"),
    rules.WorkOrderAction.FINISH: _("Done"),
    rules.WorkOrderAction.CONFIRM: _("Owner confirmed"),
    rules.WorkOrderAction.CLOSE: _("Close"),
    rules.WorkOrderAction.REOPEN: _("Reopen"),
}


def _available_steps(user: Any, order: WorkOrder) -> list[str]:
    roles = [role.value for role in access.roles_at(user, order.site_id)]
    steps = []
    for action in rules.WORK_ORDER_TRANSITIONS.actions_from(order.status):
        if action == rules.WorkOrderAction.ASSIGN:
            continue
        transition = rules.WORK_ORDER_TRANSITIONS.find(source=order.status, action=action)
        if transition is None or not transition.roles & set(roles):
            continue
        is_worker_step = action in (
            rules.WorkOrderAction.START,
            rules.WorkOrderAction.WAIT,
            rules.WorkOrderAction.RESUME,
            rules.WorkOrderAction.FINISH,
        )
        if is_worker_step and not (order.worker and order.worker.user_id == user.pk):
            continue
        steps.append(action)
    return steps


@login_required
@require_GET
def work_order_detail(request: HttpRequest, work_order_id: int) -> HttpResponse:
    """SVC-03: one work order with its events, photos and the steps the user may take."""
    order = selectors.work_order_get(user=request.user, work_order_id=work_order_id)
    name, phone = selectors.reporter_contact(user=request.user, order=order)
    roles = {role.value for role in access.roles_at(request.user, order.site_id)}
    assign = rules.WORK_ORDER_TRANSITIONS.find(source=order.status, action=rules.WorkOrderAction.ASSIGN)
    can_dispatch = assign is not None and bool(roles & assign.roles)
    return render(request, "handover/work_order.html", {
        "order": order, "reporter_name": name, "reporter_phone": phone, "events": selectors.work_order_events(order=order),
        "photos": order.photos.only("id", "uploaded_at", "size"), "steps": [(step, _STEP_LABELS[step]) for step in _available_steps(request.user, order)],
        "can_dispatch": can_dispatch, "workers": selectors.repair_worker_list(user=request.user, site=order.site_id) if can_dispatch else [],
        "can_upload": selectors.can_manage(request.user, order.site_id) or bool(order.worker and order.worker.user_id == request.user.pk),
        "defect": getattr(order, "defect", None) if order.source == WorkOrder.Source.INSPECTION else None,
    })  # fmt: skip


@login_required
@require_POST
def work_order_dispatch(request: HttpRequest, work_order_id: int) -> HttpResponse:
    """SVC-02: dispatch automatically, or to a named worker with a reason."""
    order = selectors.work_order_get(user=request.user, work_order_id=work_order_id)
    worker = None
    if request.POST.get("worker"):
        worker = selectors.repair_worker_get(
            user=request.user, site_id=order.site_id, worker_id=request.POST["worker"]
        )
    _attempt(
        request,
        lambda: services.work_order_dispatch(
            work_order=order, actor=_staff(request), worker=worker, reason=request.POST.get("reason", "")
        ),
        _("Work order dispatched."),
    )
    return redirect("handover-work-order", order.pk)


@login_required
@require_POST
def work_order_step(request: HttpRequest, work_order_id: int, action: str) -> HttpResponse:
    """SVC-03: one progress step; from the worker's phone list the answer is the refreshed card."""
    order = selectors.work_order_get(user=request.user, work_order_id=work_order_id)
    if action not in _STEP_LABELS:
        raise Http404
    order = (
        _attempt(
            request,
            lambda: services.work_order_step(
                work_order=order, actor=_staff(request), action=action, note=request.POST.get("note", "")
            ),
            _("Work order updated."),
        )
        or order
    )
    if request.headers.get("HX-Request"):
        order = selectors.work_order_get(user=request.user, work_order_id=work_order_id)
        return render(
            request,
            "handover/_job_card.html",
            {"order": order, "steps": [(s, _STEP_LABELS[s]) for s in _available_steps(request.user, order)]},
        )
    if request.POST.get("next") == "my-orders":
        return redirect("handover-my-orders")
    return redirect("handover-work-order", work_order_id)


@login_required
@require_POST
def work_order_photo_upload(request: HttpRequest, work_order_id: int) -> HttpResponse:
    """SVC-01, SEC-07: attach a photo (JPEG/PNG by content, size-limited)."""
    from django.conf import settings

    order = selectors.work_order_get(user=request.user, work_order_id=work_order_id)
    upload = request.FILES.get("photo")
    if upload is None:
        messages.error(request, _("Choose a photo."))
    else:
        content = upload.read(settings.UPLOAD_MAX_BYTES + 1)
        _attempt(
            request,
            lambda: services.work_order_photo_add(work_order=order, actor=_staff(request), content=content),
            _("Photo added."),
        )
    return redirect("handover-work-order", order.pk)


@login_required
@require_GET
def work_order_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = (
        WorkOrderPhoto.objects.filter(pk=_int(photo_id) or 0)
        .only("work_order_id", "content_type", "content")
        .first()
    )
    if photo is None:
        raise Http404
    selectors.work_order_get(user=request.user, work_order_id=photo.work_order_id)
    response = HttpResponse(bytes(photo.content), content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def my_orders(request: HttpRequest) -> HttpResponse:
    """SVC-03: the repair worker's own open jobs on the phone, with big start / wait / done buttons."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.WORKORDERS_ASSIGNED)
    orders = list(
        selectors.work_order_list(user=request.user, site=site)
        .filter(worker__user=_staff(request))
        .exclude(status__in=[WorkOrder.Status.CLOSED, WorkOrder.Status.CONFIRMED])
        .order_by("complete_by")[:PAGE]
    )
    cards = [
        {"order": order, "steps": [(s, _STEP_LABELS[s]) for s in _available_steps(request.user, order)]}
        for order in orders
    ]
    return render(request, "handover/my_orders.html", {"cards": cards, "site": site})


@login_required
def workers(request: HttpRequest) -> HttpResponse:
    """SVC-02: repair workers with their areas, skills and open load."""
    site = require_current_site(request)
    rows = selectors.repair_worker_list(user=request.user, site=site)
    if request.method == "POST":
        user = User.objects.filter(pk=_int(request.POST.get("user")) or 0).first()
        skills = {}
        for category in WorkOrder.Category.values:
            level = _int(request.POST.get(f"skill_{category}"))
            if level:
                skills[category] = level
        if user is not None:
            _attempt(
                request,
                lambda: services.repair_worker_save(
                    site=site, actor=_staff(request), user=user,
                    areas=[area.strip() for area in request.POST.get("areas", "").split(",") if area.strip()],
                    skills=skills, available=request.POST.get("available") == "on",
                ),
                _("Worker saved."),
            )  # fmt: skip
        return redirect("handover-workers")
    load = {candidate.worker_id: candidate.open_orders for candidate in worker_candidates(site_id=site.pk)}
    from salesoffice.core.models import Membership

    repair_users = User.objects.filter(
        memberships__site=site, memberships__role=Membership.RoleChoice.REPAIR, memberships__is_active=True
    )
    return render(request, "handover/workers.html", {
        "rows": [(row, load.get(row.pk, 0)) for row in rows], "repair_users": repair_users,
        "categories": WorkOrder.Category.choices, "can_manage": selectors.can_manage(request.user, site.pk),
    })  # fmt: skip


# --- Move-in (MOVE-01..05) ---


@login_required
def batches(request: HttpRequest) -> HttpResponse:
    """MOVE-01: the site's move-in batches and the form to plan one."""
    site = require_current_site(request)
    rows = selectors.batch_list(user=request.user, site=site)
    if request.method == "POST":
        start, end = _date(request.POST.get("planned_start")), _date(request.POST.get("planned_end"))
        if start is None or end is None:
            messages.error(request, _("Enter the planned dates."))
        else:
            batch = _attempt(
                request,
                lambda: services.move_in_batch_create(
                    site=site, actor=_staff(request), name=request.POST.get("name", ""), planned_start=start, planned_end=end,
                    slot_capacity=_int(request.POST.get("slot_capacity")) or 4,
                    property_fee_per_m2=request.POST.get("property_fee_per_m2") or "0",
                    maintenance_fund_per_m2=request.POST.get("maintenance_fund_per_m2") or "0",
                    certificate_fees=request.POST.get("certificate_fees") or "0",
                ),
                _("Batch planned."),
            )  # fmt: skip
            if batch is not None:
                return redirect("handover-batch", batch.pk)
    return render(
        request,
        "handover/batches.html",
        {"rows": rows[:PAGE], "can_manage": selectors.can_manage(request.user, site.pk)},
    )


@login_required
@require_GET
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    """MOVE-01/02: the batch: documents, working group, list, slots, notices, bookings and handovers."""
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    slots = list(batch.slots.all())
    return render(request, "handover/batch.html", {
        "batch": batch, "rows": selectors.batch_rows(batch=batch), "slots": slots,
        "documents": [(code, label, batch.documents.get(code)) for code, label in batch.DOCUMENTS],
        "can_manage": selectors.can_manage(request.user, batch.site_id), "is_manager": access.is_manager(request.user, batch.site_id),
        "staff": User.objects.filter(memberships__site_id=batch.site_id, memberships__is_active=True).distinct().order_by("username")[:200],
    })  # fmt: skip


@login_required
@require_POST
def batch_action(request: HttpRequest, batch_id: int, verb: str) -> HttpResponse:
    """MOVE-01/02/05: the batch's verbs."""
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    actor = _staff(request)
    post = request.POST
    if verb == "documents":
        ready = {code: post.get(code) for code, _label in batch.DOCUMENTS if post.get(code)}
        member = _int(post.get("member"))
        group = [*batch.working_group, {"user": member, "duty": post.get("duty", "")}] if member else None
        _attempt(
            request,
            lambda: services.move_in_batch_update(
                batch=batch,
                actor=actor,
                documents_ready=ready,
                working_group=group,
                group_formed_on=_date(post.get("group_formed_on")),
            ),
            _("Batch updated."),
        )
    elif verb == "units":
        contracts = [
            c
            for c in (
                _contract_by_number(request, batch.site_id, n)
                for n in post.get("contracts", "").replace("，", ",").split(",")
                if n.strip()
            )
            if c
        ]
        if contracts:
            _attempt(
                request,
                lambda: services.move_in_batch_units_add(batch=batch, actor=actor, contracts=contracts),
                _("Units added."),
            )
    elif verb == "approve":
        _attempt(
            request,
            lambda: services.move_in_batch_approve(batch=batch, actor=actor),
            _("Move-in list approved."),
        )
    elif verb == "slot":
        starts, ends = parse_datetime(post.get("starts_at", "")), parse_datetime(post.get("ends_at", ""))
        if starts is None or ends is None:
            messages.error(request, _("Enter the slot's start and end."))
        else:
            zone = timezone.get_current_timezone()
            starts, ends = (
                value if timezone.is_aware(value) else value.replace(tzinfo=zone) for value in (starts, ends)
            )
            _attempt(
                request,
                lambda: services.move_in_slot_create(
                    batch=batch,
                    actor=actor,
                    starts_at=starts,
                    ends_at=ends,
                    capacity=_int(post.get("capacity")),
                ),
                _("Slot added."),
            )
    elif verb == "notices":
        _attempt(request, lambda: services.move_in_notices_send(batch=batch, actor=actor), _("Notices sent."))
    elif verb == "book":
        slot = MoveInSlot.objects.filter(pk=_int(post.get("slot")) or 0, batch=batch).first()
        contract = Contract.objects.filter(pk=_int(post.get("contract")) or 0, site_id=batch.site_id).first()
        if slot is None or contract is None:
            messages.error(request, _("Choose a slot."))
        else:
            _attempt(
                request,
                lambda: services.slot_book(slot=slot, contract=contract, actor=actor),
                _("Slot booked."),
            )
    elif verb == "feedback":
        _attempt(
            request,
            lambda: services.move_in_feedback_send(batch=batch, actor=actor),
            _("Feedback summary sent."),
        )
    else:
        raise Http404
    return redirect("handover-batch", batch.pk)


@login_required
@require_GET
def notice_pdf(request: HttpRequest, notice_id: int) -> HttpResponse:
    """MOVE-02: the move-in notice as sent (PDF); the download is audited (SEC-03)."""
    notice = selectors.notice_get(user=request.user, notice_id=notice_id)
    audit_record(action="export.move_in_notice", actor=request.user, site=notice.site_id, obj=notice)
    response = HttpResponse(bytes(notice.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response


# --- Handover day (MOVE-03/04) ---


@login_required
def handovers(request: HttpRequest) -> HttpResponse:
    """MOVE-03: handovers of the site; open one by contract number."""
    site = require_current_site(request)
    rows = selectors.handover_list(user=request.user, site=site)
    return render(
        request,
        "handover/handovers.html",
        {"rows": rows[:PAGE], "can_manage": selectors.can_manage(request.user, site.pk)},
    )


@login_required
@require_POST
def handover_open(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = selectors.contract_get(user=request.user, contract_id=contract_id)
    record = _attempt(
        request,
        lambda: services.handover_start(contract=contract, actor=_staff(request)),
        _("Handover opened."),
    )
    return redirect("handover-handover", record.pk) if record else redirect("handover-handovers")


@login_required
@require_GET
def handover_detail(request: HttpRequest, handover_id: int) -> HttpResponse:
    """MOVE-03/04: the handover-day checklist (who and when per item) and the room-by-room inspection."""
    record = selectors.handover_get(user=request.user, handover_id=handover_id)
    done = {item.item: item for item in HandoverItem.objects.filter(record=record).select_related("done_by")}
    checklist = [
        {
            "item": item.value,
            "label": _ITEM_LABELS[item],
            "mandatory": item in rules.MANDATORY_MOVE_IN_ITEMS,
            "done": done.get(item.value),
        }
        for item in rules.MoveInItem
    ]
    inspection = Inspection.objects.filter(handover=record).first()
    defects = list(inspection.defects.select_related("work_order")) if inspection else []
    verdict = rules.move_in_checklist(
        entries=[
            rules.ChecklistEntry(item=i.item, done_by=i.done_by_id, done_at=i.done_at, key_count=i.key_count)
            for i in done.values()
        ]
    )
    return render(request, "handover/handover.html", {
        "record": record, "checklist": checklist, "inspection": inspection, "defects": defects, "verdict": verdict,
        "categories": WorkOrder.Category.choices, "outcomes": Inspection.Outcome.choices,
        "can_manage": selectors.can_manage(request.user, record.site_id),
    })  # fmt: skip


_ITEM_LABELS = {
    rules.MoveInItem.NOTICE: _("Move-in notice brought"),
    rules.MoveInItem.ID_DOCUMENT: _("ID document checked"),
    rules.MoveInItem.CONTRACT: _("Contract brought"),
    rules.MoveInItem.PAYMENT_PROOFS: _("Payment proofs brought"),
    rules.MoveInItem.BALANCE_AND_FEES_PAID: _("Balance and fees paid"),
    rules.MoveInItem.PROPERTY_CONVENTION_SIGNED: _("Property management convention signed"),
    rules.MoveInItem.DECORATION_COMMITMENT: _("Decoration commitment (optional)"),
    rules.MoveInItem.PARKING_SPACE: _("Parking space (optional)"),
    rules.MoveInItem.DOCUMENTS_HANDED_OVER: _(
        "Quality guarantee, usage instructions and acceptance items handed over"
    ),
    rules.MoveInItem.KEYS_HANDED_OVER: _("Keys handed over"),
}


@login_required
@require_POST
def handover_action(request: HttpRequest, handover_id: int, verb: str) -> HttpResponse:
    """MOVE-03/04: tick an item, record a defect, the owner's signature, complete the handover."""
    record = selectors.handover_get(user=request.user, handover_id=handover_id)
    actor, post = _staff(request), request.POST
    if verb == "item":
        _attempt(
            request,
            lambda: services.handover_item_done(
                record=record, actor=actor, item=post.get("item", ""), key_count=_int(post.get("key_count"))
            ),
            _("Item done."),
        )
    elif verb == "inspect":
        _attempt(
            request, lambda: services.inspection_start(record=record, actor=actor), _("Inspection started.")
        )
    elif verb == "defect":
        inspection = services.inspection_start(record=record, actor=actor)
        upload = request.FILES.get("photo")
        from django.conf import settings

        photo = upload.read(settings.UPLOAD_MAX_BYTES + 1) if upload else None
        defect = _attempt(
            request,
            lambda: services.defect_record(
                inspection=inspection, actor=actor, room=post.get("room", ""), location=post.get("location", ""),
                category=post.get("category", ""), description=post.get("description", ""), photo=photo,
            ),
            _("Defect recorded."),
        )  # fmt: skip
        if defect is not None:
            messages.info(request, _("Work order %(number)s created.") % {"number": defect.work_order.number})
    elif verb == "sign":
        signing = Inspection.objects.filter(handover=record).first()
        if signing is None:
            messages.error(request, _("Start the inspection first."))
        else:
            _attempt(
                request,
                lambda: services.inspection_sign(
                    inspection=signing,
                    actor=actor,
                    outcome=post.get("outcome", ""),
                    signed_by_name=post.get("signed_by_name", ""),
                    refusal_reasons=post.get("refusal_reasons", ""),
                ),
                _("Inspection signed."),
            )
    elif verb == "complete":
        _attempt(
            request, lambda: services.handover_complete(record=record, actor=actor), _("Handover complete.")
        )
    else:
        raise Http404
    return redirect("handover-handover", record.pk)


# --- Area settlement (AREA-01/02) ---


def _statement_context(settlement: Any) -> dict[str, Any]:
    contract = settlement.contract
    titles = {
        "difference": "面积差", "threshold": "误差上限面积", "buyer_pays": "业主补缴（限额内）",
        "developer_bears": "超出部分由开发商承担", "refund": "退还（限额内）", "double_refund": "超出部分双倍退还",
        "total_refund": "退还合计",
    }  # fmt: skip
    lines = [
        {
            **line,
            "title": titles.get(line["label"], line["label"]),
            "amount": None if line["amount"] is None else Decimal(line["amount"]),
        }
        for line in settlement.lines
    ]
    return {
        "site": settlement.site, "settlement": settlement, "contract": contract,
        "customer": contract.deal.customer, "unit": settlement.unit, "lines": lines, "net_abs": abs(settlement.net),
        "percent": (settlement.threshold_ratio * 100).normalize(), "today": timezone.localdate(),
    }  # fmt: skip


@login_required
def area_list(request: HttpRequest) -> HttpResponse:
    """AREA-01: the site's settlements and the form to compute one from the survey."""
    site = require_current_site(request)
    rows = selectors.settlement_list(user=request.user, site=site)
    if request.method == "POST":
        contract = _contract_by_number(request, site.pk, request.POST.get("contract", ""))
        if contract is not None:
            settlement = _attempt(
                request,
                lambda: services.area_settlement_compute(
                    contract=contract,
                    actor=_staff(request),
                    surveyed_area=request.POST.get("surveyed_area", ""),
                ),
                _("Settlement computed."),
            )
            if settlement is not None:
                return redirect("handover-area", settlement.pk)
    return render(
        request,
        "handover/areas.html",
        {"rows": rows[:PAGE], "can_manage": selectors.can_manage(request.user, site.pk)},
    )


@login_required
def area_detail(request: HttpRequest, settlement_id: int) -> HttpResponse:
    """AREA-02: the statement with formula and figures; the buyer's signature or choice to cancel."""
    settlement = selectors.settlement_get(user=request.user, settlement_id=settlement_id)
    if request.method == "POST":
        _attempt(
            request,
            lambda: services.area_settlement_sign(
                settlement=settlement,
                actor=_staff(request),
                signed_by_name=request.POST.get("signed_by_name", ""),
                choice=request.POST.get("choice", "settle"),
            ),
            _("Settlement signed."),
        )
        return redirect("handover-area", settlement.pk)
    context = _statement_context(settlement)
    context["can_manage"] = selectors.can_manage(request.user, settlement.site_id)
    return render(request, "handover/area.html", context)


@login_required
@require_GET
def area_pdf(request: HttpRequest, settlement_id: int) -> HttpResponse:
    """AREA-02, S-DEAL-5: the printable statement (面积补差结算单); the download is audited."""
    settlement = selectors.settlement_get(user=request.user, settlement_id=settlement_id)
    context = _statement_context(settlement)
    audit_record(action="export.area_statement", actor=request.user, site=settlement.site_id, obj=settlement)
    response = HttpResponse(documents.area_statement_pdf(context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="area-{settlement.pk}.pdf"'
    return response


# --- Certificates (CERT-01) ---


@login_required
def certificates(request: HttpRequest) -> HttpResponse:
    """CERT-01: certificate cases with their step, due date and overdue flag; open one by contract."""
    site = require_current_site(request)
    if request.method == "POST":
        contract = _contract_by_number(request, site.pk, request.POST.get("contract", ""))
        if contract is not None:
            _attempt(
                request,
                lambda: services.certificate_open(
                    contract=contract,
                    actor=_staff(request),
                    fees_collected=request.POST.get("fees_collected") or "0",
                ),
                _("Certificate case opened."),
            )
        return redirect("handover-certificates")
    today = timezone.localdate()
    rows = [
        (case, certificate_deadline(case, today))
        for case in selectors.certificate_list(user=request.user, site=site)[:PAGE]
    ]
    actions = [(action.value, action.value.replace("_", " ")) for action in rules.CertificateAction]
    return render(
        request,
        "handover/certificates.html",
        {"rows": rows, "actions": actions, "can_manage": selectors.can_manage(request.user, site.pk)},
    )


@login_required
@require_POST
def certificate_advance(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.certificate_get(user=request.user, case_id=case_id)
    _attempt(
        request,
        lambda: services.certificate_advance(
            case=case,
            actor=_staff(request),
            action=request.POST.get("action", ""),
            on=_date(request.POST.get("on")),
            signed_by_name=request.POST.get("signed_by_name", ""),
        ),
        _("Certificate step recorded."),
    )
    return redirect("handover-certificates")


# --- Complaints (SVC-05) ---


@login_required
def complaints(request: HttpRequest) -> HttpResponse:
    """SVC-05: complaints of the site with their targets, and the form to record one."""
    site = require_current_site(request)
    rows = selectors.complaint_list(user=request.user, site=site)
    if request.method == "POST":
        about = User.objects.filter(pk=_int(request.POST.get("about_salesperson")) or 0).first()
        complaint = _attempt(
            request,
            lambda: services.complaint_create(
                site=site, actor=_staff(request), channel=request.POST.get("channel", ""),
                complainant_name=request.POST.get("complainant_name", ""), complainant_phone=request.POST.get("complainant_phone", ""),
                content=request.POST.get("content", ""), unit=_unit_from(request, site.pk), about_salesperson=about,
            ),
            _("Complaint recorded."),
        )  # fmt: skip
        if complaint is not None:
            return redirect("handover-complaint", complaint.pk)
    from salesoffice.core.models import Membership

    salespeople = User.objects.filter(
        memberships__site=site, memberships__role=Membership.RoleChoice.SALESPERSON
    ).distinct()
    return render(request, "handover/complaints.html", {
        "rows": rows[:PAGE], "channels": Complaint.Channel.choices, "units": _units(site.pk), "salespeople": salespeople,
        "can_manage": selectors.can_manage(request.user, site.pk), "is_manager": access.is_manager(request.user, site.pk), "now": timezone.now(),
    })  # fmt: skip


@login_required
def salesperson_complaints(request: HttpRequest) -> HttpResponse:
    """SVC-05 → OWN-15: the manager's list of complaints about salespeople."""
    site = require_current_site(request)
    rows = selectors.salesperson_complaints(user=request.user, site=site)
    if request.method == "POST":
        complaint = rows.filter(pk=_int(request.POST.get("complaint")) or 0).first()
        if complaint is not None:
            _attempt(
                request,
                lambda: services.complaint_own15_review(complaint=complaint, actor=_staff(request)),
                _("Marked as reviewed."),
            )
        return redirect("handover-complaints-salespeople")
    return render(request, "handover/complaints_salespeople.html", {"rows": rows[:PAGE]})


@login_required
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """SVC-05: one complaint, its communications and the next steps."""
    complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
    if request.method == "POST":
        step = request.POST.get("step", "")
        accepted = {"yes": True, "no": False}.get(request.POST.get("owner_accepted", ""))
        if step == "note":
            _attempt(
                request,
                lambda: services.complaint_note(
                    complaint=complaint, actor=_staff(request), note=request.POST.get("note", "")
                ),
                _("Note recorded."),
            )
        else:
            _attempt(
                request,
                lambda: services.complaint_step(
                    complaint=complaint,
                    actor=_staff(request),
                    step=step,
                    note=request.POST.get("note", ""),
                    owner_accepted=accepted,
                ),
                _("Complaint updated."),
            )
        return redirect("handover-complaint", complaint.pk)
    return render(request, "handover/complaint.html", {
        "complaint": complaint, "events": complaint.events.select_related("actor"), "can_manage": selectors.can_manage(request.user, complaint.site_id),
        "full_contact": access.can(request.user, complaint.site_id, Cap.CUSTOMERS_READ_BUYERS) or access.can(request.user, complaint.site_id, Cap.CUSTOMERS_READ_ALL),
    })  # fmt: skip


# --- Return visits and surveys (SVC-06) ---


@login_required
def visits(request: HttpRequest) -> HttpResponse:
    """SVC-06: return visits due and done, low-score follow-ups, questionnaires (publish a version)."""
    site = require_current_site(request)
    if request.method == "POST":
        questions = []
        for index, line in enumerate(request.POST.get("questions", "").splitlines()):
            kind, _sep, text = line.partition("|")
            if text.strip():
                questions.append({"key": f"q{index + 1}", "kind": kind.strip(), "text": text.strip()})
        _attempt(
            request,
            lambda: services.questionnaire_publish(
                site=site, actor=_staff(request), name=request.POST.get("name", ""), questions=questions
            ),
            _("Questionnaire published."),
        )
        return redirect("handover-visits")
    return render(request, "handover/visits.html", {
        "due": selectors.visit_list(user=request.user, site=site).filter(done_at__isnull=True).order_by("due_on")[:PAGE],
        "done": selectors.visit_list(user=request.user, site=site).filter(done_at__isnull=False).order_by("-done_at")[:20],
        "follow_ups": selectors.follow_up_list(user=request.user, site=site).filter(done_at__isnull=True)[:PAGE],
        "questionnaires": selectors.questionnaire_list(user=request.user, site=site)[:50],
        "can_manage": selectors.can_manage(request.user, site.pk), "today": timezone.localdate(),
    })  # fmt: skip


@login_required
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    """SVC-06: record the call back and the owner's answers to a questionnaire."""
    visit = selectors.visit_get(user=request.user, visit_id=visit_id)
    site_questionnaires = list(selectors.questionnaire_list(user=request.user, site=visit.site_id))
    latest: dict[str, Any] = {}
    for questionnaire in site_questionnaires:
        if questionnaire.name not in latest or questionnaire.version > latest[questionnaire.name].version:
            latest[questionnaire.name] = questionnaire
    if request.method == "POST":
        chosen = next(
            (q for q in site_questionnaires if q.pk == _int(request.POST.get("questionnaire"))), None
        )
        answers = (
            {q["key"]: request.POST.get(f"answer_{q['key']}", "") for q in chosen.questions}
            if chosen
            else None
        )
        done = _attempt(
            request,
            lambda: services.return_visit_record(
                visit=visit,
                actor=_staff(request),
                notes=request.POST.get("notes", ""),
                questionnaire=chosen,
                answers=answers,
            ),
            _("Return visit recorded."),
        )
        return redirect("handover-visits") if done else redirect("handover-visit", visit.pk)
    return render(
        request,
        "handover/visit.html",
        {"visit": visit, "questionnaires": list(latest.values()), "scores": range(1, 6)},
    )


@login_required
@require_POST
def follow_up_done(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.follow_up_get(user=request.user, task_id=task_id)
    _attempt(
        request,
        lambda: services.follow_up_done(
            task=task, actor=_staff(request), outcome=request.POST.get("outcome", "")
        ),
        _("Follow-up done."),
    )
    return redirect("handover-visits")


# --- Property front desk (SVC-07, ROTA-08) ---


# SVC-07: desk entries that are only logged, by kind: the service that records them and what to say.
_DESK_LOGS = {
    "goods_release": (
        services.desk_goods_request,
        gettext_lazy("Goods release recorded; verify with the owner."),
    ),
    "mail": (services.desk_mail_receive, gettext_lazy("Mail logged.")),
}


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    """SVC-07: the property front desk: owner requests forwarded as work orders, temporary passes, goods
    releases verified with the owner, mail; and the desk's shift log (ROTA-08). Visitors asking about
    other owners get only a room number, so no owner details are shown here."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.SERVICE_MANAGE)
    if request.method == "POST":
        actor, post, kind = _staff(request), request.POST, request.POST.get("kind", "")
        unit = _unit_from(request, site.pk)
        if kind == "request":
            _attempt(
                request,
                lambda: services.desk_request_forward(
                    site=site,
                    actor=actor,
                    unit=unit,
                    person_name=post.get("person_name", ""),
                    description=post.get("description", ""),
                    category=post.get("category", ""),
                    reporter_phone=post.get("phone", ""),
                ),
                _("Request forwarded as a work order."),
            )
        elif kind == "pass":
            start, end = _date(post.get("valid_from")), _date(post.get("valid_until"))
            if start is None or end is None:
                messages.error(request, _("Enter the pass dates."))
            else:
                _attempt(
                    request,
                    lambda: services.desk_pass_issue(
                        site=site,
                        actor=actor,
                        unit=unit,
                        person_name=post.get("person_name", ""),
                        description=post.get("description", ""),
                        valid_from=start,
                        valid_until=end,
                    ),
                    _("Pass issued."),
                )
        elif kind in _DESK_LOGS:
            record, done = _DESK_LOGS[kind]
            _attempt(
                request,
                lambda: record(
                    site=site,
                    actor=actor,
                    unit=unit,
                    person_name=post.get("person_name", ""),
                    description=post.get("description", ""),
                ),
                str(done),
            )
        elif kind == "shift":
            _attempt(
                request,
                lambda: services.desk_shift_write(
                    site=site, actor=actor, text=post.get("text", ""), pending=post.get("pending", "")
                ),
                _("Shift log written."),
            )
        return redirect("handover-desk")
    return render(request, "handover/desk.html", {
        "entries": selectors.desk_entries(user=request.user, site=site)[:PAGE], "shifts": selectors.shift_log_list(user=request.user, site=site)[:20],
        "units": _units(site.pk), "categories": WorkOrder.Category.choices, "kinds": ServiceDeskEntry.Kind.choices,
        "is_manager": access.is_manager(request.user, site.pk), "today": timezone.localdate(),
    })  # fmt: skip


@login_required
@require_POST
def desk_action(request: HttpRequest, entry_id: int, verb: str) -> HttpResponse:
    entry = selectors.desk_entry_get(user=request.user, entry_id=entry_id)
    actor = _staff(request)
    if verb == "verify":
        _attempt(
            request,
            lambda: services.desk_goods_verify(
                entry=entry, actor=actor, verified_by=request.POST.get("verified_by", "")
            ),
            _("Verified with the owner."),
        )
    elif verb == "release":
        _attempt(request, lambda: services.desk_goods_release(entry=entry, actor=actor), _("Goods released."))
    elif verb == "hand-over":
        _attempt(
            request,
            lambda: services.desk_mail_hand_over(
                entry=entry, actor=actor, handed_to=request.POST.get("handed_to", "")
            ),
            _("Mail handed over."),
        )
    else:
        raise Http404
    return redirect("handover-desk")


@login_required
@require_POST
def desk_shift_action(request: HttpRequest, entry_id: int, verb: str) -> HttpResponse:
    entry = selectors.shift_log_get(user=request.user, entry_id=entry_id)
    actor = _staff(request)
    if verb in ("confirm", "refuse"):
        _attempt(
            request,
            lambda: services.desk_shift_answer(
                entry=entry, actor=actor, confirm=verb == "confirm", reason=request.POST.get("reason", "")
            ),
            _("Shift handover answered."),
        )
    elif verb == "review":
        _attempt(request, lambda: services.desk_shift_review(entry=entry, actor=actor), _("Reviewed."))
    else:
        raise Http404
    return redirect("handover-desk")


# --- Statistics (SVC-08) ---


def _period(request: HttpRequest) -> tuple[dt.datetime, dt.datetime] | None:
    from rest_framework.exceptions import ValidationError

    try:
        return statistics_period(request.GET)
    except ValidationError:
        messages.error(request, _("Enter a valid period."))
        return None


@login_required
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """SVC-08: work orders, complaints and satisfaction of a period."""
    site = require_current_site(request)
    period = _period(request) or statistics_period({})
    report = selectors.service_statistics(user=request.user, site=site, start=period[0], end=period[1])
    return render(
        request,
        "handover/statistics.html",
        {
            "report": report,
            "start": period[0].date(),
            "end": period[1].date(),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def statistics_export(request: HttpRequest) -> HttpResponse:
    """SVC-08: the same figures as an Excel workbook; the export and its filter are audited (SEC-03)."""
    site = require_current_site(request)
    period = _period(request) or statistics_period({})
    report = selectors.service_statistics(user=request.user, site=site, start=period[0], end=period[1])
    audit_record(
        action="export.service_statistics",
        actor=request.user,
        site=site,
        after={"start": period[0], "end": period[1]},
    )
    response = HttpResponse(
        documents.statistics_xlsx(selectors.statistics_sheets(report)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="service-{period[0]:%Y%m%d}-{period[1]:%Y%m%d}.xlsx"'
    )
    return response


@login_required
def customer_panel(request: HttpRequest, customer_id: int) -> HttpResponse:
    """CUS-04: the customer's handover, work orders, complaints and return visits, for the customer file."""
    customer = customer_get_for_user(user=request.user, customer_id=customer_id)
    service = selectors.customer_service(user=request.user, customer_id=customer.pk, site_id=customer.site_id)
    return render(request, "handover/_customer_panel.html", {"service": service})
