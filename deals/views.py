"""Inventory pages: the sales-control board with live refresh and unit history (UNIT-04), the manager's
sales control and price changes (UNIT-01/02), the import page (UNIT-01) and the quote calculator
(QUOTE-01/02). Visibility is decided by ``access`` and ``deals.selectors`` only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from customers.selectors import customer_get_for_user, customer_lookup, sees_full_details
from deals import documents, rules, selectors, services
from deals.forms import (
    ApprovalRequestForm,
    BatchForm,
    BoardFilterForm,
    DecisionForm,
    DepositForm,
    ImportForm,
    PaymentForm,
    PriceChangeForm,
    QuoteForm,
    ReasonForm,
    SubscriptionForm,
    TopUpForm,
    UnitChangeForm,
)
from deals.models import ApprovalRequest, Deposit, Mortgage, Subscription, Unit
from deals.quotes import LoanType
from deals.rules import DepositKind, UnitAction
from deals.services import MAX_IMPORT_ROWS
from deals.services.contracts import AGENT_CHECK, CHECKLIST
from deals.services.payments import deal_position, mortgage_deadline
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import User
from salesoffice.core.phones import mask_id_number
from salesoffice.core.roles import Cap
from salesoffice.core.services import policy_current
from salesoffice.core.workspace import require_current_site


def _staff(request: HttpRequest) -> User:
    # ``login_required`` guarantees a staff user; services are typed for one.
    assert isinstance(request.user, User)
    return request.user


# UNIT-04: a unit that changed status is announced on the board for this long.
ANNOUNCE_CHANGES_FOR = dt.timedelta(seconds=60)


def _board_context(request: HttpRequest, building_id: Any, *, version: str | None = None) -> dict[str, Any]:
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
    recent_since = timezone.now() - ANNOUNCE_CHANGES_FOR
    return {
        "site": site,
        "buildings": buildings,
        "building": building,
        "board": board,
        "rows": _board_rows(board, recent_since) if board else [],
        "form": form,
        "statuses": Unit.Status.choices,
        "legend": [
            (value, label, board.status_counts[value] if board else 0) for value, label in Unit.Status.choices
        ],
        "can_control": access.can(request.user, site.pk, Cap.UNITS_CONTROL),
        "query": _without_version(request),
        "version": version or (selectors.board_version(building=building) if building else ""),
    }


def _without_version(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("v", None)
    return query.urlencode()


def _board_rows(board: selectors.Board, recent_since: dt.datetime) -> list[tuple[int, list[SafeString]]]:
    """P5: a 2,000-unit grid is the hot path of the board, polled every 2 seconds; its cells are
    built once here instead of thousands of template lookups. The typed-in texts (unit number, layout)
    and the status labels are escaped; the rest are numbers and fixed class names.
    UNIT-04: a unit that changed status in the last minute is announced on the board."""
    labels = {value: escape(label) for value, label in Unit.Status.choices}
    unit_url = reverse("deals-unit", args=[0]).removesuffix("0/")
    rows = []
    for floor, cells in board.floors:
        row = []
        for cell in cells:
            unit = cell.unit
            css = f"unit-cell status-{unit['status']}"
            if not cell.matches:
                css += " dimmed"
            if unit["status_changed_at"] > recent_since:
                css += " just-changed"
            row.append(
                mark_safe(  # noqa: S308 - every text in it is escaped above or here
                    f'<td><button type="button" class="{css}" hx-get="{unit_url}{unit["id"]}/" '
                    'hx-target="#unit-panel" hx-swap="innerHTML">'
                    f'<span class="unit-number">{escape(unit["number"])}</span>'
                    f'<span class="unit-layout">{escape(unit["layout"])} · {unit["building_area"]}㎡</span>'
                    f'<span class="unit-price">¥{unit["list_total"]:,.2f}</span>'
                    f'<span class="unit-status">{labels[unit["status"]]}</span></button></td>'
                )
            )
        rows.append((floor, row))
    return rows


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """UNIT-04: the sales-control board (销控表) of one building."""
    return render(request, "deals/board.html", _board_context(request, request.GET.get("building")))


@login_required
@require_GET
def board_grid(request: HttpRequest, building_id: int) -> HttpResponse:
    """UNIT-04: the grid alone, polled every 2 seconds so a changed unit shows at once. When nothing
    changed since the version the page holds (and no unit is still announced), the answer is an
    empty 204, which htmx leaves alone."""
    building = selectors.building_get(user=request.user, building_id=building_id)
    version = selectors.board_version(building=building)
    held = request.GET.get("v")
    if held == version and not _recently_changed(version):
        return HttpResponse(status=204)
    return render(request, "deals/_board_grid.html", _board_context(request, building_id, version=version))


def _recently_changed(version: str) -> bool:
    changed = version.split("|", 1)[0]
    return bool(changed) and dt.datetime.fromisoformat(changed) > timezone.now() - ANNOUNCE_CHANGES_FOR


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
        "can_hold": access.can(request.user, unit.site_id, Cap.UNITS_HOLD),
        "active_deal": selectors.unit_active_deal(user=request.user, unit=unit),
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


# --- Deal pages: deposits from the board's unit panel, approvals inbox, subscription, signing, ledger,
# loans and commission (DEP, DISC, CON, PAY, MORT, COMM) ---


def _deal_redirect(deal_id: int) -> HttpResponse:
    return redirect("deals-deal", deal_id=deal_id)


def _fail(request: HttpRequest, error: DomainError) -> None:
    fields = "; ".join(
        str(message)
        for messages_ in error.fields.values()
        for message in (messages_ if isinstance(messages_, list) else [messages_])
    )
    messages.error(
        request,
        f"{error.message} {fields}".strip() if fields and fields not in error.message else error.message,
    )


@login_required
def deposit_new(request: HttpRequest, unit_id: int) -> HttpResponse:
    """DEP-01/02: take a small or large deposit on the unit for a customer picked by the lookup."""
    unit = selectors.unit_get(user=request.user, unit_id=unit_id)
    access.require(request.user, unit.site_id, Cap.UNITS_HOLD)
    form = DepositForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = customer_get_for_user(user=request.user, customer_id=data["customer"])
            deposit = services.deposit_take(
                unit=unit, customer=customer, actor=_staff(request), kind=DepositKind(data["kind"]),
                amount=data["amount"], method=data["method"], top_up_due_on=data["top_up_due_on"],
            )  # fmt: skip
            messages.success(request, _("Deposit taken; receipt issued."))
            return _deal_redirect(deposit.deal_id)
        except DomainError as error:
            _fail(request, error)
    policy, _version = policy_current(site=unit.site_id)
    return render(request, "deals/deposit_new.html", {"unit": unit, "form": form, "policy": policy})


@login_required
@require_GET
def customer_search(request: HttpRequest) -> HttpResponse:
    """The deposit form's customer picker: a bounded, masked lookup (CUS-03, SEC-02), never a full list."""
    site = require_current_site(request)
    results = customer_lookup(user=request.user, site=site, query=request.GET.get("q", "")[:40], limit=10)
    return render(request, "deals/_customer_results.html", {"results": results})


