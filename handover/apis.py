"""REST endpoints of the handover app: one endpoint per business verb, each with its own small input and
output serializers; every lookup goes through ``handover.selectors`` (another site → 404, a repair worker
sees only their assigned orders, a forbidden action → 403, bad input → 400 with field messages)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from handover import rules, selectors, services
from handover.models import (
    CertificateCase,
    Complaint,
    MoveInBatch,
    Priority,
    WorkOrder,
)
from salesoffice.core import access, fields
from salesoffice.core.audit import audit_record
from salesoffice.core.fields import validate_person_name
from salesoffice.core.models import User
from salesoffice.core.roles import Cap


def _user(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


# --- Work orders (SVC-01..04) ---


class WorkOrderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    created_at = serializers.DateTimeField()
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    area = serializers.CharField()
    category = serializers.CharField()
    priority = serializers.CharField()
    description = serializers.CharField()
    respond_by = serializers.DateTimeField()
    complete_by = serializers.DateTimeField()
    chargeable = serializers.BooleanField()
    warranty_until = serializers.DateField(allow_null=True)
    worker = serializers.IntegerField(source="worker_id", allow_null=True)
    status = serializers.CharField()
    responded_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    reopen_count = serializers.IntegerField()


class WorkOrderListCreateApi(ListAPIView[WorkOrder]):
    """SVC-01: GET lists the site's work orders (a repair worker: their own); POST creates one (customer
    service), numbered site prefix + date + sequence, with due times and the warranty decision."""

    serializer_class = WorkOrderOutputSerializer
    filter_backends: list[Any] = []

    class WorkOrderCreateInputSerializer(serializers.Serializer):
        reporter_name = serializers.CharField(max_length=50, validators=[validate_person_name])
        reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
        unit = serializers.IntegerField(required=False, allow_null=True, default=None)
        area = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
        category = serializers.ChoiceField(choices=WorkOrder.Category.choices)
        kind = serializers.ChoiceField(choices=WorkOrder.Kind.choices, default=WorkOrder.Kind.REPAIR)
        source = serializers.ChoiceField(choices=WorkOrder.Source.choices, default=WorkOrder.Source.PHONE)  # type: ignore[assignment]
        priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
        min_level = serializers.IntegerField(min_value=1, max_value=5, default=1)
        description = serializers.CharField(max_length=2000)

    def get_queryset(self) -> QuerySet[WorkOrder]:
        if getattr(self, "swagger_fake_view", False):
            return WorkOrder.objects.none()
        orders = selectors.work_order_list(user=self.request.user, site=int(self.kwargs["site_id"]))
        wanted = self.request.query_params.get("status", "")
        if wanted:
            if wanted not in WorkOrder.Status.values:
                raise serializers.ValidationError({"status": [_("Unknown.")]})
            orders = orders.filter(status=wanted)
        return orders

    @extend_schema(request=WorkOrderCreateInputSerializer, responses={201: WorkOrderOutputSerializer})
    def post(self, request: Request, site_id: int) -> Response:
        access.require(request.user, site_id, Cap.SERVICE_MANAGE)
        data = _valid(self.WorkOrderCreateInputSerializer, request)
        unit_id = data.pop("unit")
        unit = None
        if unit_id is not None:
            try:
                unit = selectors.unit_get(site_id=site_id, unit_id=unit_id)
            except Http404:
                raise serializers.ValidationError({"unit": [_("Unknown unit.")]}) from None
        order = services.work_order_create(
            site=access.site_get_for_user(request.user, site_id), actor=_user(request), unit=unit, **data
        )
        return Response(WorkOrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)


class WorkOrderDetailApi(APIView):
    """SVC-03: one work order with its event log."""

    class EventSerializer(serializers.Serializer):
        action = serializers.CharField()
        from_status = serializers.CharField()
        to_status = serializers.CharField()
        actor = serializers.CharField(allow_null=True)
        worker = serializers.IntegerField(source="worker_id", allow_null=True)
        note = serializers.CharField()
        at = serializers.DateTimeField()

    class DetailSerializer(WorkOrderOutputSerializer):
        reporter_name = serializers.CharField()
        reporter_phone = serializers.CharField()
        events = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses=DetailSerializer)
    def get(self, request: Request, work_order_id: int) -> Response:
        order = selectors.work_order_get(user=request.user, work_order_id=work_order_id)
        data = dict(WorkOrderOutputSerializer(order).data)
        data["reporter_name"], data["reporter_phone"] = selectors.reporter_contact(
            user=request.user, order=order
        )
        data["events"] = self.EventSerializer(selectors.work_order_events(order=order), many=True).data
        return Response(data)


class WorkOrderDispatchApi(APIView):
    """SVC-02: assign by area, skill and load; or name a worker with a reason (override)."""

    class DispatchInputSerializer(serializers.Serializer):
        worker = serializers.IntegerField(required=False, allow_null=True, default=None)
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(request=DispatchInputSerializer, responses=WorkOrderOutputSerializer)
    def post(self, request: Request, work_order_id: int) -> Response:
        order = selectors.work_order_get(user=request.user, work_order_id=work_order_id)
        data = _valid(self.DispatchInputSerializer, request)
        worker = None
        if data["worker"] is not None:
            try:
                worker = selectors.repair_worker_get(
                    user=request.user, site_id=order.site_id, worker_id=data["worker"]
                )
            except Http404:
                raise serializers.ValidationError({"worker": [_("Unknown worker.")]}) from None
        order = services.work_order_dispatch(
            work_order=order, actor=_user(request), worker=worker, reason=data["reason"]
        )
        return Response(WorkOrderOutputSerializer(order).data)


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


def _work_order_step_view(action: rules.WorkOrderAction, doc: str) -> type[APIView]:
    class WorkOrderStepApi(APIView):
        @extend_schema(
            request=NoteInputSerializer,
            responses=WorkOrderOutputSerializer,
            operation_id=f"work_order_{action.value}",
            description=doc,
        )
        def post(self, request: Request, work_order_id: int) -> Response:
            order = selectors.work_order_get(user=request.user, work_order_id=work_order_id)
            data = _valid(NoteInputSerializer, request)
            order = services.work_order_step(
                work_order=order, actor=_user(request), action=action, note=data["note"]
            )
            return Response(WorkOrderOutputSerializer(order).data)

    WorkOrderStepApi.__name__ = f"WorkOrder{action.value.title().replace('_', '')}Api"
    WorkOrderStepApi.__doc__ = doc
    return WorkOrderStepApi


WorkOrderStartApi = _work_order_step_view(
    rules.WorkOrderAction.START, "SVC-03: the assigned worker starts the job."
)
WorkOrderWaitApi = _work_order_step_view(
    rules.WorkOrderAction.WAIT, "SVC-03: the worker waits for parts or the owner (note required)."
)
WorkOrderResumeApi = _work_order_step_view(
    rules.WorkOrderAction.RESUME, "SVC-03: the worker resumes the job."
)
WorkOrderDoneApi = _work_order_step_view(
    rules.WorkOrderAction.FINISH, "SVC-03: the worker reports the job done."
)
WorkOrderConfirmApi = _work_order_step_view(
    rules.WorkOrderAction.CONFIRM, "SVC-03: customer service records the owner's confirmation."
)
WorkOrderReopenApi = _work_order_step_view(
    rules.WorkOrderAction.REOPEN, "SVC-03: a dispatcher reopens the order (note required)."
)
WorkOrderCloseApi = _work_order_step_view(
    rules.WorkOrderAction.CLOSE, "SVC-03: a dispatcher closes the confirmed order."
)


class WorkOrderPhotoApi(APIView):
    """SVC-01, SEC-07: attach a JPEG or PNG photo (by content), at most ``UPLOAD_MAX_BYTES``."""

    parser_classes = [MultiPartParser]

    class PhotoInputSerializer(serializers.Serializer):
        photo = serializers.FileField()

    class PhotoOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        content_type = serializers.CharField()
        size = serializers.IntegerField()

    @extend_schema(
        request={"multipart/form-data": PhotoInputSerializer}, responses={201: PhotoOutputSerializer}
    )
    def post(self, request: Request, work_order_id: int) -> Response:
        order = selectors.work_order_get(user=request.user, work_order_id=work_order_id)
        data = _valid(self.PhotoInputSerializer, request)
        from django.conf import settings

        upload = data["photo"]
        content = upload.read(settings.UPLOAD_MAX_BYTES + 1)
        photo = services.work_order_photo_add(work_order=order, actor=_user(request), content=content)
        return Response(self.PhotoOutputSerializer(photo).data, status=status.HTTP_201_CREATED)


# --- Complaints (SVC-05) ---


class ComplaintOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    channel = serializers.CharField()
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    about_salesperson = serializers.IntegerField(source="about_salesperson_id", allow_null=True)
    content = serializers.CharField()
    received_at = serializers.DateTimeField()
    acknowledge_by = serializers.DateTimeField()
    reply_by = serializers.DateTimeField()
    status = serializers.CharField()
    result = serializers.CharField()
    owner_accepted = serializers.BooleanField(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class ComplaintListCreateApi(ListAPIView[Complaint]):
    """SVC-05: GET lists the site's complaints; POST records one with its targets."""

    serializer_class = ComplaintOutputSerializer
    filter_backends: list[Any] = []

    class ComplaintInputSerializer(serializers.Serializer):
        channel = serializers.ChoiceField(choices=Complaint.Channel.choices)
        complainant_name = serializers.CharField(max_length=50, validators=[validate_person_name])
        complainant_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
        content = serializers.CharField(max_length=5000)
        unit = serializers.IntegerField(required=False, allow_null=True, default=None)
        about_salesperson = serializers.IntegerField(required=False, allow_null=True, default=None)

    def get_queryset(self) -> QuerySet[Complaint]:
        if getattr(self, "swagger_fake_view", False):
            return Complaint.objects.none()
        return selectors.complaint_list(user=self.request.user, site=int(self.kwargs["site_id"]))

    @extend_schema(request=ComplaintInputSerializer, responses={201: ComplaintOutputSerializer})
    def post(self, request: Request, site_id: int) -> Response:
        access.require(request.user, site_id, Cap.SERVICE_MANAGE)
        data = _valid(self.ComplaintInputSerializer, request)
        unit = None
        unit_id = data.pop("unit")
        if unit_id is not None:
            try:
                unit = selectors.unit_get(site_id=site_id, unit_id=unit_id)
            except Http404:
                raise serializers.ValidationError({"unit": [_("Unknown unit.")]}) from None
        about_id = data.pop("about_salesperson")
        about = User.objects.filter(pk=about_id).first() if about_id is not None else None
        if about_id is not None and (about is None or not access.works_at(about.pk, site_id)):
            raise serializers.ValidationError({"about_salesperson": [_("Unknown staff member.")]})
        complaint = services.complaint_create(
            site=access.site_get_for_user(request.user, site_id),
            actor=_user(request),
            unit=unit,
            about_salesperson=about,
            **data,
        )
        return Response(ComplaintOutputSerializer(complaint).data, status=status.HTTP_201_CREATED)


class ComplaintStepInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    owner_accepted = serializers.BooleanField(required=False, allow_null=True, default=None)


def _complaint_step_view(step: str, doc: str) -> type[APIView]:
    class ComplaintStepApi(APIView):
        @extend_schema(
            request=ComplaintStepInputSerializer,
            responses=ComplaintOutputSerializer,
            operation_id=f"complaint_{step}",
            description=doc,
        )
        def post(self, request: Request, complaint_id: int) -> Response:
            complaint = selectors.complaint_get(user=request.user, complaint_id=complaint_id)
            data = _valid(ComplaintStepInputSerializer, request)
            complaint = services.complaint_step(
                complaint=complaint,
                actor=_user(request),
                step=step,
                note=data["note"],
                owner_accepted=data["owner_accepted"],
            )
            return Response(ComplaintOutputSerializer(complaint).data)

    ComplaintStepApi.__name__ = f"Complaint{step.title()}Api"
    ComplaintStepApi.__doc__ = doc
    return ComplaintStepApi


ComplaintAcknowledgeApi = _complaint_step_view("acknowledge", "SVC-05: confirm receipt to the complainant.")
ComplaintEscalateApi = _complaint_step_view(
    "escalate", "SVC-05: escalate to the supervisor (note: the reason)."
)
ComplaintReplyApi = _complaint_step_view("reply", "SVC-05: reply with the written result (note: the result).")
ComplaintCloseApi = _complaint_step_view(
    "close", "SVC-05: close when the owner accepted the result (owner_accepted)."
)


