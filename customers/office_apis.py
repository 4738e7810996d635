"""REST endpoints of the office work: channel reports for agents (CHAN-01/02) and the pool claim
(OWN-04). One endpoint per business verb; each validates with its own serializer and calls one service."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import office_selectors, services
from customers.models import ChannelReport
from customers.selectors import customer_get_for_user
from salesoffice.core import access
from salesoffice.core.fields import validate_person_name
from salesoffice.core.pagination import IdCursorPagination


class ChannelReportOutputSerializer(serializers.ModelSerializer[ChannelReport]):
    """CHAN-01, SEC-02: the phone only as the agent sent it, masked."""

    masked_phone = serializers.CharField(read_only=True)

    class Meta:
        model = ChannelReport
        fields = [
            "id", "site", "customer_name", "masked_phone", "team", "agent_full_name", "expected_date",
            "expected_period", "expected_time", "reported_at", "status", "rereports", "previous",
            "visit_token",
        ]  # fmt: skip
        read_only_fields = fields


class ChannelReportListApi(ListAPIView[ChannelReport]):
    """GET: the reports the user may see at a site (an agent: only their own). POST: report a customer."""

    class InputSerializer(serializers.Serializer):
        site = serializers.IntegerField()
        customer_name = serializers.CharField(max_length=50, validators=[validate_person_name])
        masked_phone = serializers.RegexField(r"^1\d{2}\*{3}\d{5}$", max_length=11)
        team = serializers.CharField(max_length=100)
        agent_full_name = serializers.CharField(max_length=50, validators=[validate_person_name])
        expected_date = serializers.DateField()
        expected_period = serializers.ChoiceField(
            choices=ChannelReport.Period.choices, required=False, allow_blank=True, default=""
        )
        expected_time = serializers.TimeField(required=False, allow_null=True, default=None)

    serializer_class = ChannelReportOutputSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[ChannelReport]:
        if getattr(self, "swagger_fake_view", False):
            return ChannelReport.objects.none()
        site = access.site_get_for_user(self.request.user, self.request.query_params.get("site"))
        return office_selectors.channel_report_list(user=self.request.user, site=site).order_by("-id")

    @extend_schema(request=InputSerializer, responses={201: ChannelReportOutputSerializer})
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(payload.validated_data)
        try:
            site = access.site_get_for_user(request.user, data.pop("site"))
        except Http404:
            raise serializers.ValidationError({"site": [_("Not found.")]}) from None
        report = services.channel_report_create(site=site, actor=request.user, **data)
        return Response(ChannelReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)


class ChannelReportRereportApi(APIView):
    """POST: re-report an expired report with the reason the customer did not come (CHAN-02)."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)
        expected_date = serializers.DateField()
        expected_period = serializers.ChoiceField(
            choices=ChannelReport.Period.choices, required=False, allow_blank=True, default=""
        )
        expected_time = serializers.TimeField(required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, responses={201: ChannelReportOutputSerializer})
    def post(self, request: Request, report_id: int) -> Response:
        report = office_selectors.channel_report_get(user=request.user, report_id=report_id)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        new = services.channel_report_rereport(report=report, actor=request.user, **payload.validated_data)
        return Response(ChannelReportOutputSerializer(new).data, status=status.HTTP_201_CREATED)


class PoolClaimApi(APIView):
    """POST: claim a public-pool customer (OWN-04 option ``pool_self_claim``, daily quota)."""

    class OutputSerializer(serializers.Serializer):
        customer = serializers.IntegerField()
        owner = serializers.IntegerField()

    @extend_schema(request=None, responses={201: OutputSerializer})
    def post(self, request: Request, customer_id: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=customer_id)
        decision = services.pool_claim(customer=customer, actor=request.user)
        return Response({"customer": customer.pk, "owner": decision.owner_id}, status=status.HTTP_201_CREATED)