@login_required
@require_GET
def deal_detail(request: HttpRequest, deal_id: int) -> HttpResponse:
    """A deal's deposits, subscription, contract, requests and the next steps."""
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    deposits = list(deal.deposits.select_related("unit__building").order_by("-paid_at", "-id"))
    active = next((deposit for deposit in deposits if deposit.status == Deposit.Status.ACTIVE), None)
    subscription = deal.subscriptions.filter(status=Subscription.Status.ACTIVE).first()
    context = {
        "deal": deal,
        "deposits": deposits,
        "active": active,
        "subscription": subscription,
        "subscriptions": deal.subscriptions.order_by("-created_at")[:10],
        "contract": deal.contracts.order_by("-signed_at").first(),
        "requests": ApprovalRequest.objects.filter(Q(deal=deal) | Q(unit=deal.unit, customer=deal.customer, deal__isnull=True)).order_by("-requested_at")[:20],
        "approved_discount": ApprovalRequest.objects.filter(
            kind=ApprovalRequest.Kind.DISCOUNT, status=ApprovalRequest.Status.APPROVED, unit=deal.unit, customer=deal.customer
        ).order_by("-decided_at").first(),
        "top_up_form": TopUpForm(),
        "change_form": UnitChangeForm(),
        "request_form": ApprovalRequestForm(),
        "subscription_form": SubscriptionForm(),
        "is_manager": access.is_manager(request.user, deal.site_id),
        "can_record": access.can(request.user, deal.site_id, Cap.PAYMENTS_RECORD),
        "mortgage": getattr(deal, "mortgage", None),
        "mortgage_actions": _mortgage_actions(getattr(deal, "mortgage", None)),
        "loan_types": Mortgage.LoanType.choices,
    }  # fmt: skip
    return render(request, "deals/deal.html", context)


