"""Office pages around the registry: my customers and follow-ups (OWN-04, FUP-01..07), the public
pool and departures (OWN-03/04/09/12), merging (CUS-05), importing (CUS-06) and replay (OWN-19 a)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from customers import office_selectors, ownership, services
from customers.coaching import coaching_note
from customers.facts import connected_customer_ids, ownership_facts
from customers.models import Customer, CustomerMerge
from customers.office_forms import (
    DepartureForm,
    DistributeForm,
    FollowUpForm,
    ImportForm,
    LostForm,
    MergeForm,
    PersonalityForm,
    ReplayForm,
)
from customers.selectors import customer_get, sees_full_details
from customers.services.imports import MAX_IMPORT_ROWS, customer_import_create
from customers.services.verdicts import site_zone
from salesoffice.core import access
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import Membership
from salesoffice.core.policy import policy_from_json
from salesoffice.core.roles import Cap, Role
from salesoffice.core.services import policy_current
from salesoffice.core.workspace import require_current_site

PAGE_SIZE = 50
URGENT_DAYS = 3


def _countdown(customer: Customer, today: dt.date) -> int | None:
    """OWN-04: days of protection left, shown on every customer list."""
    if customer.protected_until is None:
        return None
    return (customer.protected_until - today).days


def _add_errors(form: Any, error: DomainError) -> None:
    for field, problems in error.fields.items():
        for problem in problems or [error.message]:
            form.add_error(field if field in form.fields else None, problem)
    if not error.fields:
        form.add_error(None, error.message)


@login_required
@require_GET
@never_cache
def my_customers(request: HttpRequest) -> HttpResponse:
    """OWN-04, FUP-04: my customers with the protection countdown (sortable, red under 3 days) and the
    next follow-up date."""
    site = require_current_site(request)
    sort = request.GET.get("sort", "protected_until")
    rows = office_selectors.my_customer_list(user=request.user, site=site, sort=sort)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = office_selectors.site_today(site)
    items = [(customer, _countdown(customer, today)) for customer in page.object_list]
    return render(
        request,
        "customers/my_customers.html",
        {"page": page, "items": items, "sort": sort, "today": today, "urgent_days": URGENT_DAYS},
    )


@login_required
@require_GET
@never_cache
def follow_ups_due(request: HttpRequest) -> HttpResponse:
    """FUP-04 (P4): today's due and overdue follow-ups of the salesperson."""
    site = require_current_site(request)
    today = office_selectors.site_today(site)
    rows = office_selectors.follow_up_due_list(user=request.user, site=site, today=today)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [(customer, _countdown(customer, today)) for customer in page.object_list]
    return render(
        request,
        "customers/follow_ups_due.html",
        {"page": page, "items": items, "today": today, "urgent_days": URGENT_DAYS},
    )


@login_required
@require_GET
def follow_up_overview(request: HttpRequest) -> HttpResponse:
    """FUP-04: the manager sees each salesperson's due and overdue counts; FUP-05: the lost reasons."""
    site = require_current_site(request)
    today = office_selectors.site_today(site)
    rows = office_selectors.follow_up_overview(user=request.user, site=site, today=today)
    lost = office_selectors.lost_reason_summary(user=request.user, site=site)
    return render(request, "customers/follow_up_overview.html", {"rows": rows, "lost": lost, "today": today})


@login_required
@never_cache
def customer_follow_up(request: HttpRequest, customer_id: int) -> HttpResponse:
    """FUP-01..FUP-07: record a follow-up, mark lost, set the personality type; the level history and
    the coaching note. Only the owner and the site's managers and supervisors open it."""
    site = require_current_site(request)
    customer = customer_get(user=request.user, site=site, customer_id=customer_id)
    if not sees_full_details(request.user, customer):
        raise PermissionDenied
    action = request.POST.get("action", "")
    now = timezone.localtime(timezone.now(), site_zone(site))
    follow_form = FollowUpForm(
        request.POST if action == "follow_up" else None,
        initial={"at": now.replace(second=0, microsecond=0, tzinfo=None), "level": customer.level},
    )
    lost_form = LostForm(request.POST if action == "lost" else None)
    personality_form = PersonalityForm(
        request.POST if action == "personality" else None,
        initial={"personality_type": customer.personality_type},
    )
    if request.method == "POST":
        done = _follow_up_action(request, customer, action, follow_form, lost_form, personality_form, site)
        if done:
            return redirect("customers-follow-up-file", customer_id=customer.pk)
    return render(
        request,
        "customers/customer_follow_up.html",
        {
            "customer": customer,
            "follow_form": follow_form,
            "lost_form": lost_form,
            "personality_form": personality_form,
            "history": office_selectors.level_history(customer=customer),
            "recent": list(customer.follow_ups.select_related("salesperson").order_by("-at", "-pk")[:20]),
            "coaching": coaching_note(customer.personality_type),
            "countdown": _countdown(customer, now.date()),
            "urgent_days": URGENT_DAYS,
        },
    )


