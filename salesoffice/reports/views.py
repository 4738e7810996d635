"""Report pages (RPT-09): the dashboard per role, every report with its filters, its PDF and Excel files
(audited, SEC-03) and the records behind each figure (masked, SEC-02)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salesoffice.core import access
from salesoffice.core.exceptions import DomainError
from salesoffice.core.roles import Cap
from salesoffice.core.workspace import require_current_site, site_switch
from salesoffice.reports import catalogue, layouts, rules, services
from salesoffice.reports.forms import (
    ActivityForm,
    GroupMonthForm,
    ReportParams,
    TargetForm,
    group_month,
    report_params,
)
from salesoffice.reports.layouts import FIGURE_LABELS, Link, ReportDocument, drill_table
from salesoffice.reports.models import Activity, Target
from salesoffice.reports.selectors import dashboard as dashboard_selectors
from salesoffice.reports.selectors import drill, group
from salesoffice.reports.selectors.common import (
    ACTIVITY_SCOPES,
    Scope,
    ScopeKind,
    people_names,
    report_scope,
    whole_site_kinds,
    whole_site_scopes,
)


def _entry(report: str) -> catalogue.Entry:
    entry = catalogue.CATALOGUE.get(report)
    if entry is None:
        raise Http404
    return entry


def _scope_and_params(
    request: HttpRequest, report: str, allowed: frozenset[ScopeKind] | None = None
) -> tuple[Scope, Any, ReportParams]:
    site = require_current_site(request)
    scope = report_scope(request.user, site.pk, allowed=allowed or _entry(report).scopes)
    today = rules.business_day(timezone.now(), scope.cutoff, scope.tz)
    form, params = report_params(request.GET, report=report, today=today)
    return scope, form, params


def drill_link(params: ReportParams) -> Link:
    """Each figure links to the list of its records for the same period."""

    def link(metric: str, person: int | None) -> str:
        query = {"date_from": params.period.first.isoformat(), "date_to": params.period.last.isoformat()}
        if person or params.salesperson_id:
            query["salesperson"] = str(person or params.salesperson_id)
        return reverse("reports-drill", args=[metric]) + "?" + urlencode(query)

    return link


def drill_link_for_day(day: Any) -> Link:
    return drill_link(ReportParams(period=rules.day_of(day)))


def _document(request: HttpRequest, report: str) -> tuple[ReportDocument, Any, ReportParams]:
    scope, form, params = _scope_and_params(request, report)
    document = _entry(report).build(scope, params, drill_link(params))
    return document, form, params


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """RPT-09: my day (salesperson), site today with approvals and alerts (manager), money (finance)."""
    site = require_current_site(request)
    board = dashboard_selectors.dashboard_for(user=request.user, site_id=site.pk, now=timezone.now())
    reports = _report_links(board.scope)
    if whole_site_kinds(request.user):
        reports.append((_("Group monthly sales report"), "RPT-03", reverse("reports-group-monthly")))
    context: dict[str, Any] = {"board": board, "reports": reports}
    context.update(
        layouts.dashboard_context(board, link=drill_link_for_day(board.today) if board.today else None)
    )
    return render(request, "reports/dashboard.html", context)


def _report_links(scope: Scope | None) -> list[tuple[str, str, str]]:
    if scope is None:
        return []
    return [
        (str(entry.title), entry.rule, reverse("reports-page", args=[slug]))
        for slug, entry in catalogue.CATALOGUE.items()
        if scope.kind in entry.scopes
    ]


@login_required
@require_GET
def report_page(request: HttpRequest, report: str) -> HttpResponse:
    """Every report as a page with its filters, charts and tables (RPT-09)."""
    document, form, params = _document(request, report)
    query = urlencode(params.as_query())
    return render(
        request,
        "reports/report.html",
        {
            "document": document,
            "form": form,
            "pdf_url": reverse("reports-export", args=[report, "pdf"]) + "?" + query,
            "xlsx_url": reverse("reports-export", args=[report, "xlsx"]) + "?" + query,
        },
    )


@login_required
@require_GET
def report_export(request: HttpRequest, report: str, fmt: str) -> HttpResponse:
    """RPT-09: the report as PDF or Excel with the filter, time and generator printed; audited (SEC-03)."""
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    document, _form, params = _document(request, report)
    content, content_type = services.report_export(
        document=document, fmt=fmt, actor=request.user, site_id=require_current_site(request).pk,
        filters=params.as_query(), now=timezone.now(),
    )  # fmt: skip
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{report}-{params.period.first}.{fmt}"'
    return response


@login_required
@require_GET
def drill_down(request: HttpRequest, metric: str) -> HttpResponse:
    """The records behind one figure, 50 to a page, masked (SEC-02)."""
    scope, form, params = _scope_and_params(request, "drill", ACTIVITY_SCOPES)
    scoped = scope.narrowed_to(params.salesperson_id)
    rows = drill.drill_rows(
        scope=scoped, metric=metric, period=params.period, walk_in_type=request.GET.get("type", "")
    )
    page = Paginator(rows, drill.DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    table = drill_table(
        str(FIGURE_LABELS.get(metric, metric)), [drill.drill_row(values, scoped.tz) for values in page]
    )
    query = urlencode(params.as_query())
    return render(
        request,
        "reports/drill.html",
        {
            "table": table,
            "page": page,
            "query": query,
            "form": form,
            "metric": metric,
            "title": _("Records behind the figure"),
        },
    )


# --- Monthly report across sites (RPT-03) -------------------------------------------------------------


def _group_document(request: HttpRequest) -> tuple[ReportDocument, Any, group.GroupMonthlyReport]:
    """RPT-03 across the sites the user reads at whole-site scope (SEC-01); none is permission denied."""
    scopes = whole_site_scopes(request.user)
    if not scopes:
        raise PermissionDenied
    form, period = group_month(request.GET, default=group.default_month(scopes=scopes, now=timezone.now()))
    report = group.group_monthly_report(scopes=scopes, period=period)
    return catalogue.build_group_monthly(report), form, report


@login_required
@require_GET
def group_monthly(request: HttpRequest) -> HttpResponse:
    """RPT-03 across sites (集团营销月报): one row per site with the total, each row opening the site's own
    monthly report, where every figure drills to its records (RPT-09)."""
    document, form, report = _group_document(request)
    month = f"{report.period.first:%Y-%m}"
    query = urlencode({"month": month})
    tables = [
        (
            table,
            [(row.site_id, cells) for row, cells in zip(report.rows, table.rows, strict=False)],
            table.rows[-1],
        )
        for table in document.tables
    ]
    return render(
        request,
        "reports/group_monthly.html",
        {
            "document": document,
            "form": form,
            "tables": tables,
            "month": month,
            "pdf_url": reverse("reports-group-monthly-export", args=["pdf"]) + "?" + query,
            "xlsx_url": reverse("reports-group-monthly-export", args=["xlsx"]) + "?" + query,
        },
    )


@login_required
@require_GET
def group_monthly_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """RPT-03 across sites as PDF or Excel, audited at every site it covers (RPT-09, SEC-03)."""
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    document, _form, report = _group_document(request)
    month = f"{report.period.first:%Y-%m}"
    content, content_type = services.group_report_export(
        document=document, fmt=fmt, actor=request.user, site_ids=[row.site_id for row in report.rows],
        filters={"month": month}, now=timezone.now(),
    )  # fmt: skip
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="group-monthly-{month}.{fmt}"'
    return response


@login_required
@require_POST
def group_monthly_open(request: HttpRequest) -> HttpResponse:
    """RPT-03: a site's row of the group report opens that site's monthly report for the same month; the
    site becomes the one the user works at (a POST, like the site switcher). A site without a role there
    is not found (404); the monthly report itself checks the scope."""
    site = site_switch(request, request.POST.get("site"))
    form = GroupMonthForm(request.POST)
    month = form.cleaned_data.get("month") if form.is_valid() else None
    query = urlencode({"date": month.isoformat()}) if month else ""
    messages.info(request, _("Now working at %(site)s.") % {"site": site.name})
    return redirect(reverse("reports-page", args=["monthly"]) + ("?" + query if query else ""))


# --- Marketing activities (MKT-01) and targets (RPT-02, TEAM-01) --------------------------------------


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    """MKT-01: the site's marketing activities, newest first, for the site manager."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.REPORTS_SITE)
    activities = Activity.objects.filter(site=site).order_by("-starts_on", "-id")[:200]
    return render(request, "reports/activities.html", {"activities": activities})


