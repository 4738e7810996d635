"""Every scoped read of the handover app (SEC-01, SEC-07): another site's record is a 404; a repair worker
sees only the work orders assigned to them; the statistics (SVC-08) are set-based aggregates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Model, Q, QuerySet, Value
from django.db.models.functions import Concat, TruncMonth
from django.http import Http404

from handover.models import (
    AreaSettlement,
    CertificateCase,
    Complaint,
    DeskShiftLog,
    FollowUpTask,
    HandoverRecord,
    Inspection,
    MoveInBatch,
    MoveInNotice,
    Questionnaire,
    RepairWorker,
    ReturnVisit,
    ServiceDeskEntry,
    SurveyResponse,
    WorkOrder,
)
from salesoffice.core import access
from salesoffice.core.phones import mask_name, mask_phone
from salesoffice.core.roles import Cap


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _site_id(site: Any) -> int:
    return site if isinstance(site, int) else site.pk


def can_manage(user: Any, site_id: int) -> bool:
    return access.can(user, site_id, Cap.SERVICE_MANAGE)


# --- Work orders ---


def work_order_list(*, user: Any, site: Any) -> QuerySet[WorkOrder]:
    """SEC-01: customer service, managers and finance read every order of the site; a repair worker only
    the orders assigned to them; anyone else is refused (403), another site is a 404."""
    site_id = _site_id(site)
    access.require_site(user, site_id)
    orders = WorkOrder.objects.filter(site_id=site_id).select_related("unit__building", "worker__user")
    if access.can(user, site_id, Cap.SERVICE_READ):
        return orders
    if access.can(user, site_id, Cap.WORKORDERS_ASSIGNED):
        return orders.filter(worker__user=user)
    raise PermissionDenied


def work_order_get(*, user: Any, work_order_id: Any) -> WorkOrder:
    """One work order the user may see; a repair worker asking for another worker's order gets a 404."""
    order = (
        WorkOrder.objects.filter(pk=_pk(work_order_id), site_id__in=access.site_ids_with(user))
        .select_related("unit__building", "worker__user", "customer", "site")
        .first()
    )
    if order is None:
        raise Http404
    if access.can(user, order.site_id, Cap.SERVICE_READ):
        return order
    if (
        access.can(user, order.site_id, Cap.WORKORDERS_ASSIGNED)
        and order.worker
        and order.worker.user_id == user.pk
    ):
        return order
    raise Http404


def reporter_contact(*, user: Any, order: WorkOrder) -> tuple[str, str]:
    """SEC-02: the reporter's name and phone in full for customer service and managers; masked for others
    (a repair worker sees the surname and ``138****8888``)."""
    full = access.can(user, order.site_id, Cap.CUSTOMERS_READ_BUYERS) or access.can(
        user, order.site_id, Cap.CUSTOMERS_READ_ALL
    )
    phone = order.reporter_phone
    if full:
        return order.reporter_name, phone
    return mask_name(order.reporter_name), mask_phone(phone) if phone else ""


def work_order_events(*, order: WorkOrder) -> QuerySet[Any]:
    return order.events.select_related("actor", "worker__user").order_by("at", "id")


def repair_worker_list(*, user: Any, site: Any) -> QuerySet[RepairWorker]:
    site_id = _site_id(site)
    access.require(user, site_id, Cap.SERVICE_READ)
    return RepairWorker.objects.filter(site_id=site_id).select_related("user").order_by("user__username")


def repair_worker_get(*, user: Any, site_id: int, worker_id: Any) -> RepairWorker:
    worker = RepairWorker.objects.filter(pk=_pk(worker_id), site_id=site_id).select_related("user").first()
    if worker is None:
        raise Http404
    return worker


# --- Generic site-scoped records ---


def _scoped_get(
    model: type[Model], *, user: Any, pk: Any, cap: Cap = Cap.SERVICE_READ, related: tuple[str, ...] = ()
) -> Any:
    record: Any = (
        model._default_manager.filter(pk=_pk(pk), site_id__in=access.site_ids_with(user))
        .select_related(*related)
        .first()
    )
    if record is None:
        raise Http404
    access.require(user, record.site_id, cap)
    return record


def _scoped_list(model: type[Model], *, user: Any, site: Any, cap: Cap = Cap.SERVICE_READ) -> QuerySet[Any]:
    site_id = _site_id(site)
    access.require(user, site_id, cap)
    return model._default_manager.filter(site_id=site_id)


def batch_list(*, user: Any, site: Any) -> QuerySet[MoveInBatch]:
    return _scoped_list(MoveInBatch, user=user, site=site).annotate(
        unit_count=Count("batch_units", distinct=True), notice_count=Count("notices", distinct=True)
    )


