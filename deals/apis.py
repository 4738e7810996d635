"""REST endpoints of the inventory (UNIT-01/02/04, QUOTE-01): one small input and output serializer per
endpoint, one endpoint per business verb; every lookup scoped by ``deals.selectors`` (another site → 404)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.selectors import customer_get_for_user, sees_full_details
from deals import selectors, services
from deals.filters import UnitFilter
from deals.models import ApprovalRequest, Building, Subscription, Unit
from deals.quotes import LoanType
from deals.rules import DepositKind, MortgageAction, UnitAction
from salesoffice.core import access, fields
from salesoffice.core.fields import validate_person_name
from salesoffice.core.models import User
from salesoffice.core.phones import mask_id_number
from salesoffice.core.roles import Cap

STATUS_CHOICES = Unit.Status.choices


class BuildingListApi(ListAPIView[Building]):
    """Buildings of a site."""

    class BuildingOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        floors = serializers.IntegerField()
        sort = serializers.IntegerField()

    serializer_class = BuildingOutputSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Building]:
        if getattr(self, "swagger_fake_view", False):
            return Building.objects.none()
        return selectors.building_list(user=self.request.user, site=self.kwargs["site_id"])


class UnitOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    building = serializers.IntegerField(source="building_id")
    building_name = serializers.CharField(source="building.name")
    floor = serializers.IntegerField()
    number = serializers.CharField()
    layout = serializers.CharField()
    orientation = serializers.CharField()
    building_area = serializers.DecimalField(max_digits=10, decimal_places=2)
    inner_area = serializers.DecimalField(max_digits=10, decimal_places=2)
    list_price_per_m2 = serializers.DecimalField(max_digits=14, decimal_places=2)
    list_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    sales_batch = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=STATUS_CHOICES, read_only=True)


class UnitListApi(ListAPIView[Unit]):
    """UNIT-04: a site's units with filters; a channel agent sees only available units (SEC-01)."""

    serializer_class = UnitOutputSerializer
    filterset_class = UnitFilter

    def get_queryset(self) -> QuerySet[Unit]:
        if getattr(self, "swagger_fake_view", False):
            return Unit.objects.none()
        return selectors.unit_list(user=self.request.user, site=self.kwargs["site_id"])


class UnitDetailApi(APIView):
    """UNIT-04: one unit with its status and price history."""

    class HistorySerializer(serializers.Serializer):
        at = serializers.DateTimeField()
        kind = serializers.CharField()
        actor = serializers.CharField(allow_null=True)
        reason = serializers.CharField()
        from_status = serializers.CharField(source="status_change.from_status", default=None)
        to_status = serializers.CharField(source="status_change.to_status", default=None)
        action = serializers.CharField(source="status_change.action", default=None)
        old_total = serializers.DecimalField(
            source="price_change.old_total", max_digits=14, decimal_places=2, default=None
        )
        new_total = serializers.DecimalField(
            source="price_change.new_total", max_digits=14, decimal_places=2, default=None
        )

    class UnitDetailOutputSerializer(UnitOutputSerializer):
        history = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses=UnitDetailOutputSerializer)
    def get(self, request: Request, unit_id: int) -> Response:
        unit = selectors.unit_get(user=request.user, unit_id=unit_id)
        history = (
            selectors.unit_history(unit=unit)
            if access.can(request.user, unit.site_id, Cap.UNITS_READ)
            else []
        )
        data = dict(UnitOutputSerializer(unit).data)
        data["history"] = self.HistorySerializer(history, many=True).data
        return Response(data)


class UnitStatusOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=STATUS_CHOICES)


class UnitReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class UnitWithholdApi(APIView):
    """UNIT-02: the site manager takes an available unit off sale. 409 when it is not available."""

    @extend_schema(request=UnitReasonInputSerializer, responses=UnitStatusOutputSerializer)
    def post(self, request: Request, unit_id: int) -> Response:
        return _unit_verb(request, unit_id, UnitAction.WITHHOLD)


class UnitReleaseApi(APIView):
    """UNIT-02: the site manager puts a withheld unit on sale. 409 when it is not withheld."""

    @extend_schema(request=UnitReasonInputSerializer, responses=UnitStatusOutputSerializer)
    def post(self, request: Request, unit_id: int) -> Response:
        return _unit_verb(request, unit_id, UnitAction.RELEASE)


def _unit_verb(request: Request, unit_id: int, action: UnitAction) -> Response:
    unit = selectors.unit_get(user=request.user, unit_id=unit_id, for_update_cap=Cap.UNITS_CONTROL)
    payload = UnitReasonInputSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    assert isinstance(request.user, User)
    unit = services.unit_transition(
        unit=unit, action=action, actor=request.user, reason=payload.validated_data["reason"]
    )
    return Response(UnitStatusOutputSerializer(unit).data)