@login_required
def activity_edit(request: HttpRequest, activity_id: int | None = None) -> HttpResponse:
    """MKT-01: create or correct an activity; the code is fixed once registrations may carry it."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.REPORTS_SITE)
    activity = None
    if activity_id is not None:
        activity = Activity.objects.filter(pk=activity_id, site=site).first()
        if activity is None:
            raise Http404
    form = ActivityForm(request.POST or None, instance=activity)
    if activity is not None:
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            if activity is None:
                services.activity_create(site=site, actor=request.user, **form.cleaned_data)
            else:
                services.activity_update(activity=activity, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            for field, errors in (error.fields or {}).items():
                form.add_error(field if field in form.fields else None, errors)
            if not error.fields:
                form.add_error(None, str(error))
        else:
            messages.success(request, _("Activity saved."))
            return redirect("reports-activities")
    return render(request, "reports/activity_form.html", {"form": form, "activity": activity})


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    """RPT-02, TEAM-01: the manager sets weekly and monthly targets for the site or a salesperson."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.REPORTS_SITE)
    scope = report_scope(request.user, site.pk)
    people = sorted(people_names(scope=scope, seen=()).items(), key=lambda item: item[1])
    form = TargetForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.target_set(
            site=site, actor=request.user, period=data["period"], starts_on=data["starts_on"], metric=data["metric"],
            value=data["value"], salesperson_id=data["salesperson"],
        )  # fmt: skip
        messages.success(request, _("Target saved."))
        return redirect("reports-targets")
    recent = (
        Target.objects.filter(site=site).select_related("salesperson").order_by("-starts_on", "metric")[:100]
    )
    return render(request, "reports/targets.html", {"form": form, "targets": recent})
