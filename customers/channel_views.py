"""Channel agents' pages (CHAN-01..CHAN-05): the agent's own reports with their QR codes, re-reports,
the supervisor's verification, the manager's cancellation, and the counter's scan with its visit slip."""

from __future__ import annotations

import io

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from customers import office_selectors, services
from customers.office_forms import ChannelCancelForm, ChannelReportForm, RereportForm, VerifyForm
from customers.services.channel_reports import report_valid_until
from salesoffice.core import access
from salesoffice.core.exceptions import DomainError
from salesoffice.core.roles import Cap
from salesoffice.core.services import policy_current
from salesoffice.core.workspace import require_current_site

PAGE_SIZE = 30


def _form_errors(form: forms.Form, error: DomainError) -> None:
    for field, problems in error.fields.items():
        target = field if field in form.fields else None
        for problem in problems or [error.message]:
            form.add_error(target, problem)
    if not error.fields:
        form.add_error(None, error.message)


@login_required
@never_cache
def channel_reports(request: HttpRequest) -> HttpResponse:
    """CHAN-01: the agent reports a customer and sees only their own reports (masked phone only);
    the site's sales staff read all reports to route customers (SEC-01)."""
    site = require_current_site(request)
    rows = office_selectors.channel_report_list(user=request.user, site=site)
    can_report = access.can(request.user, site.pk, Cap.CHANNEL_REPORT)
    form = ChannelReportForm(request.POST or None)
    if request.method == "POST":
        access.require(request.user, site.pk, Cap.CHANNEL_REPORT)
        if form.is_valid():
            try:
                report = services.channel_report_create(site=site, actor=request.user, **form.cleaned_data)
            except DomainError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Report received at %(time)s.") % {"time": report.reported_at})
                return redirect("customers-channel-reports")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    policy, _version = policy_current(site=site)
    items = [(report, report_valid_until(report, policy, site)) for report in page.object_list]
    can_cancel = access.can(request.user, site.pk, Cap.DISPUTES_DECIDE)
    return render(
        request,
        "customers/channel_reports.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "can_report": can_report,
            "can_verify": access.can(request.user, site.pk, Cap.CUSTOMERS_READ_ALL),
            "can_cancel": can_cancel,
            "salespeople": office_selectors.active_salespeople(site=site) if can_cancel else [],
            "verify_form": VerifyForm(),
            "rereport_form": RereportForm(),
        },
    )


@login_required
@require_POST
def channel_report_rereport(request: HttpRequest, report_id: int) -> HttpResponse:
    """CHAN-02: re-report with the reason, or say the customer was unreachable."""
    report = office_selectors.channel_report_get(user=request.user, report_id=report_id)
    try:
        if request.POST.get("unreachable"):
            services.channel_report_unreachable_request(report=report, actor=request.user)
            messages.success(request, _("A supervisor will verify that the customer was unreachable."))
        else:
            form = RereportForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Please correct the marked fields."))
                return redirect("customers-channel-reports")
            services.channel_report_rereport(report=report, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Re-report received."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("customers-channel-reports")


@login_required
@require_POST
def channel_report_verify(request: HttpRequest, report_id: int) -> HttpResponse:
    """CHAN-02: a supervisor or manager confirms the customer was unreachable (counts as a re-report)."""
    report = office_selectors.channel_report_get(user=request.user, report_id=report_id)
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            services.channel_report_unreachable_verify(report=report, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Verified; the re-report is recorded."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Please correct the marked fields."))
    return redirect("customers-channel-reports")


@login_required
@require_POST
def channel_report_cancel(request: HttpRequest, report_id: int) -> HttpResponse:
    """CHAN-05: the site manager cancels a report's claim after a complaint or violation, and may
    assign the customer to a salesperson at the same time."""
    report = office_selectors.channel_report_get(user=request.user, report_id=report_id)
    form = ChannelCancelForm(request.POST)
    if form.is_valid():
        try:
            services.channel_report_cancel(
                report=report, actor=request.user, reason=form.cleaned_data["reason"],
                assign_to_id=form.cleaned_data["assign_to"],
            )  # fmt: skip
            messages.success(request, _("The report's claim is cancelled."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("A decision needs a written reason."))
    return redirect("customers-channel-reports")


@login_required
@require_GET
def channel_report_qr(request: HttpRequest, report_id: int) -> HttpResponse:
    """CHAN-03: the report's QR code as SVG (an image, no script), encoding the counter's scan URL."""
    report = office_selectors.channel_report_get(user=request.user, report_id=report_id)
    url = request.build_absolute_uri(reverse("customers-channel-visit", args=[report.visit_token]))
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
def channel_visit(request: HttpRequest, visit_token: str) -> HttpResponse:
    """CHAN-03: the counter scans the agent's QR code on arrival; confirming binds the visit to the
    report and shows the printable visit slip."""
    site = require_current_site(request)
    report = office_selectors.channel_report_by_token(user=request.user, site=site, visit_token=visit_token)
    if request.method == "POST":
        try:
            report = services.channel_visit_confirm(site=site, actor=request.user, visit_token=visit_token)
        except DomainError as error:
            messages.error(request, error.message)
    return render(request, "customers/channel_visit.html", {"report": report, "site": site})