class UnitPriceChangeApi(APIView):
    """UNIT-01: change a unit's list price (per m² or total) with a reason."""

    class PriceChangeInputSerializer(serializers.Serializer):
        price_per_m2 = serializers.DecimalField(
            max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True
        )
        total = serializers.DecimalField(
            max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True
        )
        reason = serializers.CharField(max_length=500)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if (attrs.get("price_per_m2") is None) == (attrs.get("total") is None):
                raise serializers.ValidationError("Give either price_per_m2 or total.")
            return attrs

    class PriceChangeOutputSerializer(serializers.Serializer):
        unit = serializers.IntegerField(source="unit_id")
        old_price_per_m2 = serializers.DecimalField(max_digits=14, decimal_places=2)
        new_price_per_m2 = serializers.DecimalField(max_digits=14, decimal_places=2)
        old_total = serializers.DecimalField(max_digits=14, decimal_places=2)
        new_total = serializers.DecimalField(max_digits=14, decimal_places=2)
        reason = serializers.CharField()
        at = serializers.DateTimeField()

    @extend_schema(request=PriceChangeInputSerializer, responses={201: PriceChangeOutputSerializer})
    def post(self, request: Request, unit_id: int) -> Response:
        unit = selectors.unit_get(user=request.user, unit_id=unit_id, for_update_cap=Cap.UNITS_CONTROL)
        payload = self.PriceChangeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        change = services.unit_price_change(
            unit=unit,
            actor=request.user,
            reason=payload.validated_data["reason"],
            price_per_m2=payload.validated_data.get("price_per_m2"),
            total=payload.validated_data.get("total"),
        )
        return Response(self.PriceChangeOutputSerializer(change).data, status=status.HTTP_201_CREATED)


class UnitQuoteApi(APIView):
    """QUOTE-01: the counter quote of one unit: down payment, loans by both repayment methods, fees."""

    class QuoteInputSerializer(serializers.Serializer):
        loan_type = serializers.ChoiceField(choices=[kind.value for kind in LoanType])
        down_payment_ratio = serializers.DecimalField(
            max_digits=4, decimal_places=2, min_value=0, max_value=Decimal("0.99"), default=Decimal("0.30")
        )
        years = serializers.IntegerField(min_value=1, max_value=30, default=30)
        commercial_rate = serializers.DecimalField(
            max_digits=5, decimal_places=3, min_value=0, max_value=20, required=False, allow_null=True,
            help_text="Percent a year, e.g. 3.5",
        )  # fmt: skip
        provident_fund_rate = serializers.DecimalField(
            max_digits=5, decimal_places=3, min_value=0, max_value=20, required=False, allow_null=True,
            help_text="Percent a year, e.g. 2.85",
        )  # fmt: skip
        provident_fund_limit = serializers.DecimalField(
            max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True
        )

    class LoanOutputSerializer(serializers.Serializer):
        kind = serializers.CharField()
        principal = serializers.DecimalField(max_digits=14, decimal_places=2)
        annual_rate = serializers.DecimalField(max_digits=8, decimal_places=5)
        equal_instalments_monthly = serializers.DecimalField(
            source="equal_instalments.monthly_payment", max_digits=14, decimal_places=2
        )
        equal_instalments_total_interest = serializers.DecimalField(
            source="equal_instalments.total_interest", max_digits=14, decimal_places=2
        )
        equal_principal_first_month = serializers.DecimalField(
            source="equal_principal.first_month_payment", max_digits=14, decimal_places=2
        )
        equal_principal_monthly_decrease = serializers.DecimalField(
            source="equal_principal.monthly_decrease", max_digits=14, decimal_places=2
        )
        equal_principal_total_interest = serializers.DecimalField(
            source="equal_principal.total_interest", max_digits=14, decimal_places=2
        )

    class FeeOutputSerializer(serializers.Serializer):
        name = serializers.CharField()
        amount = serializers.DecimalField(max_digits=14, decimal_places=2)

    class QuoteOutputSerializer(serializers.Serializer):
        list_total = serializers.DecimalField(max_digits=14, decimal_places=2)
        total = serializers.DecimalField(max_digits=14, decimal_places=2)
        down_payment = serializers.DecimalField(max_digits=14, decimal_places=2)
        loan_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
        equal_instalments_monthly = serializers.DecimalField(max_digits=14, decimal_places=2)
        equal_instalments_total_interest = serializers.DecimalField(max_digits=14, decimal_places=2)
        equal_principal_first_month = serializers.DecimalField(max_digits=14, decimal_places=2)
        equal_principal_monthly_decrease = serializers.DecimalField(max_digits=14, decimal_places=2)
        equal_principal_total_interest = serializers.DecimalField(max_digits=14, decimal_places=2)
        fees_total = serializers.DecimalField(max_digits=14, decimal_places=2)

    @extend_schema(request=QuoteInputSerializer, responses=QuoteOutputSerializer)
    def post(self, request: Request, unit_id: int) -> Response:
        unit = selectors.unit_get(user=request.user, unit_id=unit_id)
        payload = self.QuoteInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        result = selectors.unit_quote(
            unit=unit,
            loan_type=LoanType(data["loan_type"]),
            down_payment_ratio=data["down_payment_ratio"],
            years=data["years"],
            commercial_rate_percent=data.get("commercial_rate"),
            provident_fund_rate_percent=data.get("provident_fund_rate"),
            provident_fund_limit=data.get("provident_fund_limit"),
        )
        body = dict(self.QuoteOutputSerializer(result).data)
        body["loans"] = self.LoanOutputSerializer(result.loans, many=True).data
        body["fees"] = self.FeeOutputSerializer(result.fees, many=True).data
        return Response(body)


class ImportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    file_name = serializers.CharField()
    status = serializers.CharField()
    total_rows = serializers.IntegerField()
    processed_rows = serializers.IntegerField()
    created_units = serializers.IntegerField()
    # Named apart from ``Serializer.errors``; each is {row, column, message}.
    row_errors = serializers.ListField(source="errors", child=serializers.DictField())


class InventoryImportCreateApi(APIView):
    """UNIT-01, SEC-07: upload a unit list (.xlsx/.csv, size-limited); poll its status until done or
    rejected with a row-level error report."""

    parser_classes = [MultiPartParser]

    class ImportInputSerializer(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(
        request={"multipart/form-data": ImportInputSerializer}, responses={202: ImportOutputSerializer}
    )
    def post(self, request: Request, site_id: int) -> Response:
        site = access.site_get_for_user(request.user, site_id)
        access.require(request.user, site.pk, Cap.UNITS_CONTROL)
        payload = self.ImportInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        assert isinstance(request.user, User)
        record = services.inventory_import_create(
            site=site,
            actor=request.user,
            name=upload.name,
            content=bytes(upload.read(settings.UPLOAD_MAX_BYTES + 1)),
        )
        return Response(ImportOutputSerializer(record).data, status=status.HTTP_202_ACCEPTED)


class InventoryImportStatusApi(APIView):
    @extend_schema(responses=ImportOutputSerializer)
    def get(self, request: Request, import_id: int) -> Response:
        record = selectors.inventory_import_get(user=request.user, import_id=import_id)
        return Response(ImportOutputSerializer(record).data)


# --- Deals: deposits, approvals, subscriptions, contracts, cancellations, payments, loans, commission ---
# One endpoint per verb; input and output serializers per endpoint; lookups through ``deals.selectors``.


def _money(**options: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **options)


def _user(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


class DepositOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    deal = serializers.IntegerField(source="deal_id")
    unit = serializers.IntegerField(source="unit_id")
    customer = serializers.IntegerField(source="customer_id")
    kind = serializers.CharField()
    amount = _money()
    paid_at = serializers.DateTimeField()
    hold_until = serializers.DateTimeField()
    status = serializers.CharField()
    previous = serializers.IntegerField(source="previous_id", allow_null=True)


class DepositTakeInputSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    amount = _money(min_value=Decimal("0.01"))
    method = serializers.ChoiceField(choices=["cash", "card", "transfer", "wechat", "alipay"])
    top_up_due_on = serializers.DateField(required=False, allow_null=True)


def _deposit_take(request: Request, unit_id: int, kind: DepositKind) -> Response:
    unit = selectors.unit_get(user=request.user, unit_id=unit_id, for_update_cap=Cap.UNITS_HOLD)
    payload = DepositTakeInputSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    try:
        customer = customer_get_for_user(user=request.user, customer_id=data["customer"])
    except Http404:
        raise serializers.ValidationError({"customer": [_("Not found.")]}) from None
    deposit = services.deposit_take(
        unit=unit, customer=customer, actor=_user(request), kind=kind, amount=data["amount"],
        method=data["method"], top_up_due_on=data.get("top_up_due_on"),
    )  # fmt: skip
    return Response(DepositOutputSerializer(deposit).data, status=status.HTTP_201_CREATED)


class UnitHoldApi(APIView):
    """DEP-01, UNIT-03: a small deposit holds the unit; 409 "unit no longer available" when taken."""

    @extend_schema(request=DepositTakeInputSerializer, responses={201: DepositOutputSerializer})
    def post(self, request: Request, unit_id: int) -> Response:
        return _deposit_take(request, unit_id, DepositKind.SMALL)


class UnitReserveApi(APIView):
    """DEP-02, UNIT-03: a large deposit reserves the unit (10,000 yuan up to 20% of the total by default)."""

    @extend_schema(request=DepositTakeInputSerializer, responses={201: DepositOutputSerializer})
    def post(self, request: Request, unit_id: int) -> Response:
        return _deposit_take(request, unit_id, DepositKind.LARGE)


class DepositTopUpApi(APIView):
    """DEP-04: a small deposit becomes a large one; ``large_amount`` is the new total deposit."""

    class InputSerializer(serializers.Serializer):
        large_amount = _money(min_value=Decimal("0.01"))
        method = serializers.ChoiceField(choices=["cash", "card", "transfer", "wechat", "alipay"])

    @extend_schema(request=InputSerializer, responses={201: DepositOutputSerializer})
    def post(self, request: Request, deposit_id: int) -> Response:
        deposit = selectors.deposit_get(user=request.user, deposit_id=deposit_id)
        access.require(request.user, deposit.site_id, Cap.UNITS_HOLD)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        large = services.deposit_top_up(deposit=deposit, actor=_user(request), **payload.validated_data)
        return Response(DepositOutputSerializer(large).data, status=status.HTTP_201_CREATED)


class DepositChangeUnitApi(APIView):
    """DEP-05: move the hold to another available unit; a cheaper unit needs an approved request."""

    class InputSerializer(serializers.Serializer):
        to_unit = serializers.IntegerField(min_value=1)
        reason = serializers.CharField(max_length=500)
        approval = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: DepositOutputSerializer})
    def post(self, request: Request, deposit_id: int) -> Response:
        deposit = selectors.deposit_get(user=request.user, deposit_id=deposit_id)
        access.require(request.user, deposit.site_id, Cap.UNITS_HOLD)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            to_unit = selectors.unit_get(user=request.user, unit_id=data["to_unit"])
        except Http404:
            raise serializers.ValidationError({"to_unit": [_("Not found.")]}) from None
        approval = (
            selectors.approval_get(user=request.user, request_id=data["approval"])
            if data.get("approval")
            else None
        )
        moved = services.deposit_unit_change(
            deposit=deposit, to_unit=to_unit, actor=_user(request), reason=data["reason"], approval=approval
        )
        return Response(DepositOutputSerializer(moved).data, status=status.HTTP_201_CREATED)


