"""REST endpoints of the reports (RPT-09) under /api/v1/reports/: the same filters as the pages, read-only,
scoped by ``selectors.common.report_scope`` (SEC-01: a read-only token bound to a site reads aggregates,
never the personal rows behind them); lists of rows are cursor-paginated."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from salesoffice.reports import rules
from salesoffice.reports.forms import (
    GroupMonthForm,
    ReportFilterForm,
    ReportParams,
    group_month,
    report_params,
)
from salesoffice.reports.selectors import activity, drill, group
from salesoffice.reports.selectors.common import (
    ACTIVITY_SCOPES,
    Scope,
    ScopeKind,
    report_scope,
    whole_site_scopes,
)

DATE = OpenApiParameter("date", str, description="Business day (YYYY-MM-DD); today by default.")
DATE_FROM = OpenApiParameter("date_from", str, description="First business day of the period.")
DATE_TO = OpenApiParameter("date_to", str, description="Last business day of the period.")
SALESPERSON = OpenApiParameter("salesperson", int, description="One salesperson within your scope.")


class FiguresSerializer(serializers.Serializer):
    walk_ins = serializers.IntegerField()
    turns = serializers.IntegerField()
    registrations_valid = serializers.IntegerField()
    registrations_incomplete = serializers.IntegerField()
    calls = serializers.IntegerField()
    appointments = serializers.IntegerField()
    follow_ups = serializers.IntegerField()
    follow_ups_overdue = serializers.IntegerField()
    small_deposits = serializers.IntegerField()
    small_deposit_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    large_deposits = serializers.IntegerField()
    large_deposit_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    subscriptions = serializers.IntegerField()
    subscription_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    contracts = serializers.IntegerField()
    contract_area = serializers.DecimalField(max_digits=16, decimal_places=2)
    contract_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    cancellations = serializers.IntegerField()
    money_received = serializers.DecimalField(max_digits=16, decimal_places=2)
    refunded = serializers.DecimalField(max_digits=16, decimal_places=2)
    forfeited = serializers.DecimalField(max_digits=16, decimal_places=2)
    returned_double = serializers.DecimalField(max_digits=16, decimal_places=2)


class PersonFiguresSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    figures = FiguresSerializer()


class BucketSerializer(serializers.Serializer):
    start = serializers.DateField()
    figures = FiguresSerializer()


class PeriodSerializer(serializers.Serializer):
    kind = serializers.CharField()
    first = serializers.DateField()
    last = serializers.DateField()


class ActivityReportSerializer(serializers.Serializer):
    site_id = serializers.IntegerField()
    site_name = serializers.CharField()
    scope = serializers.CharField()
    period = PeriodSerializer()
    after = serializers.DateTimeField()
    until = serializers.DateTimeField()
    totals = FiguresSerializer()
    people = PersonFiguresSerializer(many=True)
    buckets = BucketSerializer(many=True)
    walk_ins_by_type = serializers.DictField(child=serializers.IntegerField())
    units_available_at_close = serializers.IntegerField(allow_null=True)


def api_scope_and_params(
    request: Request, site_id: int, report: str, allowed: frozenset[ScopeKind] = ACTIVITY_SCOPES
) -> tuple[Scope, ReportParams]:
    """The caller's scope at the site and the validated filter; an invalid filter is a 400."""
    scope = report_scope(request.user, site_id, allowed=allowed)
    form = ReportFilterForm(request.query_params or None)
    if request.query_params and not form.is_valid():
        raise serializers.ValidationError(form.errors.get_json_data())
    today = rules.business_day(timezone.now(), scope.cutoff, scope.tz)
    _form, params = report_params(request.query_params, report=report, today=today)
    return scope, params


class DailyReportApi(APIView):
    """RPT-01: the daily report of a site (per site and per salesperson), counted by the site's cut-off."""

    @extend_schema(parameters=[DATE, SALESPERSON], responses=ActivityReportSerializer)
    def get(self, request: Request, site_id: int) -> Response:
        scope, params = api_scope_and_params(request, site_id, "daily")
        report = activity.daily_report(scope=scope.narrowed_to(params.salesperson_id), day=params.period.last)
        return Response(ActivityReportSerializer(dataclasses.asdict(report)).data)


class DrillRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    reference = serializers.CharField()
    customer = serializers.CharField(help_text="Masked (SEC-02).")
    phone = serializers.CharField(help_text="Masked (SEC-02).")
    salesperson = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class DrillPagination(CursorPagination):
    ordering = "-pk"
    page_size = drill.DRILL_PAGE_SIZE
    max_page_size = 200
    page_size_query_param = "page_size"


class DrillApi(ListAPIView[Any]):
    """The records behind one figure of a report, masked (SEC-02); not for read-only report clients."""

    serializer_class = DrillRowSerializer
    pagination_class = DrillPagination
    filter_backends: list[Any] = []

    @extend_schema(parameters=[DATE_FROM, DATE_TO, DATE, SALESPERSON])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            from customers.models import Registration

            return Registration.objects.none()
        scope, params = api_scope_and_params(self.request, self.kwargs["site_id"], "drill")
        self._scope = scope.narrowed_to(params.salesperson_id)
        return drill.drill_rows(
            scope=self._scope, metric=self.kwargs["metric"], period=params.period,
            walk_in_type=self.request.query_params.get("type", ""),
        )  # fmt: skip

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and not getattr(self, "swagger_fake_view", False):
            args = (
                [dataclasses.asdict(drill.drill_row(values, self._scope.tz)) for values in args[0]],
                *args[1:],
            )
        return super().get_serializer(*args, **kwargs)