def batch_get(*, user: Any, batch_id: Any) -> MoveInBatch:
    return _scoped_get(MoveInBatch, user=user, pk=batch_id, related=("approved_by",))


def batch_rows(*, batch: MoveInBatch) -> list[dict[str, Any]]:
    """MOVE-01/02: the batch's list with each unit's notice, booking and handover, in four queries."""
    entries = list(
        batch.batch_units.select_related("unit__building", "contract__deal__customer").order_by(
            "unit__building__name", "unit__floor", "unit__number"
        )
    )
    contract_ids = [entry.contract_id for entry in entries]
    notices = {
        n.contract_id: n
        for n in MoveInNotice.objects.filter(batch=batch, contract_id__in=contract_ids).defer("pdf")
    }
    bookings = {b.contract_id: b for b in batch.bookings.select_related("slot")}
    handovers = {h.contract_id: h for h in HandoverRecord.objects.filter(contract_id__in=contract_ids)}
    return [
        {
            "entry": entry,
            "notice": notices.get(entry.contract_id),
            "booking": bookings.get(entry.contract_id),
            "handover": handovers.get(entry.contract_id),
        }
        for entry in entries
    ]


def notice_get(*, user: Any, notice_id: Any) -> MoveInNotice:
    return _scoped_get(MoveInNotice, user=user, pk=notice_id)


def handover_list(*, user: Any, site: Any) -> QuerySet[HandoverRecord]:
    return _scoped_list(HandoverRecord, user=user, site=site).select_related("unit__building", "customer")


def handover_get(*, user: Any, handover_id: Any) -> HandoverRecord:
    return _scoped_get(
        HandoverRecord, user=user, pk=handover_id, related=("unit__building", "customer", "batch", "contract")
    )


def inspection_get(*, user: Any, inspection_id: Any) -> Inspection:
    return _scoped_get(Inspection, user=user, pk=inspection_id, related=("handover",))


def settlement_list(*, user: Any, site: Any) -> QuerySet[AreaSettlement]:
    return _scoped_list(AreaSettlement, user=user, site=site).select_related("unit__building", "contract")


def settlement_get(*, user: Any, settlement_id: Any) -> AreaSettlement:
    return _scoped_get(
        AreaSettlement, user=user, pk=settlement_id, related=("unit__building", "contract__deal__customer")
    )


def certificate_list(*, user: Any, site: Any) -> QuerySet[CertificateCase]:
    return _scoped_list(CertificateCase, user=user, site=site).select_related("unit__building", "contract")


def certificate_get(*, user: Any, case_id: Any) -> CertificateCase:
    return _scoped_get(CertificateCase, user=user, pk=case_id, related=("unit__building",))


def complaint_list(*, user: Any, site: Any) -> QuerySet[Complaint]:
    return _scoped_list(Complaint, user=user, site=site).select_related("unit__building", "about_salesperson")


def complaint_get(*, user: Any, complaint_id: Any) -> Complaint:
    return _scoped_get(Complaint, user=user, pk=complaint_id, related=("unit__building", "about_salesperson"))


def salesperson_complaints(*, user: Any, site: Any) -> QuerySet[Complaint]:
    """SVC-05 → OWN-15: complaints about salespeople, for the site manager."""
    site_id = _site_id(site)
    access.require_site(user, site_id)
    if not access.is_manager(user, site_id):
        raise PermissionDenied
    return Complaint.objects.filter(site_id=site_id, about_salesperson__isnull=False).select_related(
        "about_salesperson", "unit__building"
    )


def visit_list(*, user: Any, site: Any) -> QuerySet[ReturnVisit]:
    return _scoped_list(ReturnVisit, user=user, site=site).select_related(
        "unit__building", "work_order", "customer"
    )


def visit_get(*, user: Any, visit_id: Any) -> ReturnVisit:
    return _scoped_get(
        ReturnVisit, user=user, pk=visit_id, related=("unit__building", "work_order", "customer")
    )


def questionnaire_list(*, user: Any, site: Any) -> QuerySet[Questionnaire]:
    return _scoped_list(Questionnaire, user=user, site=site)


def questionnaire_get(*, user: Any, questionnaire_id: Any) -> Questionnaire:
    return _scoped_get(Questionnaire, user=user, pk=questionnaire_id)


def follow_up_list(*, user: Any, site: Any) -> QuerySet[FollowUpTask]:
    return _scoped_list(FollowUpTask, user=user, site=site).select_related("survey")


def follow_up_get(*, user: Any, task_id: Any) -> FollowUpTask:
    return _scoped_get(FollowUpTask, user=user, pk=task_id)