# --- Return visits and surveys (SVC-06) ---


class QuestionnairePublishApi(APIView):
    """SVC-06: publish a questionnaire; the same name makes the next version."""

    class QuestionSerializer(serializers.Serializer):
        key = serializers.SlugField(max_length=40)
        text = serializers.CharField(max_length=300)
        kind = serializers.ChoiceField(choices=["score", "text"])

    class PublishInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        questions = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=50)
        low_score = serializers.IntegerField(min_value=1, max_value=5, default=2)

        def validate_questions(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
            checked = []
            for item in value:
                question = QuestionnairePublishApi.QuestionSerializer(data=item)
                question.is_valid(raise_exception=True)
                checked.append(dict(question.validated_data))
            return checked

    class QuestionnaireOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        version = serializers.IntegerField()
        questions = serializers.ListField(child=serializers.DictField())
        low_score = serializers.IntegerField()

    @extend_schema(request=PublishInputSerializer, responses={201: QuestionnaireOutputSerializer})
    def post(self, request: Request, site_id: int) -> Response:
        access.require(request.user, site_id, Cap.SERVICE_MANAGE)
        data = _valid(self.PublishInputSerializer, request)
        questionnaire = services.questionnaire_publish(
            site=access.site_get_for_user(request.user, site_id), actor=_user(request), **data
        )
        return Response(
            self.QuestionnaireOutputSerializer(questionnaire).data, status=status.HTTP_201_CREATED
        )


class SurveyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    questionnaire = serializers.IntegerField(source="questionnaire_id")
    answers = serializers.DictField()
    average_score = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    low_score = serializers.BooleanField()
    follow_up = serializers.SerializerMethodField()

    def get_follow_up(self, response: Any) -> int | None:
        task = getattr(response, "follow_up", None)
        return task.pk if task else None


class SurveyResponseCreateApi(APIView):
    """SVC-06: record an owner's answers to a questionnaire; a low score creates a follow-up task."""

    class SurveyInputSerializer(serializers.Serializer):
        answers = serializers.DictField()
        work_order = serializers.IntegerField(required=False, allow_null=True, default=None)

    @extend_schema(request=SurveyInputSerializer, responses={201: SurveyOutputSerializer})
    def post(self, request: Request, questionnaire_id: int) -> Response:
        questionnaire = selectors.questionnaire_get(user=request.user, questionnaire_id=questionnaire_id)
        data = _valid(self.SurveyInputSerializer, request)
        order = None
        if data["work_order"] is not None:
            order = selectors.work_order_get(user=request.user, work_order_id=data["work_order"])
        response = services.survey_response_record(
            questionnaire=questionnaire, actor=_user(request), answers=data["answers"], work_order=order,
            customer=order.customer if order else None,
        )  # fmt: skip
        return Response(SurveyOutputSerializer(response).data, status=status.HTTP_201_CREATED)


class ReturnVisitRecordApi(APIView):
    """SVC-06: record a return visit (notes, and the survey answers when a questionnaire is given)."""

    class VisitInputSerializer(serializers.Serializer):
        notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
        questionnaire = serializers.IntegerField(required=False, allow_null=True, default=None)
        answers = serializers.DictField(required=False, default=dict)

    class VisitOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        kind = serializers.CharField()
        due_on = serializers.DateField()
        done_at = serializers.DateTimeField(allow_null=True)
        notes = serializers.CharField()

    @extend_schema(request=VisitInputSerializer, responses=VisitOutputSerializer)
    def post(self, request: Request, visit_id: int) -> Response:
        visit = selectors.visit_get(user=request.user, visit_id=visit_id)
        data = _valid(self.VisitInputSerializer, request)
        questionnaire = None
        if data["questionnaire"] is not None:
            questionnaire = selectors.questionnaire_get(
                user=request.user, questionnaire_id=data["questionnaire"]
            )
        visit = services.return_visit_record(
            visit=visit,
            actor=_user(request),
            notes=data["notes"],
            questionnaire=questionnaire,
            answers=data["answers"],
        )
        return Response(self.VisitOutputSerializer(visit).data)


# --- Move-in (MOVE-01/02) ---


class BatchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    planned_start = serializers.DateField()
    planned_end = serializers.DateField()
    slot_capacity = serializers.IntegerField()
    documents = serializers.DictField()
    working_group = serializers.ListField(child=serializers.DictField())
    approved_at = serializers.DateTimeField(allow_null=True)


class BatchListCreateApi(ListAPIView[MoveInBatch]):
    """MOVE-01: GET lists the site's move-in batches; POST creates one."""

    serializer_class = BatchOutputSerializer
    filter_backends: list[Any] = []

    class BatchInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        planned_start = serializers.DateField()
        planned_end = serializers.DateField()
        slot_capacity = serializers.IntegerField(min_value=1, max_value=100, default=4)
        repair_priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.HIGH)
        working_group = serializers.ListField(child=serializers.DictField(), required=False, default=list)
        group_formed_on = serializers.DateField(required=False, allow_null=True, default=None)
        documents_ready = serializers.DictField(child=serializers.DateField(), required=False, default=dict)
        property_fee_per_m2 = serializers.DecimalField(
            max_digits=8, decimal_places=2, min_value=Decimal(0), default=Decimal(0)
        )
        property_fee_months = serializers.IntegerField(min_value=1, max_value=36, default=12)
        maintenance_fund_per_m2 = serializers.DecimalField(
            max_digits=10, decimal_places=2, min_value=Decimal(0), default=Decimal(0)
        )
        certificate_fees = serializers.DecimalField(
            max_digits=12, decimal_places=2, min_value=Decimal(0), default=Decimal(0)
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if attrs["planned_end"] < attrs["planned_start"]:
                raise serializers.ValidationError({"planned_end": [_("Before the start.")]})
            return attrs

    def get_queryset(self) -> QuerySet[MoveInBatch]:
        if getattr(self, "swagger_fake_view", False):
            return MoveInBatch.objects.none()
        return selectors.batch_list(user=self.request.user, site=int(self.kwargs["site_id"]))

    @extend_schema(request=BatchInputSerializer, responses={201: BatchOutputSerializer})
    def post(self, request: Request, site_id: int) -> Response:
        access.require(request.user, site_id, Cap.SERVICE_MANAGE)
        data = _valid(self.BatchInputSerializer, request)
        batch = services.move_in_batch_create(
            site=access.site_get_for_user(request.user, site_id), actor=_user(request), **data
        )
        return Response(BatchOutputSerializer(batch).data, status=status.HTTP_201_CREATED)


class BatchUnitsAddApi(APIView):
    """MOVE-01: put contracted units on the batch's list."""

    class UnitsInputSerializer(serializers.Serializer):
        contracts = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=500)

    @extend_schema(request=UnitsInputSerializer, responses=BatchOutputSerializer)
    def post(self, request: Request, batch_id: int) -> Response:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        data = _valid(self.UnitsInputSerializer, request)
        contracts = []
        for contract_id in data["contracts"]:
            try:
                contract = selectors.contract_get(user=request.user, contract_id=contract_id)
            except Http404:
                raise serializers.ValidationError(
                    {"contracts": [f"Unknown contract {contract_id}."]}
                ) from None
            if contract.site_id != batch.site_id:
                raise serializers.ValidationError({"contracts": [f"Unknown contract {contract_id}."]})
            contracts.append(contract)
        batch = services.move_in_batch_units_add(batch=batch, actor=_user(request), contracts=contracts)
        return Response(BatchOutputSerializer(batch).data)


