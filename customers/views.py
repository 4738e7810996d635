"""Counter pages: lookup, registration, the customer file, disputes (CUS-03/04, REG, DISP)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from customers import selectors, services
from customers.forms import CorrectionForm, DecisionForm, DisputeForm, FollowUpForm, RegistrationForm
from customers.services.registrations import registration_correct as correct_registration
from salesoffice.core import access
from salesoffice.core.exceptions import DomainError
from salesoffice.core.panels import customer_panels
from salesoffice.core.roles import SALES_ROLES, Cap
from salesoffice.core.workspace import require_current_site

# DomainError field names that the form shows under another field.
_FORM_FIELD = {"phones": "mobile", "contact_at": None, "named_id": None}


def _form_errors(form: Any, error: DomainError) -> None:
    if not error.fields:
        form.add_error(None, error.message)
    for field, problems in error.fields.items():
        target = _FORM_FIELD.get(field, field if field in form.fields else None)
        for problem in problems if isinstance(problems, list) else [problems]:
            form.add_error(target, str(problem))


@login_required
def counter(request: HttpRequest) -> HttpResponse:
    """CUS-03: type 4 digits or a character; the verdict shows before the customer sits down."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.CUSTOMERS_LOOKUP)
    query = request.GET.get("q", "")
    results = selectors.customer_lookup(user=request.user, site=site, query=query) if query else []
    return render(request, "customers/counter.html", {"query": query, "results": results})


@login_required
@require_GET
def counter_lookup(request: HttpRequest) -> HttpResponse:
    site = require_current_site(request)
    query = request.GET.get("q", "")
    results = selectors.customer_lookup(user=request.user, site=site, query=query)
    return render(request, "customers/_lookup_results.html", {"query": query, "results": results})


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """REG-01..06: the receiver registers right after the reception."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.REGISTRATIONS_CREATE)
    form = RegistrationForm(
        request.POST or None, initial={"mobile": request.GET.get("phone", ""), "contact_at": timezone.now()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_create(
                site=site, actor=request.user, **form.service_arguments()
            )
        except DomainError as error:
            _form_errors(form, error)
        else:
            if registration.complete:
                messages.success(
                    request,
                    _(
                        "Registered as No. %(number)s. Tell the customer: next time, just give your name or mobile number."
                    )
                    % {"number": registration.number},
                )
            else:
                messages.warning(
                    request,
                    _(
                        "Registered as No. %(number)s, but incomplete: it gives no ownership until the basic items are recorded."
                    )
                    % {"number": registration.number},
                )
            return redirect("customers-detail", pk=registration.customer_id)
    return render(request, "customers/register.html", {"form": form})


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get_for_user(user=request.user, customer_id=pk)
    file = selectors.customer_file(user=request.user, customer=customer)
    roles = access.roles_at(request.user, customer.site_id)
    context = {
        "file": file,
        "customer": customer,
        "verdict": selectors.lookup_result(request.user, customer),
        "can_follow_up": customer.owner_id == request.user.pk,
        "can_dispute": bool(roles & SALES_ROLES) and customer.owner_id != request.user.pk,
        "follow_up_form": FollowUpForm(initial={"level": customer.level}),
        "dispute_form": DisputeForm(),
        "panels": customer_panels(),
    }
    return render(request, "customers/detail.html", context)


@login_required
@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get_for_user(user=request.user, customer_id=pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_record(
                customer=customer, actor=request.user, at=timezone.now(), **form.cleaned_data
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Follow-up recorded."))
    else:
        messages.error(request, _("Please correct the marked fields."))
    return redirect("customers-detail", pk=customer.pk)


@login_required
@require_POST
def dispute_open(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get_for_user(user=request.user, customer_id=pk)
    form = DisputeForm(request.POST)
    if form.is_valid():
        try:
            services.dispute_open(customer=customer, actor=request.user, claim=form.cleaned_data["claim"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your objection went to the site manager."))
    return redirect("customers-detail", pk=customer.pk)


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    site = require_current_site(request)
    disputes = selectors.dispute_list(user=request.user, site=site)
    return render(request, "customers/dispute_list.html", {"disputes": disputes})


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """DISP-02: both sides' records side by side, the system's verdict and its rules, the decision."""
    dispute = selectors.dispute_get(user=request.user, dispute_id=pk)
    salespeople = list(
        get_user_model().objects.filter(
            memberships__site_id=dispute.site_id, memberships__role__in=[role.value for role in SALES_ROLES],
            memberships__is_active=True,
        ).distinct()
    )  # fmt: skip
    form = DecisionForm(request.POST or None, salespeople=salespeople)
    if request.method == "POST" and form.is_valid():
        try:
            services.dispute_decide(dispute=dispute, actor=request.user, **form.decision())
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Decision recorded; both parties were notified."))
            return redirect("customers-disputes")
    context = {
        "dispute": dispute,
        "evidence": selectors.dispute_evidence(dispute=dispute),
        "verdict": selectors.lookup_result(request.user, dispute.customer),
        "form": form,
    }
    return render(request, "customers/dispute_detail.html", context)


@login_required
def registration_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """SEC-05: the original beside its correction; the original is never changed."""
    original = selectors.registration_get_for_user(user=request.user, registration_id=pk)
    form = CorrectionForm.for_registration(original, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            correct_registration(
                original=original,
                actor=request.user,
                changes=form.changes(original),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Correction recorded beside the original."))
            return redirect("customers-detail", pk=original.customer_id)
    corrections = list(original.corrections.select_related("salesperson", "approved_by"))
    return render(
        request, "customers/correct.html", {"original": original, "form": form, "corrections": corrections}
    )