class DepositExtendApi(APIView):
    """DEP-03: the site manager extends a large deposit's hold, with a reason."""

    class InputSerializer(serializers.Serializer):
        until = fields.DateTimeField()
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses=DepositOutputSerializer)
    def post(self, request: Request, deposit_id: int) -> Response:
        deposit = selectors.deposit_get(user=request.user, deposit_id=deposit_id)
        access.require(request.user, deposit.site_id, Cap.DEALS_APPROVE)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return Response(
            DepositOutputSerializer(
                services.hold_extend(deposit=deposit, actor=_user(request), **payload.validated_data)
            ).data
        )


class DepositWaiveForfeitureApi(APIView):
    """DEP-03: the site manager waives the forfeiture of a large deposit, with a reason."""

    @extend_schema(request=UnitReasonInputSerializer, responses=DepositOutputSerializer)
    def post(self, request: Request, deposit_id: int) -> Response:
        deposit = selectors.deposit_get(user=request.user, deposit_id=deposit_id)
        access.require(request.user, deposit.site_id, Cap.DEALS_APPROVE)
        payload = UnitReasonInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        waived = services.forfeiture_waive(
            deposit=deposit, actor=_user(request), reason=payload.validated_data["reason"]
        )
        return Response(DepositOutputSerializer(waived).data)


class ApprovalOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    deal = serializers.IntegerField(source="deal_id", allow_null=True)
    unit = serializers.IntegerField(source="unit_id")
    target_unit = serializers.IntegerField(source="target_unit_id", allow_null=True)
    customer = serializers.IntegerField(source="customer_id")
    list_price = _money(allow_null=True)
    requested_price = _money(allow_null=True)
    approved_price = _money(allow_null=True)
    requested_until = serializers.DateTimeField(allow_null=True)
    settlement = serializers.CharField()
    reason = serializers.CharField()
    required_approver = serializers.CharField()
    requested_by = serializers.IntegerField(source="requested_by_id")
    requested_at = serializers.DateTimeField()
    status = serializers.CharField()
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class ApprovalListApi(ListAPIView[ApprovalRequest]):
    """DISC-02: the site's waiting requests for approvers; a salesperson lists their own. ``?status=`` all."""

    serializer_class = ApprovalOutputSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ApprovalRequest]:
        if getattr(self, "swagger_fake_view", False):
            return ApprovalRequest.objects.none()
        wanted = self.request.query_params.get("status", "requested")
        if wanted not in ("", *ApprovalRequest.Status.values):
            raise serializers.ValidationError({"status": [_("Unknown.")]})
        return selectors.approval_list(
            user=self.request.user, site_id=int(self.kwargs["site_id"]), status=wanted
        )