def _follow_up_action(
    request: HttpRequest,
    customer: Customer,
    action: str,
    follow_form: FollowUpForm,
    lost_form: LostForm,
    personality_form: PersonalityForm,
    site: Any,
) -> bool:
    try:
        if action == "follow_up" and follow_form.is_valid():
            data = follow_form.cleaned_data
            moment = data["at"]
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, site_zone(site))
            services.follow_up_record(
                customer=customer, actor=request.user, at=moment, method=data["method"], reached=data["reached"],
                content=data["content"], result=data["result"], level=data["level"], next_step=data["next_step"],
                next_date=data["next_date"], referrals_asked=data["referrals_asked"],
            )  # fmt: skip
            messages.success(request, _("Follow-up recorded."))
            return True
        if action == "lost" and lost_form.is_valid():
            services.customer_mark_lost(
                customer=customer, actor=request.user, reason=lost_form.cleaned_data["reason"],
                note=lost_form.cleaned_data["note"],
            )  # fmt: skip
            messages.success(request, _("Recorded as lost."))
            return True
        if action == "personality" and personality_form.is_valid():
            services.customer_personality_set(
                customer=customer, actor=request.user,
                personality_type=personality_form.cleaned_data["personality_type"],
            )  # fmt: skip
            return True
    except DomainError as error:
        form = {"follow_up": follow_form, "lost": lost_form}.get(action, personality_form)
        _add_errors(form, error)
    return False


@login_required
@never_cache
def pool(request: HttpRequest) -> HttpResponse:
    """OWN-04, OWN-12, OWN-03: the public pool. The manager distributes in rotation or to one
    salesperson; salespeople may claim when the policy allows, within the daily quota."""
    site = require_current_site(request)
    rows = office_selectors.pool_list(user=request.user, site=site)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    can_distribute = access.can(request.user, site.pk, Cap.DISPUTES_DECIDE)
    people = office_selectors.active_salespeople(site=site) if can_distribute else []
    form = DistributeForm(
        request.POST or None, customer_ids=[customer.pk for customer in page.object_list], salespeople=people
    )
    if request.method == "POST":
        access.require(request.user, site.pk, Cap.DISPUTES_DECIDE)
        cast(forms.ChoiceField, form.fields["customers"]).choices = [
            (pk, pk) for pk in request.POST.getlist("customers") if pk.isdigit()
        ]
        if form.is_valid():
            try:
                assigned = services.pool_distribute(
                    site=site, actor=request.user, customer_ids=form.cleaned_data["customers"],
                    salesperson_id=form.cleaned_data["salesperson"], reason=form.cleaned_data["reason"],
                )  # fmt: skip
                messages.success(request, _("%(count)s customers distributed.") % {"count": len(assigned)})
                return redirect("customers-pool")
            except DomainError as error:
                _add_errors(form, error)
    policy, _version = policy_current(site=site)
    items = [(customer, office_selectors.pool_category(customer)) for customer in page.object_list]
    return render(
        request,
        "customers/pool.html",
        {
            "page": page,
            "items": items,
            "form": form,
            "can_distribute": can_distribute,
            "can_claim": policy.pool_self_claim and access.can(request.user, site.pk, Cap.CUSTOMERS_OWN),
            "people": people,
        },
    )