class BatchApproveApi(APIView):
    """MOVE-01: the site manager approves the move-in list."""

    @extend_schema(request=None, responses=BatchOutputSerializer)
    def post(self, request: Request, batch_id: int) -> Response:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        batch = services.move_in_batch_approve(batch=batch, actor=_user(request))
        return Response(BatchOutputSerializer(batch).data)


class SlotOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    booked = serializers.IntegerField()


class SlotCreateApi(APIView):
    """MOVE-02: add a handover slot to the batch."""

    class SlotInputSerializer(serializers.Serializer):
        starts_at = fields.DateTimeField()
        ends_at = fields.DateTimeField()
        capacity = serializers.IntegerField(
            min_value=1, max_value=100, required=False, allow_null=True, default=None
        )

    @extend_schema(request=SlotInputSerializer, responses={201: SlotOutputSerializer})
    def post(self, request: Request, batch_id: int) -> Response:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        data = _valid(self.SlotInputSerializer, request)
        slot = services.move_in_slot_create(batch=batch, actor=_user(request), **data)
        return Response(SlotOutputSerializer(slot).data, status=status.HTTP_201_CREATED)


class NoticesSendApi(APIView):
    """MOVE-02: send the move-in notices still missing for the approved list."""

    class SentSerializer(serializers.Serializer):
        sent = serializers.IntegerField()

    @extend_schema(request=None, responses=SentSerializer)
    def post(self, request: Request, batch_id: int) -> Response:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        sent = services.move_in_notices_send(batch=batch, actor=_user(request))
        return Response({"sent": sent})


