"""REST endpoints of the inventory (UNIT-01/02/04, QUOTE-01): one small input and output serializer per
endpoint, one endpoint per business verb; every lookup scoped by ``deals.selectors`` (another site → 404)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deals import selectors, services
from deals.filters import UnitFilter
from deals.models import Building, Unit
from deals.quotes import LoanType
from deals.rules import UnitAction
from salesoffice.core import access
from salesoffice.core.models import User
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

    @extend_schema(request=PriceChangeInputSerializer, responses=PriceChangeOutputSerializer)
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

    @extend_schema(request={"multipart/form-data": ImportInputSerializer}, responses=ImportOutputSerializer)
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