def desk_entries(*, user: Any, site: Any) -> QuerySet[ServiceDeskEntry]:
    return _scoped_list(ServiceDeskEntry, user=user, site=site).select_related(
        "unit__building", "work_order", "recorded_by"
    )


def desk_entry_get(*, user: Any, entry_id: Any) -> ServiceDeskEntry:
    return _scoped_get(ServiceDeskEntry, user=user, pk=entry_id)


def shift_log_list(*, user: Any, site: Any) -> QuerySet[DeskShiftLog]:
    return _scoped_list(DeskShiftLog, user=user, site=site).select_related(
        "outgoing", "incoming", "reviewed_by"
    )


def shift_log_get(*, user: Any, entry_id: Any) -> DeskShiftLog:
    return _scoped_get(DeskShiftLog, user=user, pk=entry_id)


# --- Statistics (SVC-08) ---

_RESPONSE = ExpressionWrapper(F("responded_at") - F("created_at"), output_field=DurationField())
_COMPLETION = ExpressionWrapper(F("completed_at") - F("created_at"), output_field=DurationField())


def _hours(value: dt.timedelta | None) -> Decimal | None:
    return None if value is None else (Decimal(value.total_seconds()) / 3600).quantize(Decimal("0.01"))


def _ratio(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(part) / whole * 100).quantize(Decimal("0.1"))


def _order_aggregates() -> dict[str, Any]:
    return {
        "orders": Count("id"),
        "responded": Count("id", filter=Q(responded_at__isnull=False)),
        "responded_on_time": Count("id", filter=Q(responded_at__lte=F("respond_by"))),
        "completed": Count("id", filter=Q(completed_at__isnull=False)),
        "completed_on_time": Count("id", filter=Q(completed_at__lte=F("complete_by"))),
        "reopened": Count("id", filter=Q(reopen_count__gt=0)),
        "chargeable": Count("id", filter=Q(chargeable=True)),
        "avg_response": Avg(_RESPONSE, filter=Q(responded_at__isnull=False)),
        "avg_completion": Avg(_COMPLETION, filter=Q(completed_at__isnull=False)),
    }


def _order_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "avg_response_hours": _hours(row.pop("avg_response")),
        "avg_completion_hours": _hours(row.pop("avg_completion")),
        "response_on_time_pct": _ratio(row["responded_on_time"], row["responded"]),
        "completion_on_time_pct": _ratio(row["completed_on_time"], row["completed"]),
        "reopen_rate_pct": _ratio(row["reopened"], row["orders"]),
    }


def service_statistics(*, user: Any, site: Any, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """SVC-08: work orders created in [start, end) by category, building, unit, worker and month, with
    response and completion times against their targets, reopen rate and worker efficiency; complaint
    counts and resolution times; satisfaction scores by month. One aggregate query per breakdown."""
    site_id = _site_id(site)
    access.require_site(user, site_id)
    if not (access.can(user, site_id, Cap.REPORTS_SERVICE) or access.can(user, site_id, Cap.REPORTS_SITE)):
        raise PermissionDenied
    orders = WorkOrder.objects.filter(site_id=site_id, created_at__gte=start, created_at__lt=end)
    aggregates = _order_aggregates()
    totals = _order_row(dict(orders.aggregate(**aggregates)))
    breakdowns = {
        "category": orders.values(key=F("category")),
        "building": orders.values(key=F("unit__building__name")),
        "unit": orders.filter(unit__isnull=False).values(
            key=Concat("unit__building__name", Value("-"), "unit__number")
        ),
        "worker": orders.values(key=F("worker__user__username")),
        "month": orders.annotate(month=TruncMonth("created_at")).values(key=F("month")),
    }
    result: dict[str, Any] = {"totals": totals}
    for name, grouped in breakdowns.items():
        result[name] = [_order_row(dict(row)) for row in grouped.annotate(**aggregates).order_by("key")]
    # Worker efficiency: orders finished per worker and their mean completion time, over assigned orders.
    for row in result["worker"]:
        row["efficiency_pct"] = _ratio(row["completed"], row["orders"])
    complaints = Complaint.objects.filter(site_id=site_id, received_at__gte=start, received_at__lt=end)
    complaint_totals = complaints.aggregate(
        complaints=Count("id"),
        closed=Count("id", filter=Q(status=Complaint.Status.CLOSED)),
        escalated=Count("id", filter=Q(escalated_at__isnull=False)),
        replied_on_time=Count("id", filter=Q(replied_at__lte=F("reply_by"))),
        about_salespeople=Count("id", filter=Q(about_salesperson__isnull=False)),
        avg_resolution=Avg(
            ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField()),
            filter=Q(closed_at__isnull=False),
        ),
    )
    complaint_totals["avg_resolution_hours"] = _hours(complaint_totals.pop("avg_resolution"))
    result["complaints"] = complaint_totals
    surveys = SurveyResponse.objects.filter(site_id=site_id, recorded_at__gte=start, recorded_at__lt=end)
    result["satisfaction"] = surveys.aggregate(
        responses=Count("id"), average=Avg("average_score"), low=Count("id", filter=Q(low_score=True))
    )
    result["satisfaction_by_month"] = list(
        surveys.annotate(month=TruncMonth("recorded_at"))
        .values(key=F("month"))
        .annotate(responses=Count("id"), average=Avg("average_score"))
        .order_by("key")
    )
    result["satisfaction_by_category"] = list(
        surveys.filter(work_order__isnull=False)
        .values(key=F("work_order__category"))
        .annotate(responses=Count("id"), average=Avg("average_score"))
        .order_by("key")
    )
    result["satisfaction_by_worker"] = list(
        surveys.filter(work_order__worker__isnull=False)
        .values(key=F("work_order__worker__user__username"))
        .annotate(responses=Count("id"), average=Avg("average_score"))
        .order_by("key")
    )
    return result