class ReportCellSerializer(serializers.Serializer):
    value = serializers.JSONField()
    text = serializers.CharField()


class ReportTableSerializer(serializers.Serializer):
    title = serializers.CharField()
    headers = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField()))
    note = serializers.CharField()


class ReportDocumentSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    rule = serializers.CharField()
    site_name = serializers.CharField()
    filters = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    tables = ReportTableSerializer(many=True)


def _json_value(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if value is None or isinstance(value, int | float | str) else str(value)


class ReportDocumentApi(APIView):
    """RPT-02..07, TEAM, MKT-02: any report of the catalogue as its tables of figures, with the same filters as
    the page (``date`` or ``date_from``/``date_to``, ``salesperson``, ``group``, ``half_year``)."""

    @extend_schema(
        parameters=[
            DATE, DATE_FROM, DATE_TO, SALESPERSON,
            OpenApiParameter("group", str, enum=["site", "salesperson", "source"], description="Funnel grouping."),
            OpenApiParameter("half_year", bool, description="Monthly report: add the six-month analysis."),
        ],
        responses=ReportDocumentSerializer,
    )  # fmt: skip
    def get(self, request: Request, site_id: int, report: str) -> Response:
        from django.http import Http404

        from salesoffice.reports import catalogue

        entry = catalogue.CATALOGUE.get(report)
        if entry is None:
            raise Http404
        scope, params = api_scope_and_params(request, site_id, report, entry.scopes)
        document = entry.build(scope, params, None)
        return Response(
            {
                "slug": document.slug,
                "title": str(document.title),
                "rule": document.rule,
                "site_name": document.site_name,
                "filters": [[str(name), str(value)] for name, value in document.filters],
                "tables": [
                    {
                        "title": str(table.title),
                        "headers": [str(header) for header in table.headers],
                        "rows": [[_json_value(item.value) for item in row] for row in table.rows],
                        "note": table.note,
                    }
                    for table in document.tables
                ],
            }
        )


# --- Monthly report across sites (RPT-03) -------------------------------------------------------------

MONTH = OpenApiParameter(
    "month", str, pattern=r"^\d{4}-\d{2}$",
    description=(
        "Calendar month (YYYY-MM), counted at each site by its own time zone and daily cut-off; by default "
        "the month of the earliest current business day among your sites."
    ),
)  # fmt: skip


class MonthFiguresSerializer(FiguresSerializer):
    """The figures of a site's monthly report (RPT-03); follow-ups overdue belong to the daily report."""

    follow_ups_overdue = None  # type: ignore[assignment]  # DRF drops a field declared None in a subclass


class GroupMonthlySiteSerializer(serializers.Serializer):
    site_id = serializers.IntegerField()
    site_code = serializers.CharField()
    site_name = serializers.CharField()
    scope = serializers.CharField(help_text="site: every row behind the figures; aggregate: figures only.")
    time_zone = serializers.CharField()
    daily_cutoff = serializers.TimeField()
    after = serializers.DateTimeField(help_text="The month at this site starts just after this moment.")
    until = serializers.DateTimeField(help_text="…and ends with this moment (its last day's cut-off).")
    figures = MonthFiguresSerializer()
    units_available_at_close = serializers.IntegerField(help_text="Units available at `until` (RPT-01).")
    report = serializers.CharField(
        help_text="The site's own monthly report for the same month, whose figures drill to their records."
    )


class GroupMonthlyReportSerializer(serializers.Serializer):
    month = serializers.CharField()
    period = PeriodSerializer()
    rows = GroupMonthlySiteSerializer(many=True)
    totals = MonthFiguresSerializer()
    units_available_at_close = serializers.IntegerField()


class GroupMonthlyReportApi(APIView):
    """RPT-03 across sites (集团营销月报): one row per site the caller reads whole (site manager or deputy; a
    read-only report client reads the figures only) and their total. Finance, supervisors and salespeople
    are refused (403) unless they read some site whole; a token is bound to one site (SEC-04), so it reads
    that site's row only. Each row links the site's own monthly report endpoint for the same month."""

    @extend_schema(parameters=[MONTH], responses=GroupMonthlyReportSerializer)
    def get(self, request: Request) -> Response:
        scopes = whole_site_scopes(request.user)
        if not scopes:
            raise PermissionDenied
        form = GroupMonthForm(request.query_params or None)
        if request.query_params and not form.is_valid():
            raise serializers.ValidationError(form.errors.get_json_data())
        default = group.default_month(scopes=scopes, now=timezone.now())
        _form, period = group_month(request.query_params, default=default)
        report = group.group_monthly_report(scopes=scopes, period=period)
        query = f"?date={period.first.isoformat()}"
        rows = [
            {
                **dataclasses.asdict(row),
                "report": reverse("api-report", args=[row.site_id, "monthly"]) + query,
            }
            for row in report.rows
        ]
        body = {
            "month": f"{period.first:%Y-%m}",
            "period": dataclasses.asdict(period),
            "rows": rows,
            "totals": dataclasses.asdict(report.totals),
            "units_available_at_close": report.units_available_at_close,
        }
        return Response(GroupMonthlyReportSerializer(body).data)