@login_required
@require_POST
def pool_claim(request: HttpRequest, customer_id: int) -> HttpResponse:
    """OWN-04 option: a salesperson claims a pool customer (daily quota, audited)."""
    site = require_current_site(request)
    customer = customer_get(user=request.user, site=site, customer_id=customer_id)
    try:
        services.pool_claim(customer=customer, actor=request.user)
        messages.success(request, _("The customer is now yours."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("customers-pool")


@login_required
@never_cache
def departure(request: HttpRequest) -> HttpResponse:
    """OWN-09: the leaver's not-closed customers as a list, then handed over in rotation."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.DISPUTES_DECIDE)
    people = _sales_staff(site)
    form = DepartureForm(request.POST or request.GET or None, people=people)
    listed: list[Customer] = []
    if form.is_bound and "leaver" in request.GET:
        form.full_clean()
        leaver = form.cleaned_data.get("leaver")
        if leaver:
            listed = list(
                office_selectors.customers_of_leaver(user=request.user, site=site, leaver_id=leaver)[:500]
            )
    if request.method == "POST" and form.is_valid():
        try:
            assigned = services.departure_handover(
                site=site, actor=request.user, leaver_id=form.cleaned_data["leaver"],
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
            messages.success(request, _("%(count)s customers handed over.") % {"count": len(assigned)})
            return redirect("customers-departure")
        except DomainError as error:
            _add_errors(form, error)
    return render(request, "customers/departure.html", {"form": form, "listed": listed})


def _sales_staff(site: Any) -> list[Any]:
    rows = (
        Membership.objects.filter(site=site, role=Role.SALESPERSON.value)
        .select_related("user")
        .order_by("user_id")
    )
    return list({row.user_id: row.user for row in rows}.values())


@login_required
@never_cache
def merge(request: HttpRequest) -> HttpResponse:
    """CUS-05: the site manager merges two records of one person, or undoes a merge."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.DISPUTES_DECIDE)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survivor = customer_get(user=request.user, site=site, customer_id=data["survivor"])
            merged = customer_get(user=request.user, site=site, customer_id=data["merged"])
            services.customer_merge(
                survivor=survivor, merged=merged, actor=request.user, reason=data["reason"]
            )
            messages.success(request, _("Merged."))
            return redirect("customers-merge")
        except DomainError as error:
            _add_errors(form, error)
    merges = (
        CustomerMerge.objects.filter(site=site)
        .select_related("survivor", "merged", "merged_by")
        .order_by("-merged_at")[:50]
    )
    return render(request, "customers/merge.html", {"form": form, "merges": merges})


@login_required
@require_POST
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    """CUS-05: undo a merge by a new recorded decision."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.DISPUTES_DECIDE)
    record = CustomerMerge.objects.filter(site=site, pk=merge_id).first()
    if record is None:
        raise Http404
    try:
        services.customer_merge_undo(merge=record, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("The merge is undone."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("customers-merge")


@dataclasses.dataclass(frozen=True)
class ReplayResult:
    verdict: ownership.Verdict | None
    recorded: Any
    policy_changes: dict[str, Any]


@login_required
@never_cache
def replay(request: HttpRequest) -> HttpResponse:
    """OWN-19 a: a customer's recorded history under the current or a draft policy at a chosen moment,
    beside the verdict recorded then, with the rules and records of each."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.DISPUTES_DECIDE)
    current, _version = policy_current(site=site)
    form = ReplayForm(policy=current, data=request.GET if "customer" in request.GET else None)
    result = None
    if form.is_bound and form.is_valid():
        customer = customer_get(user=request.user, site=site, customer_id=form.cleaned_data["customer"])
        moment = form.cleaned_data["moment"]
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, site_zone(site))
        draft = policy_from_json(form.policy_changes(), base=current)
        changes = {name: value for name, value in draft.to_json().items() if current.to_json()[name] != value}
        facts = ownership_facts(connected_customer_ids([customer.pk]))
        verdicts = ownership.decide(facts, policy=draft, at=moment, tz=site_zone(site))
        recorded = (
            customer.verdicts.filter(decided_at__lte=moment)
            .select_related("owner")
            .order_by("-decided_at", "-pk")
            .first()
        )
        result = ReplayResult(verdicts.get(str(customer.pk)), recorded, changes)
    return render(request, "customers/replay.html", {"form": form, "result": result})


@login_required
@never_cache
def customer_import(request: HttpRequest) -> HttpResponse:
    """CUS-06: upload an exhibition or event list (.xlsx); the page then shows its progress."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.DISPUTES_DECIDE)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = customer_import_create(
                site=site, actor=request.user, name=upload.name, content=upload.read(),
                source=form.cleaned_data["source"], activity_code=form.cleaned_data["activity_code"],
            )  # fmt: skip
            return redirect("customers-import-status", import_id=record.pk)
        except DomainError as error:
            _add_errors(form, error)
    return render(request, "customers/import.html", {"form": form, "max_rows": MAX_IMPORT_ROWS})


@login_required
@require_GET
@never_cache
def customer_import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    """CUS-06: the import's progress, polled by htmx while it runs, and its row-level report."""
    record = office_selectors.customer_import_get(user=request.user, import_id=import_id)
    template = (
        "customers/_import_status.html"
        if request.headers.get("HX-Request")
        else "customers/import_status.html"
    )
    return render(request, template, {"record": record})