class ApprovalCreateApi(APIView):
    """DISC-01/02, DEP-03, DEP-05: ask for a discount (unit, requested price, reason, customer), a unit
    change, a hold extension or a forfeiture waiver; cancellations have their own endpoint."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(
            choices=["discount", "unit_change", "hold_extension", "forfeiture_waiver"]
        )
        unit = serializers.IntegerField(min_value=1)
        customer = serializers.IntegerField(min_value=1)
        deal = serializers.IntegerField(min_value=1, required=False, allow_null=True)
        requested_price = _money(min_value=Decimal("0.01"), required=False, allow_null=True)
        target_unit = serializers.IntegerField(min_value=1, required=False, allow_null=True)
        requested_until = fields.DateTimeField(required=False, allow_null=True)
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses={201: ApprovalOutputSerializer})
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            unit = selectors.unit_get(
                user=request.user, unit_id=data["unit"], for_update_cap=Cap.DEALS_REQUEST
            )
        except Http404:
            raise serializers.ValidationError({"unit": [_("Not found.")]}) from None
        try:
            customer = customer_get_for_user(user=request.user, customer_id=data["customer"])
        except Http404:
            raise serializers.ValidationError({"customer": [_("Not found.")]}) from None
        try:
            target = (
                selectors.unit_get(user=request.user, unit_id=data["target_unit"])
                if data.get("target_unit")
                else None
            )
        except Http404:
            raise serializers.ValidationError({"target_unit": [_("Not found.")]}) from None
        try:
            deal = selectors.deal_get(user=request.user, deal_id=data["deal"]) if data.get("deal") else None
        except Http404:
            raise serializers.ValidationError({"deal": [_("Not found.")]}) from None
        created = services.approval_request(
            kind=data["kind"], actor=_user(request), unit=unit, customer=customer, deal=deal, reason=data["reason"],
            requested_price=data.get("requested_price"), target_unit=target, requested_until=data.get("requested_until"),
        )  # fmt: skip
        return Response(ApprovalOutputSerializer(created).data, status=status.HTTP_201_CREATED)


class ApprovalDetailApi(APIView):
    """DISC-02: a request's current status (the requester polls it)."""

    @extend_schema(responses=ApprovalOutputSerializer)
    def get(self, request: Request, request_id: int) -> Response:
        return Response(
            ApprovalOutputSerializer(selectors.approval_get(user=request.user, request_id=request_id)).data
        )


class ApprovalApproveApi(APIView):
    """DISC-01/02: approve within the approver's authority; ``approved_price`` changes the price; beyond the
    site manager's limit ``developer_approval`` records the developer's approval."""

    class InputSerializer(serializers.Serializer):
        approved_price = _money(min_value=Decimal("0.01"), required=False, allow_null=True)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        developer_approval = serializers.CharField(
            max_length=200, required=False, allow_blank=True, default=""
        )

    @extend_schema(request=InputSerializer, responses=ApprovalOutputSerializer)
    def post(self, request: Request, request_id: int) -> Response:
        approval = selectors.approval_get(user=request.user, request_id=request_id)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        decided = services.approval_decide(
            request=approval, actor=_user(request),
            decision=services.Decision.CHANGE if data.get("approved_price") else services.Decision.APPROVE,
            note=data["note"], approved_price=data.get("approved_price"), developer_approval=data["developer_approval"],
        )  # fmt: skip
        return Response(ApprovalOutputSerializer(decided).data)