def _run(request: HttpRequest, action: Callable[[], Any], done: str) -> None:
    """Run one service for a form post: its success or its refusal becomes a message on the page."""
    try:
        action()
    except DomainError as error:
        details = [str(message) for messages_ in error.fields.values() for message in messages_]
        messages.error(request, " ".join([error.message, *details]))
    else:
        messages.success(request, done)


def _mortgage_actions(mortgage: Mortgage | None) -> list[tuple[str, str]]:
    """MORT-02: the steps the loan may take next, from the transition table."""
    if mortgage is None:
        return []
    labels = dict(Mortgage.Status.choices)
    table = rules.MORTGAGE_TRANSITIONS
    steps = [
        (action, table.find(source=mortgage.status, action=action))
        for action in table.actions_from(mortgage.status)
    ]
    return [(action, str(labels.get(step.target, action))) for action, step in steps if step is not None]


@login_required
@require_POST
def contract_approve(request: HttpRequest, contract_id: int) -> HttpResponse:
    """CON-03: the contract is approved internally before filing."""
    contract = selectors.contract_get(user=request.user, contract_id=contract_id)
    _run(
        request,
        lambda: services.contract_approve(contract=contract, actor=_staff(request)),
        _("Contract approved."),
    )
    return redirect("deals-deal", deal_id=contract.deal_id)


@login_required
@require_POST
def contract_file(request: HttpRequest, contract_id: int) -> HttpResponse:
    """CON-03: the filing with the housing authority (number and date)."""
    contract = selectors.contract_get(user=request.user, contract_id=contract_id)
    filed_on = parse_date(request.POST.get("filed_on") or "")
    if filed_on is None:
        messages.error(request, _("Enter the filing date."))
    else:
        _run(
            request,
            lambda: services.contract_file(
                contract=contract,
                actor=_staff(request),
                filing_number=request.POST.get("filing_number", ""),
                filed_on=filed_on,
            ),
            _("Filing recorded."),
        )
    return redirect("deals-deal", deal_id=contract.deal_id)


@login_required
@require_POST
def mortgage_start(request: HttpRequest, deal_id: int) -> HttpResponse:
    """MORT-01: the deal enters the loan list."""
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    try:
        amount = Decimal(request.POST.get("amount", "").replace(",", ""))
    except InvalidOperation:
        messages.error(request, _("Enter the loan amount in yuan."))
        return redirect("deals-deal", deal_id=deal.pk)
    _run(
        request,
        lambda: services.mortgage_start(
            deal=deal,
            actor=_staff(request),
            bank=request.POST.get("bank", ""),
            loan_type=request.POST.get("loan_type", ""),
            amount=amount,
            documents={},
        ),
        _("The loan file is open."),
    )
    return redirect("deals-deal", deal_id=deal.pk)