ORDER_COLUMNS = (
    "orders", "responded", "responded_on_time", "response_on_time_pct", "avg_response_hours", "completed",
    "completed_on_time", "completion_on_time_pct", "avg_completion_hours", "reopened", "reopen_rate_pct", "chargeable",
)  # fmt: skip


def statistics_sheets(report: dict[str, Any]) -> dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
    """SVC-08: the report as named tables for the Excel export."""
    sheets: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = {}
    for name in ("category", "building", "unit", "worker", "month"):
        extra = ("efficiency_pct",) if name == "worker" else ()
        header = (name, *ORDER_COLUMNS, *extra)
        sheets[name] = (
            header,
            [(row["key"], *(row[column] for column in (*ORDER_COLUMNS, *extra))) for row in report[name]],
        )
    complaints = report["complaints"]
    sheets["complaints"] = (tuple(complaints), [tuple(complaints.values())])
    satisfaction = report["satisfaction_by_month"]
    sheets["satisfaction"] = (
        ("month", "responses", "average"),
        [(row["key"], row["responses"], row["average"]) for row in satisfaction],
    )
    return sheets


def contract_get(*, user: Any, contract_id: Any) -> Any:
    """A contract of a site where the user reads service records (another site → 404)."""
    from deals.models import Contract

    contract = (
        Contract.objects.filter(pk=_pk(contract_id), site_id__in=access.site_ids_with(user))
        .select_related("deal__customer", "unit__building")
        .first()
    )
    if contract is None:
        raise Http404
    access.require(user, contract.site_id, Cap.SERVICE_READ)
    return contract


def slot_get(*, user: Any, slot_id: Any) -> Any:
    from handover.models import MoveInSlot

    slot = (
        MoveInSlot.objects.filter(pk=_pk(slot_id), batch__site_id__in=access.site_ids_with(user))
        .select_related("batch")
        .first()
    )
    if slot is None:
        raise Http404
    access.require(user, slot.batch.site_id, Cap.SERVICE_READ)
    return slot


def unit_get(*, site_id: int, unit_id: Any) -> Any:
    """A unit of the site named in a form or request body (another site's id reads as unknown)."""
    from deals.models import Unit

    unit = Unit.objects.filter(pk=_pk(unit_id), site_id=site_id).select_related("building").first()
    if unit is None:
        raise Http404
    return unit


@dataclasses.dataclass(frozen=True)
class CustomerService:
    """CUS-04: what the customer file shows of a buyer's handover and after-sales."""

    handovers: list[HandoverRecord]
    work_orders: list[WorkOrder]
    complaints: list[Complaint]
    visits: list[ReturnVisit]


def customer_service(*, user: Any, customer_id: int, site_id: int) -> CustomerService | None:
    """The customer's handover, work orders, complaints and return visits, for those who may read the
    site's service records (SEC-01); None for everyone else."""
    if not access.can(user, site_id, Cap.SERVICE_READ):
        return None
    return CustomerService(
        handovers=list(
            HandoverRecord.objects.filter(site_id=site_id, customer_id=customer_id).select_related("unit")[
                :10
            ]
        ),
        work_orders=list(
            WorkOrder.objects.filter(site_id=site_id, customer_id=customer_id).order_by("-created_at")[:20]
        ),
        complaints=list(
            Complaint.objects.filter(site_id=site_id, customer_id=customer_id).order_by("-received_at")[:20]
        ),
        visits=list(
            ReturnVisit.objects.filter(site_id=site_id, customer_id=customer_id).order_by("-due_on")[:20]
        ),
    )
