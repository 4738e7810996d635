"""Inventory pages: the sales-control board with live refresh and unit history (UNIT-04), the manager's
sales control and price changes (UNIT-01/02), the import page (UNIT-01) and the quote calculator
(QUOTE-01/02). Visibility is decided by ``access`` and ``deals.selectors`` only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from deals import documents, selectors, services
from deals.forms import BatchForm, BoardFilterForm, ImportForm, PriceChangeForm, QuoteForm, ReasonForm
from deals.models import Unit
from deals.quotes import LoanType
from deals.rules import UnitAction
from deals.services import MAX_IMPORT_ROWS
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import User
from salesoffice.core.roles import Cap
from salesoffice.core.workspace import require_current_site


def _staff(request: HttpRequest) -> User:
    # ``login_required`` guarantees a staff user; services are typed for one.
    assert isinstance(request.user, User)
    return request.user


def _board_context(request: HttpRequest, building_id: Any) -> dict[str, Any]:
    site = require_current_site(request)
    buildings = list(selectors.building_list(user=request.user, site=site))
    building = (
        selectors.building_get(user=request.user, building_id=building_id)
        if building_id
        else (buildings[0] if buildings else None)
    )
    if building is not None and building.site_id != site.pk:
        raise Http404
    form = BoardFilterForm(request.GET or None)
    board = (
        selectors.board_get(user=request.user, building=building, filters=form.filters())
        if building
        else None
    )
    return {
        "site": site,
        "buildings": buildings,
        "building": building,
        "board": board,
        "form": form,
        "statuses": Unit.Status.choices,
        "legend": [
            (value, label, board.status_counts[value] if board else 0) for value, label in Unit.Status.choices
        ],
        "can_control": access.can(request.user, site.pk, Cap.UNITS_CONTROL),
        "query": request.GET.urlencode(),
        # UNIT-04: a unit that changed status in the last minute is announced on the board.
        "recent_since": timezone.now() - dt.timedelta(seconds=60),
    }


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """UNIT-04: the sales-control board (销控表) of one building."""
    return render(request, "deals/board.html", _board_context(request, request.GET.get("building")))


@login_required
@require_GET
def board_grid(request: HttpRequest, building_id: int) -> HttpResponse:
    """UNIT-04: the grid alone, polled every 2 seconds so a changed unit shows at once."""
    return render(request, "deals/_board_grid.html", _board_context(request, building_id))


@login_required
@require_GET
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    """UNIT-04: a unit and its history, loaded into the board's side panel."""
    unit = selectors.unit_get(user=request.user, unit_id=unit_id)
    can_control = access.can(request.user, unit.site_id, Cap.UNITS_CONTROL)
    context = {
        "unit": unit,
        "history": selectors.unit_history(unit=unit)
        if access.can(request.user, unit.site_id, Cap.UNITS_READ)
        else [],
        "can_control": can_control,
        "price_form": PriceChangeForm(),
    }
    template = "deals/_unit_detail.html" if request.headers.get("HX-Request") else "deals/unit_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def unit_control(request: HttpRequest, unit_id: int, verb: str) -> HttpResponse:
    """UNIT-02: the site manager withholds or releases one unit."""
    unit = selectors.unit_get(user=request.user, unit_id=unit_id, for_update_cap=Cap.UNITS_CONTROL)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    action = UnitAction.RELEASE if verb == "release" else UnitAction.WITHHOLD
    try:
        services.unit_transition(unit=unit, action=action, actor=_staff(request), reason=reason)
        messages.success(request, _("Unit %(unit)s updated.") % {"unit": unit})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(f"{reverse('deals-board')}?building={unit.building_id}")


@login_required
@require_POST
def unit_price(request: HttpRequest, unit_id: int) -> HttpResponse:
    """UNIT-01: the site manager changes a unit's list price."""
    unit = selectors.unit_get(user=request.user, unit_id=unit_id, for_update_cap=Cap.UNITS_CONTROL)
    form = PriceChangeForm(request.POST)
    if form.is_valid():
        try:
            services.unit_price_change(
                unit=unit,
                actor=_staff(request),
                reason=form.cleaned_data["reason"],
                price_per_m2=form.cleaned_data["price_per_m2"],
                total=form.cleaned_data["total"],
            )
            messages.success(request, _("Price of %(unit)s changed.") % {"unit": unit})
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return redirect(f"{reverse('deals-board')}?building={unit.building_id}")