class ApprovalRefuseApi(APIView):
    """DISC-02: refuse with a reason."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses=ApprovalOutputSerializer)
    def post(self, request: Request, request_id: int) -> Response:
        approval = selectors.approval_get(user=request.user, request_id=request_id)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = services.approval_decide(
            request=approval,
            actor=_user(request),
            decision=services.Decision.REFUSE,
            note=payload.validated_data["note"],
        )
        return Response(ApprovalOutputSerializer(decided).data)


class BuyerSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, validators=[validate_person_name])
    id_type = serializers.ChoiceField(
        choices=["resident_id", "passport", "hk_macau_permit", "taiwan_permit", "other"]
    )
    id_number = serializers.CharField(max_length=40)


class SubscriptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    deal = serializers.IntegerField(source="deal_id")
    unit = serializers.IntegerField(source="unit_id")
    deposit = serializers.IntegerField(source="deposit_id")
    buyers = serializers.SerializerMethodField()
    list_total = _money()
    price = _money()
    discount_approval = serializers.IntegerField(source="discount_approval_id", allow_null=True)
    payment_method = serializers.CharField()
    signing_deadline = serializers.DateTimeField()
    checklist = serializers.DictField()
    status = serializers.CharField()

    def get_buyers(self, subscription: Subscription) -> list[dict[str, str]]:
        """SEC-02: the ID number is masked for anyone without full rights on the customer."""
        full = sees_full_details(self.context["user"], subscription.deal.customer)
        return [
            {**buyer, "id_number": buyer["id_number"] if full else mask_id_number(buyer["id_number"])}
            for buyer in subscription.buyers
        ]


class SubscriptionCreateApi(APIView):
    """CON-01: the subscription from an active large deposit; a discounted price only via an approved
    discount request (DISC-03), otherwise 409."""

    class InputSerializer(serializers.Serializer):
        buyers = BuyerSerializer(many=True, min_length=1, max_length=4)  # type: ignore[call-arg]
        payment_method = serializers.ChoiceField(choices=["full_payment", "mortgage", "instalments"])
        discount_approval = serializers.IntegerField(min_value=1, required=False, allow_null=True)
        documents_to_bring = serializers.CharField(
            max_length=500, required=False, allow_blank=True, default=""
        )
        by_agent = serializers.BooleanField(default=False)

    @extend_schema(request=InputSerializer, responses={201: SubscriptionOutputSerializer})
    def post(self, request: Request, deposit_id: int) -> Response:
        deposit = selectors.deposit_get(user=request.user, deposit_id=deposit_id)
        access.require(request.user, deposit.site_id, Cap.DEALS_REQUEST)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        approval = (
            selectors.approval_get(user=request.user, request_id=data["discount_approval"])
            if data.get("discount_approval") else None
        )  # fmt: skip
        subscription = services.subscription_create(
            deposit=deposit, actor=_user(request), buyers=[dict(buyer) for buyer in data["buyers"]],
            payment_method=data["payment_method"], discount_approval=approval,
            documents_to_bring=data["documents_to_bring"], by_agent=data["by_agent"],
        )  # fmt: skip
        body = SubscriptionOutputSerializer(subscription, context={"user": request.user}).data
        return Response(body, status=status.HTTP_201_CREATED)


class SubscriptionDetailApi(APIView):
    @extend_schema(responses=SubscriptionOutputSerializer)
    def get(self, request: Request, subscription_id: int) -> Response:
        subscription = selectors.subscription_get(user=request.user, subscription_id=subscription_id)
        return Response(SubscriptionOutputSerializer(subscription, context={"user": request.user}).data)


class SubscriptionCheckApi(APIView):
    """CON-02: tick one check before signing (who and when are recorded)."""

    class InputSerializer(serializers.Serializer):
        item = serializers.ChoiceField(
            choices=[
                "id_verified",
                "qualification_confirmed",
                "terms_explained",
                "power_of_attorney_verified",
            ]
        )

    @extend_schema(request=InputSerializer, responses=SubscriptionOutputSerializer)
    def post(self, request: Request, subscription_id: int) -> Response:
        subscription = selectors.subscription_get(user=request.user, subscription_id=subscription_id)
        access.require(request.user, subscription.site_id, Cap.DEALS_REQUEST)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        checked = services.subscription_check(
            subscription=subscription, item=payload.validated_data["item"], actor=_user(request)
        )
        return Response(SubscriptionOutputSerializer(checked, context={"user": request.user}).data)


class ContractOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    deal = serializers.IntegerField(source="deal_id")
    subscription = serializers.IntegerField(source="subscription_id")
    unit = serializers.IntegerField(source="unit_id")
    price = _money()
    status = serializers.CharField()
    signed_at = serializers.DateTimeField()
    filing_number = serializers.CharField()
    filed_on = serializers.DateField(allow_null=True)


class ContractSignApi(APIView):
    """CON-02: sign the subscription's contract once every check is ticked; ``instalments`` is the payment
    schedule (PAY-02), adding up to the price (default: all due today)."""

    class InstalmentSerializer(serializers.Serializer):
        due_on = serializers.DateField()
        amount = _money(min_value=Decimal("0.01"))

    class InputSerializer(serializers.Serializer):
        instalments = serializers.ListField(child=serializers.DictField(), required=False, max_length=60)
        power_of_attorney_ref = serializers.CharField(
            max_length=100, required=False, allow_blank=True, default=""
        )

    @extend_schema(request=InputSerializer, responses={201: ContractOutputSerializer})
    def post(self, request: Request, subscription_id: int) -> Response:
        subscription = selectors.subscription_get(user=request.user, subscription_id=subscription_id)
        access.require(request.user, subscription.site_id, Cap.DEALS_REQUEST)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        items = self.InstalmentSerializer(data=payload.validated_data.get("instalments", []), many=True)
        items.is_valid(raise_exception=True)
        schedule = [(item["due_on"], item["amount"]) for item in items.validated_data] or None
        contract = services.contract_sign(
            subscription=subscription, actor=_user(request), instalments=schedule,
            power_of_attorney_ref=payload.validated_data["power_of_attorney_ref"],
        )  # fmt: skip
        return Response(ContractOutputSerializer(contract).data, status=status.HTTP_201_CREATED)


class ContractApproveApi(APIView):
    """CON-03: the site manager approves a signed contract internally."""

    @extend_schema(request=None, responses=ContractOutputSerializer)
    def post(self, request: Request, contract_id: int) -> Response:
        contract = selectors.contract_get(user=request.user, contract_id=contract_id)
        access.require(request.user, contract.site_id, Cap.DEALS_APPROVE)
        return Response(
            ContractOutputSerializer(services.contract_approve(contract=contract, actor=_user(request))).data
        )


class ContractFileApi(APIView):
    """CON-03: record the filing (备案) number and date of an approved contract."""

    class InputSerializer(serializers.Serializer):
        filing_number = serializers.CharField(max_length=50)
        filed_on = serializers.DateField()

    @extend_schema(request=InputSerializer, responses=ContractOutputSerializer)
    def post(self, request: Request, contract_id: int) -> Response:
        contract = selectors.contract_get(user=request.user, contract_id=contract_id)
        access.require(request.user, contract.site_id, Cap.DEALS_READ)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        filed = services.contract_file(contract=contract, actor=_user(request), **payload.validated_data)
        return Response(ContractOutputSerializer(filed).data)


class CancellationCreateApi(APIView):
    """CON-04: request a cancellation with the reason and the settlement (refund, buyer breach, developer
    breach); the site manager decides it through the approvals endpoints."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)
        settlement = serializers.ChoiceField(choices=["refund", "buyer", "developer"])

    @extend_schema(request=InputSerializer, responses={201: ApprovalOutputSerializer})
    def post(self, request: Request, deal_id: int) -> Response:
        deal = selectors.deal_get(user=request.user, deal_id=deal_id)
        if not access.is_manager(request.user, deal.site_id):
            access.require(request.user, deal.site_id, Cap.DEALS_REQUEST)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created = services.cancellation_request(deal=deal, actor=_user(request), **payload.validated_data)
        return Response(ApprovalOutputSerializer(created).data, status=status.HTTP_201_CREATED)