class SlotBookApi(APIView):
    """MOVE-02: book a slot for a contract on the list, within the slot's capacity (409 when full)."""

    class BookInputSerializer(serializers.Serializer):
        contract = serializers.IntegerField()

    class BookingOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        slot = serializers.IntegerField(source="slot_id")
        contract = serializers.IntegerField(source="contract_id")
        booked_at = serializers.DateTimeField()

    @extend_schema(request=BookInputSerializer, responses={201: BookingOutputSerializer})
    def post(self, request: Request, slot_id: int) -> Response:
        slot = selectors.slot_get(user=request.user, slot_id=slot_id)
        data = _valid(self.BookInputSerializer, request)
        try:
            contract = selectors.contract_get(user=request.user, contract_id=data["contract"])
        except Http404:
            raise serializers.ValidationError({"contract": [_("Not found.")]}) from None
        booking = services.slot_book(slot=slot, contract=contract, actor=_user(request))
        return Response(self.BookingOutputSerializer(booking).data, status=status.HTTP_201_CREATED)


# --- Area settlement (AREA-01/02) ---


class SettlementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract = serializers.IntegerField(source="contract_id")
    contract_area = serializers.DecimalField(max_digits=10, decimal_places=2)
    surveyed_area = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    buyer_pays = serializers.DecimalField(max_digits=14, decimal_places=2)
    developer_bears = serializers.DecimalField(max_digits=14, decimal_places=2)
    refund = serializers.DecimalField(max_digits=14, decimal_places=2)
    double_refund = serializers.DecimalField(max_digits=14, decimal_places=2)
    net = serializers.DecimalField(max_digits=14, decimal_places=2)
    buyer_may_cancel = serializers.BooleanField()
    lines = serializers.ListField(child=serializers.DictField())
    status = serializers.CharField()
    money_record = serializers.IntegerField(source="money_record_id", allow_null=True)