@login_required
def batch_control(request: HttpRequest) -> HttpResponse:
    """UNIT-02: release or withhold a sales batch (开盘批次) at once."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.UNITS_CONTROL)
    form = BatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.unit_batch_transition(
                site=site,
                sales_batch=form.cleaned_data["sales_batch"],
                action=UnitAction(form.cleaned_data["action"]),
                actor=_staff(request),
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("%(count)s units updated.") % {"count": moved})
            return redirect("deals-batch")
        except DomainError as error:
            messages.error(request, error.message)
    summary = selectors.inventory_summary(user=request.user, site=site)
    alerts = selectors.inventory_alerts(user=request.user, site=site, now=timezone.now())
    return render(request, "deals/batch.html", {"form": form, "summary": summary, "alerts": alerts})


@login_required
def inventory_import(request: HttpRequest) -> HttpResponse:
    """UNIT-01: upload a unit list; the page then polls the import's progress and error report."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.UNITS_CONTROL)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = services.inventory_import_create(
                site=site, actor=_staff(request), name=upload.name, content=_read_bounded(upload)
            )
            return redirect("deals-import-status", import_id=record.pk)
        except DomainError as error:
            form.add_error("file", error.message)
    return render(request, "deals/import.html", {"form": form, "max_rows": MAX_IMPORT_ROWS})


def _read_bounded(upload: Any) -> bytes:
    # Read one byte past the limit so the service can refuse an oversized file without reading it all.
    return bytes(upload.read(settings.UPLOAD_MAX_BYTES + 1))


@login_required
@require_GET
def inventory_import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    record = selectors.inventory_import_get(user=request.user, import_id=import_id)
    template = (
        "deals/_import_status.html" if request.headers.get("HX-Request") else "deals/import_status.html"
    )
    return render(request, template, {"record": record})


def _quote_context(request: HttpRequest) -> dict[str, Any]:
    site = require_current_site(request)
    units = selectors.unit_list(user=request.user, site=site)
    unit = None
    if request.GET.get("unit"):
        unit = selectors.unit_get(user=request.user, unit_id=request.GET["unit"])
    form = QuoteForm(
        request.GET if unit is not None and "loan_type" in request.GET else None,
        initial={"unit": unit.pk if unit else None},
    )
    result = None
    if unit is not None and form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            result = selectors.unit_quote(
                unit=unit,
                loan_type=LoanType(data["loan_type"]),
                down_payment_ratio=data["down_payment_ratio"],
                years=data["years"],
                commercial_rate_percent=data["commercial_rate"],
                provident_fund_rate_percent=data["provident_fund_rate"],
                provident_fund_limit=data["provident_fund_limit"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
    return {
        "site": site,
        "unit": unit,
        "form": form,
        "quote": result,
        "units": units.filter(status=Unit.Status.AVAILABLE).order_by("building__sort", "-floor", "number")[
            :200
        ],
        "query": request.GET.urlencode(),
        "now": timezone.now(),
    }


@login_required
@require_GET
def quote_page(request: HttpRequest) -> HttpResponse:
    """QUOTE-01: the counter's calculator for one unit."""
    return render(request, "deals/quote.html", _quote_context(request))


@login_required
@require_GET
def quote_pdf(request: HttpRequest) -> HttpResponse:
    """QUOTE-02: the printable quote; every export is audited (SEC-03)."""
    context = _quote_context(request)
    if context["quote"] is None:
        return redirect(f"{reverse('deals-quote')}?{context['query']}")
    pdf = documents.quote_pdf({**context, "prepared_by": str(request.user)})
    audit_record(
        action="unit.quote_pdf",
        actor=_staff(request),
        site=context["site"],
        obj=context["unit"],
        after={"query": context["query"]},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="quote-{context["unit"].pk}.pdf"'
    return response