@login_required
@require_POST
def mortgage_advance(request: HttpRequest, mortgage_id: int) -> HttpResponse:
    """MORT-02: one dated step of the loan."""
    mortgage = selectors.mortgage_get(user=request.user, mortgage_id=mortgage_id)
    _run(
        request,
        lambda: services.mortgage_advance(
            mortgage=mortgage,
            actor=_staff(request),
            action=request.POST.get("action", ""),
            on=parse_date(request.POST.get("on") or ""),
            note=request.POST.get("note", ""),
        ),
        _("Loan step recorded."),
    )
    return redirect("deals-deal", deal_id=mortgage.deal_id)


@login_required
@require_POST
def deposit_top_up(request: HttpRequest, deposit_id: int) -> HttpResponse:
    """DEP-04."""
    deposit = selectors.deposit_get(user=request.user, deposit_id=deposit_id)
    form = TopUpForm(request.POST)
    if form.is_valid():
        try:
            services.deposit_top_up(
                deposit=deposit,
                actor=_staff(request),
                large_amount=form.cleaned_data["large_amount"],
                method=form.cleaned_data["method"],
            )
            messages.success(request, _("Topped up to a large deposit."))
        except DomainError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Please correct the marked fields."))
    return _deal_redirect(deposit.deal_id)


@login_required
@require_POST
def deposit_change_unit(request: HttpRequest, deposit_id: int) -> HttpResponse:
    """DEP-05."""
    deposit = selectors.deposit_get(user=request.user, deposit_id=deposit_id)
    form = UnitChangeForm(request.POST)
    if form.is_valid():
        try:
            to_unit = selectors.unit_get(user=request.user, unit_id=form.cleaned_data["to_unit"])
            approval = (
                selectors.approval_get(user=request.user, request_id=form.cleaned_data["approval"])
                if form.cleaned_data["approval"] else None
            )  # fmt: skip
            services.deposit_unit_change(
                deposit=deposit,
                to_unit=to_unit,
                actor=_staff(request),
                reason=form.cleaned_data["reason"],
                approval=approval,
            )
            messages.success(request, _("Unit changed."))
        except DomainError as error:
            _fail(request, error)
    return _deal_redirect(deposit.deal_id)


@login_required
@require_POST
def approval_new(request: HttpRequest, deal_id: int) -> HttpResponse:
    """DISC-02: ask the site manager; the deal page then polls the answer."""
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    form = ApprovalRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            kind = data["kind"]
            if kind == ApprovalRequest.Kind.CANCELLATION:
                services.cancellation_request(
                    deal=deal, actor=_staff(request), reason=data["reason"], settlement=data["settlement"]
                )
            else:
                target = (
                    selectors.unit_get(user=request.user, unit_id=data["target_unit"])
                    if data["target_unit"]
                    else None
                )
                services.approval_request(
                    kind=kind, actor=_staff(request), unit=deal.unit, customer=deal.customer, deal=deal,
                    reason=data["reason"], requested_price=data["requested_price"], target_unit=target,
                    requested_until=data["requested_until"],
                )  # fmt: skip
            messages.success(request, _("Request sent to the site manager."))
        except DomainError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Please correct the marked fields."))
    return _deal_redirect(deal.pk)


@login_required
@require_GET
def approvals_inbox(request: HttpRequest) -> HttpResponse:
    """DISC-02: the approver's phone-friendly inbox, waiting requests first."""
    site = require_current_site(request)
    waiting = selectors.approval_list(user=request.user, site_id=site.pk)[:50]
    decided = selectors.approval_list(user=request.user, site_id=site.pk, status="").exclude(
        status="requested"
    )[:20]
    return render(
        request, "deals/approvals.html", {"waiting": waiting, "decided": decided, "form": DecisionForm()}
    )