class AreaSettlementComputeApi(APIView):
    """AREA-01: compute (or compute again before signing) the contract's area settlement."""

    class ComputeInputSerializer(serializers.Serializer):
        surveyed_area = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)

    @extend_schema(request=ComputeInputSerializer, responses=SettlementOutputSerializer)
    def post(self, request: Request, contract_id: int) -> Response:
        contract = selectors.contract_get(user=request.user, contract_id=contract_id)
        data = _valid(self.ComputeInputSerializer, request)
        settlement = services.area_settlement_compute(
            contract=contract, actor=_user(request), surveyed_area=data["surveyed_area"]
        )
        return Response(SettlementOutputSerializer(settlement).data)


class AreaSettlementSignApi(APIView):
    """AREA-02: the buyer signs the statement (``settle``: money record entered) or chooses to cancel
    beyond the threshold (``cancel``)."""

    class SignInputSerializer(serializers.Serializer):
        signed_by_name = serializers.CharField(max_length=50, validators=[validate_person_name])
        choice = serializers.ChoiceField(choices=["settle", "cancel"], default="settle")

    @extend_schema(request=SignInputSerializer, responses=SettlementOutputSerializer)
    def post(self, request: Request, settlement_id: int) -> Response:
        settlement = selectors.settlement_get(user=request.user, settlement_id=settlement_id)
        data = _valid(self.SignInputSerializer, request)
        settlement = services.area_settlement_sign(settlement=settlement, actor=_user(request), **data)
        return Response(SettlementOutputSerializer(settlement).data)