class CancellationCompleteApi(APIView):
    """CON-04, DEP-06: finance or the site manager settles an approved cancellation once the buyer has
    confirmed it; the unit returns to available and performance and commission are reversed."""

    class InputSerializer(serializers.Serializer):
        buyer_confirmed = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses=ApprovalOutputSerializer)
    def post(self, request: Request, request_id: int) -> Response:
        approval = selectors.approval_get(user=request.user, request_id=request_id)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.cancellation_complete(
            request=approval, actor=_user(request), buyer_confirmed=payload.validated_data["buyer_confirmed"]
        )
        return Response(
            ApprovalOutputSerializer(selectors.approval_get(user=request.user, request_id=request_id)).data
        )


class MoneyRecordOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    deal = serializers.IntegerField(source="deal_id")
    kind = serializers.CharField()
    amount = _money()
    payer = serializers.CharField()
    method = serializers.CharField()
    receipt_number = serializers.CharField()
    finance_user = serializers.IntegerField(source="finance_user_id", allow_null=True)
    at = serializers.DateTimeField()
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)


class PaymentCreateApi(APIView):
    """PAY-01: finance records money received for a deal (instalment, loan release, area adjustment, fee)."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=["instalment", "loan_release", "area_adjustment", "fee"])
        amount = _money(min_value=Decimal("0.01"))
        payer = serializers.CharField(max_length=100, validators=[validate_person_name])
        method = serializers.ChoiceField(choices=["cash", "card", "transfer", "wechat", "alipay", "loan"])
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: MoneyRecordOutputSerializer})
    def post(self, request: Request, deal_id: int) -> Response:
        deal = selectors.deal_get(user=request.user, deal_id=deal_id)
        access.require(request.user, deal.site_id, Cap.PAYMENTS_RECORD)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = services.payment_record(deal=deal, actor=_user(request), **payload.validated_data)
        return Response(MoneyRecordOutputSerializer(record).data, status=status.HTTP_201_CREATED)


class PaymentReverseApi(APIView):
    """PAY-01: finance corrects a record by a reversing record with a reason."""

    @extend_schema(request=UnitReasonInputSerializer, responses={201: MoneyRecordOutputSerializer})
    def post(self, request: Request, record_id: int) -> Response:
        record = selectors.money_record_get(user=request.user, record_id=record_id)
        access.require(request.user, record.site_id, Cap.PAYMENTS_RECORD)
        payload = UnitReasonInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reversal = services.payment_reverse(
            record=record, actor=_user(request), reason=payload.validated_data["reason"]
        )
        return Response(MoneyRecordOutputSerializer(reversal).data, status=status.HTTP_201_CREATED)


class DealLedgerApi(APIView):
    """PAY-01/02: a deal's money records with paid, balance, due, overdue and next due date."""

    class PositionSerializer(serializers.Serializer):
        price = _money()
        paid = _money()
        outstanding = _money()
        due = _money()
        overdue = _money()
        next_due_on = serializers.DateField(allow_null=True)
        next_due_amount = _money()

    @extend_schema(responses=PositionSerializer)
    def get(self, request: Request, deal_id: int) -> Response:
        deal = selectors.deal_get(user=request.user, deal_id=deal_id)
        position = services.deal_position(deal=deal, today=timezone.localdate())
        body = dict(self.PositionSerializer(position).data)
        body["records"] = MoneyRecordOutputSerializer(
            deal.money_records.order_by("at", "id")[:500], many=True
        ).data
        return Response(body)


class MortgageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    deal = serializers.IntegerField(source="deal_id")
    bank = serializers.CharField()
    loan_type = serializers.CharField()
    amount = _money()
    documents = serializers.DictField()
    status = serializers.CharField()
    status_since = serializers.DateField()


class MortgageStartApi(APIView):
    """MORT-01: start the loan file of a contracted deal with the documents collected."""

    class InputSerializer(serializers.Serializer):
        bank = serializers.CharField(max_length=50)
        loan_type = serializers.ChoiceField(choices=["commercial", "provident_fund", "combined"])
        amount = _money(min_value=Decimal("0.01"))
        documents = serializers.DictField(child=serializers.BooleanField(), required=False, default=dict)

    @extend_schema(request=InputSerializer, responses={201: MortgageOutputSerializer})
    def post(self, request: Request, deal_id: int) -> Response:
        deal = selectors.deal_get(user=request.user, deal_id=deal_id)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        mortgage = services.mortgage_start(deal=deal, actor=_user(request), **payload.validated_data)
        return Response(MortgageOutputSerializer(mortgage).data, status=status.HTTP_201_CREATED)


class MortgageAdvanceApi(APIView):
    """MORT-02: record the loan's next dated step."""

    class InputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=[action.value for action in MortgageAction])
        on = serializers.DateField(required=False, allow_null=True)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=MortgageOutputSerializer)
    def post(self, request: Request, mortgage_id: int) -> Response:
        mortgage = selectors.mortgage_get(user=request.user, mortgage_id=mortgage_id)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        advanced = services.mortgage_advance(
            mortgage=mortgage, actor=_user(request), **payload.validated_data
        )
        return Response(MortgageOutputSerializer(advanced).data)


class CommissionStatementApi(APIView):
    """COMM-03: a salesperson's commission lines of a month (their own; managers and finance anyone's)."""

    class LineSerializer(serializers.Serializer):
        deal = serializers.IntegerField(source="record.deal_id")
        contract_number = serializers.CharField()
        unit = serializers.CharField()
        share = serializers.DecimalField(source="record.share", max_digits=7, decimal_places=4)
        contract_amount = _money(source="record.contract_amount")
        rate = serializers.DecimalField(source="record.rate", max_digits=7, decimal_places=5)
        factor = serializers.DecimalField(source="record.factor", max_digits=5, decimal_places=4)
        amount = _money(source="record.amount")
        status = serializers.CharField(source="record.status")

    class StatementSerializer(serializers.Serializer):
        salesperson = serializers.IntegerField(source="salesperson.pk")
        year = serializers.IntegerField()
        month = serializers.IntegerField()
        total = _money()
        confirmed = _money()
        pending = _money()

    class QuerySerializer(serializers.Serializer):
        salesperson = serializers.IntegerField(min_value=1, required=False)
        year = serializers.IntegerField(min_value=2000, max_value=2100)
        month = serializers.IntegerField(min_value=1, max_value=12)

    @extend_schema(parameters=[QuerySerializer], responses=StatementSerializer)
    def get(self, request: Request, site_id: int) -> Response:
        site = access.site_get_for_user(request.user, site_id)  # another site: 404 before anything else
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        statement = selectors.commission_statement(
            user=request.user, site_id=site.pk,
            salesperson_id=data.get("salesperson", request.user.pk), year=data["year"], month=data["month"],
        )  # fmt: skip
        body = dict(self.StatementSerializer(statement).data)
        body["lines"] = self.LineSerializer(statement.lines, many=True).data
        return Response(body)