@login_required
def approval_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    """DISC-02: a request's status; polled by the requester's page until it is decided. POST decides it."""
    approval = selectors.approval_get(user=request.user, request_id=request_id)
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.approval_decide(
                    request=approval, actor=_staff(request), decision=data["decision"], note=data["note"],
                    approved_price=data["approved_price"], developer_approval=data["developer_approval"],
                )  # fmt: skip
                messages.success(request, _("Decision recorded; the requester has been told."))
            except DomainError as error:
                _fail(request, error)
        return redirect("deals-approvals")
    return render(request, "deals/_approval_status.html", {"approval": approval})


@login_required
@require_POST
def subscription_new(request: HttpRequest, deal_id: int) -> HttpResponse:
    """CON-01: the subscription from the active large deposit, with an approved discount if any."""
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    form = SubscriptionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        deposit = deal.deposits.filter(status=Deposit.Status.ACTIVE).first()
        try:
            if deposit is None:
                raise DomainError(_("A subscription needs an active large deposit."))
            approval = (
                selectors.approval_get(user=request.user, request_id=data["discount_approval"])
                if data["discount_approval"]
                else None
            )
            services.subscription_create(
                deposit=deposit, actor=_staff(request),
                buyers=[{"name": data["name"], "id_type": data["id_type"], "id_number": data["id_number"]}],
                payment_method=data["payment_method"], discount_approval=approval,
                documents_to_bring=data["documents_to_bring"], by_agent=data["by_agent"],
            )  # fmt: skip
            messages.success(request, _("Subscription created."))
        except DomainError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Please correct the marked fields."))
    return _deal_redirect(deal.pk)


def _buyers_for(user: Any, subscription: Subscription) -> list[dict[str, str]]:
    # SEC-02: ID numbers in full only for those with full rights on the customer.
    full = sees_full_details(user, subscription.deal.customer)
    return [
        {**buyer, "id_number": buyer["id_number"] if full else mask_id_number(buyer["id_number"])}
        for buyer in subscription.buyers
    ]