# --- Certificates (CERT-01) ---


class CertificateOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.IntegerField(source="unit_id")
    contract = serializers.IntegerField(source="contract_id")
    mortgage = serializers.BooleanField()
    status = serializers.CharField()
    status_since = serializers.DateField()
    overdue_since = serializers.DateField(allow_null=True)
    fees_collected = serializers.DecimalField(max_digits=12, decimal_places=2)


class CertificateListApi(ListAPIView[CertificateCase]):
    """CERT-01: the site's certificate cases with their overdue flags."""

    serializer_class = CertificateOutputSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[CertificateCase]:
        if getattr(self, "swagger_fake_view", False):
            return CertificateCase.objects.none()
        return selectors.certificate_list(user=self.request.user, site=int(self.kwargs["site_id"]))


class CertificateOpenApi(APIView):
    """CERT-01: open the certificate case of a contract's unit (documents collected, fees pre-collected)."""

    class OpenInputSerializer(serializers.Serializer):
        fees_collected = serializers.DecimalField(
            max_digits=12, decimal_places=2, min_value=Decimal(0), default=Decimal(0)
        )
        mortgage = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(request=OpenInputSerializer, responses={201: CertificateOutputSerializer})
    def post(self, request: Request, contract_id: int) -> Response:
        contract = selectors.contract_get(user=request.user, contract_id=contract_id)
        data = _valid(self.OpenInputSerializer, request)
        case = services.certificate_open(contract=contract, actor=_user(request), **data)
        return Response(CertificateOutputSerializer(case).data, status=status.HTTP_201_CREATED)


class CertificateAdvanceApi(APIView):
    """CERT-01: one dated step of the certificate."""

    class AdvanceInputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=[action.value for action in rules.CertificateAction])
        on = serializers.DateField(required=False, allow_null=True, default=None)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        signed_by_name = serializers.CharField(
            max_length=50, required=False, allow_blank=True, default="", validators=[validate_person_name]
        )

    @extend_schema(request=AdvanceInputSerializer, responses=CertificateOutputSerializer)
    def post(self, request: Request, case_id: int) -> Response:
        case = selectors.certificate_get(user=request.user, case_id=case_id)
        data = _valid(self.AdvanceInputSerializer, request)
        case = services.certificate_advance(case=case, actor=_user(request), **data)
        return Response(CertificateOutputSerializer(case).data)


# --- Statistics (SVC-08) ---


class ServiceStatisticsApi(APIView):
    """SVC-08: service statistics of a period (``start``, ``end``: dates, end excluded; default this month)."""

    @extend_schema(
        parameters=[OpenApiParameter("start", dt.date), OpenApiParameter("end", dt.date)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, site_id: int) -> Response:
        start, end = statistics_period(request.query_params)
        report = selectors.service_statistics(user=request.user, site=site_id, start=start, end=end)
        audit_record(
            action="report.service_statistics",
            actor=request.user,
            site=site_id,
            after={"start": start, "end": end},
        )
        return Response(_jsonable(report))


def statistics_period(params: Any) -> tuple[dt.datetime, dt.datetime]:
    """SEC-07: the report period from ``start``/``end`` dates (end excluded), at most two years long."""
    today = timezone.localdate()
    try:
        start_day = (
            dt.date.fromisoformat(params.get("start")) if params.get("start") else today.replace(day=1)
        )
        end_day = (
            dt.date.fromisoformat(params.get("end")) if params.get("end") else today + dt.timedelta(days=1)
        )
    except ValueError:
        raise serializers.ValidationError({"start": [_("Enter a valid date.")]}) from None
    if end_day <= start_day or (end_day - start_day).days > 731:
        raise serializers.ValidationError({"end": [_("Out of range.")]})
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start_day, dt.time(0, 0), tzinfo=zone),
        dt.datetime.combine(end_day, dt.time(0, 0), tzinfo=zone),
    )


def _jsonable(value: Any) -> Any:
    from salesoffice.core.audit import jsonable

    return jsonable(value)