@login_required
@require_GET
def subscription_pdf(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """CON-01: the subscription form as PDF with the site's header; the export is audited (SEC-03)."""
    subscription = selectors.subscription_get(user=request.user, subscription_id=subscription_id)
    pdf = documents.subscription_pdf({
        "subscription": subscription, "site": subscription.site, "unit": subscription.unit,
        "buyers": _buyers_for(request.user, subscription), "deposit": subscription.deposit,
        "salesperson": subscription.deal.salesperson, "now": timezone.now(),
    })  # fmt: skip
    audit_record(
        action="subscription.pdf", actor=_staff(request), site=subscription.site_id, obj=subscription
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="subscription-{subscription.number}.pdf"'
    return response


@login_required
def signing(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """CON-02: tick the checks with who and when, then sign the contract."""
    subscription = selectors.subscription_get(user=request.user, subscription_id=subscription_id)
    if request.method == "POST":
        try:
            if "item" in request.POST:
                services.subscription_check(
                    subscription=subscription, item=request.POST["item"], actor=_staff(request)
                )
            else:
                services.contract_sign(
                    subscription=subscription, actor=_staff(request),
                    power_of_attorney_ref=request.POST.get("power_of_attorney_ref", "")[:100],
                )  # fmt: skip
                messages.success(request, _("Contract signed."))
                return _deal_redirect(subscription.deal_id)
        except DomainError as error:
            _fail(request, error)
        return redirect("deals-signing", subscription_id=subscription.pk)
    items = (*CHECKLIST, AGENT_CHECK) if subscription.by_agent else CHECKLIST
    labels = {
        "id_verified": _("Original ID verified"), "qualification_confirmed": _("Purchase qualification confirmed"),
        "terms_explained": _("Main terms of the model contract explained"), AGENT_CHECK: _("Notarised power of attorney verified"),
    }  # fmt: skip
    checks = [(item, labels[item], subscription.checklist.get(item)) for item in items]
    return render(
        request, "deals/signing.html",
        {"subscription": subscription, "checks": checks, "buyers": _buyers_for(request.user, subscription), "complete": all(check[2] for check in checks)},
    )  # fmt: skip


@login_required
def ledger(request: HttpRequest, deal_id: int) -> HttpResponse:
    """PAY-01/02: finance's ledger of one deal with balance, due, overdue and next due date."""
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    can_record = access.can(request.user, deal.site_id, Cap.PAYMENTS_RECORD)
    form = PaymentForm(request.POST or None)
    if request.method == "POST":
        try:
            if "reverse" in request.POST:
                record = selectors.money_record_get(user=request.user, record_id=request.POST["reverse"])
                services.payment_reverse(
                    record=record, actor=_staff(request), reason=request.POST.get("reason", "")
                )
            elif form.is_valid():
                services.payment_record(deal=deal, actor=_staff(request), **form.cleaned_data)
            messages.success(request, _("Ledger updated."))
        except DomainError as error:
            _fail(request, error)
        return redirect("deals-ledger", deal_id=deal.pk)
    position = services.deal_position(deal=deal, today=timezone.localdate())
    records = deal.money_records.select_related("finance_user", "reverses").order_by("at", "id")
    return render(
        request,
        "deals/ledger.html",
        {
            "deal": deal,
            "records": records,
            "position": position,
            "form": form,
            "can_record": can_record,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def mortgages(request: HttpRequest) -> HttpResponse:
    """MORT-01/02: the loan list (办理贷款客户清单) with the next step and overdue flags."""
    site = require_current_site(request)
    today = timezone.localdate()
    rows = [
        (mortgage, mortgage_deadline(mortgage, today))
        for mortgage in selectors.mortgage_list(user=request.user, site_id=site.pk)[:200]
    ]
    return render(request, "deals/mortgages.html", {"rows": rows, "today": today})


def _statement(request: HttpRequest) -> Any:
    site = require_current_site(request)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
    except ValueError:
        raise Http404 from None
    return selectors.commission_statement(
        user=request.user,
        site_id=site.pk,
        salesperson_id=request.GET.get("salesperson", request.user.pk),
        year=year,
        month=month,
    )


@login_required
@require_GET
def commission(request: HttpRequest) -> HttpResponse:
    """COMM-03: the monthly commission statement of a salesperson."""
    statement = _statement(request)
    return render(
        request, "deals/commission.html", {"statement": statement, "query": request.GET.urlencode()}
    )


@login_required
@require_GET
def commission_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """COMM-03: the statement as PDF or Excel; every export is audited with its filter (SEC-03)."""
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    statement = _statement(request)
    name = f"commission-{statement.salesperson.pk}-{statement.year}-{statement.month:02d}"
    if fmt == "pdf":
        body = documents.commission_pdf({"statement": statement, "now": timezone.now()})
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    else:
        body = documents.commission_xlsx(statement)
        response = HttpResponse(
            body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    audit_record(
        action=f"commission.export_{fmt}", actor=_staff(request), site=statement.site,
        object_type="deals.commission_statement", object_id=statement.salesperson.pk,
        after={"year": statement.year, "month": statement.month, "salesperson": statement.salesperson.pk},
    )  # fmt: skip
    return response


@login_required
def customer_panel(request: HttpRequest, customer_id: int) -> HttpResponse:
    """CUS-04: the customer's units, deposits, contracts and balance, for the customer file."""
    customer = customer_get_for_user(user=request.user, customer_id=customer_id)
    try:
        deals = selectors.customer_deals(user=request.user, customer_id=customer.pk, site_id=customer.site_id)
    except PermissionDenied:
        deals = []
    today = timezone.localdate()
    rows = [{"deal": deal, "position": deal_position(deal=deal, today=today)} for deal in deals]
    return render(request, "deals/_customer_panel.html", {"rows": rows})
