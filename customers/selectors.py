"""Scoped reads of customers: the counter lookup (CUS-03), lists and the customer file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from customers.models import Customer, CustomerPhone, Dispute, Registration
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.models import Site
from salesoffice.core.phones import InvalidPhone, mask_name, mask_phone, normalize_phone
from salesoffice.core.roles import Cap

_DIGITS = re.compile(r"^[\d\s+\-()]+$")


@dataclasses.dataclass(frozen=True)
class LookupResult:
    """What the counter shows about one customer (CUS-03, SEC-02): enough to route the customer,
    never another salesperson's contact details."""

    customer_id: int
    name: str
    phone: str
    owner_id: int | None
    owner_name: str
    protected_until: dt.date | None
    public_pool: bool
    is_owner: bool
    full_details: bool
    rules: tuple[str, ...]
    level: str
    status: str


def sees_full_details(user: Any, customer: Customer) -> bool:
    """SEC-01/02: the owner, and supervisors and managers of the site, see contact details;
    finance and customer service see them for buyers only."""
    if customer.owner_id == user.pk:
        return True
    if access.can(user, customer.site_id, Cap.CUSTOMERS_READ_ALL):
        return True
    is_buyer = customer.status in (
        Customer.Status.DEPOSITED,
        Customer.Status.SUBSCRIBED,
        Customer.Status.CONTRACTED,
        Customer.Status.OWNER,
    )
    return is_buyer and access.can(user, customer.site_id, Cap.CUSTOMERS_READ_BUYERS)


def customer_queryset(*, user: Any, site: Site) -> QuerySet[Customer]:
    """Customers of a site the user may at least look up (masked); 404 for another site."""
    access.require_site(user, site.pk)
    return Customer.objects.filter(site=site, merged_into__isnull=True, anonymised_at__isnull=True)


def customer_get(*, user: Any, site: Site, customer_id: Any) -> Customer:
    try:
        return (
            customer_queryset(user=user, site=site)
            .select_related("owner", "verdict")
            .prefetch_related("phones")
            .get(pk=int(customer_id))
        )
    except (Customer.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


LOOKUP_FIELDS = (
    "site",
    "name",
    "level",
    "status",
    "owner",
    "protected_until",
    "verdict",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "verdict__rules",
)


def customer_lookup(*, user: Any, site: Site, query: str, limit: int = 10) -> list[LookupResult]:
    """CUS-03: by full phone, by the last 4 digits within the site, by name or pinyin initials.

    Every branch is served by an index (phone unique key, ``(site, last4)``, name and initials
    prefix indexes); a non-owner sees the masked phone and the owner's name (SEC-02), and a
    full-details view by anyone other than the owner is audited (SEC-03)."""
    access.require(user, site.pk, Cap.CUSTOMERS_LOOKUP)
    text = (query or "").strip()
    customers = customer_queryset(user=user, site=site)
    if not text:
        return []
    if _DIGITS.match(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) < 4:
            return []
        phones = CustomerPhone.objects.filter(site=site)
        try:
            phones = phones.filter(e164=normalize_phone(text).e164)
        except InvalidPhone:
            phones = phones.filter(last4=digits[-4:])
        # A semi-join: a customer with two matching phones comes once, with no DISTINCT over wide rows.
        customers = customers.filter(pk__in=phones.values("customer_id"))
    elif text.isascii():
        customers = customers.filter(name_initials__startswith=text.lower().replace(" ", ""))
    else:
        customers = customers.filter(name__startswith=text)
    rows = list(
        customers.select_related("owner", "verdict")
        # Only what the counter shows: the verdict's facts and the owner's account stay in the database (P1).
        .only(*LOOKUP_FIELDS)
        .prefetch_related(
            Prefetch("phones", queryset=CustomerPhone.objects.order_by("pk").only("customer", "e164"))
        )
        .order_by("-last_activity_at", "-pk")[:limit]
    )
    if _DIGITS.match(text) and not _is_full_number(text):
        wanted = re.sub(r"\D", "", text)
        rows = [row for row in rows if any(phone.e164.endswith(wanted) for phone in row.phones.all())]
    results = [lookup_result(user, row) for row in rows]
    _audit_full_views(
        user, site, [result for result in results if result.full_details and not result.is_owner]
    )
    return results


def _is_full_number(text: str) -> bool:
    try:
        normalize_phone(text)
    except InvalidPhone:
        return False
    return True


def lookup_result(user: Any, customer: Customer) -> LookupResult:
    """One customer as the counter shows it to ``user`` (CUS-03, SEC-02)."""
    full = sees_full_details(user, customer)
    phones = list(customer.phones.all())
    phone = phones[0].e164 if phones else ""
    owner = customer.owner
    return LookupResult(
        customer_id=customer.pk,
        name=customer.name,
        phone=_national(phone) if full else mask_phone(phone),
        owner_id=customer.owner_id,
        owner_name=owner.get_full_name() if owner else "",
        protected_until=customer.protected_until,
        public_pool=customer.owner_id is None,
        is_owner=customer.owner_id == user.pk,
        full_details=full,
        rules=tuple(customer.verdict.rules) if customer.verdict else (),
        level=customer.level,
        status=customer.status,
    )


def _national(e164: str) -> str:
    try:
        return normalize_phone(e164).national
    except InvalidPhone:
        return e164


def display_name(user: Any, customer: Customer) -> str:
    """SEC-02: names of customers one may not see in full show as the surname and stars."""
    return customer.name if sees_full_details(user, customer) else mask_name(customer.name)


def _audit_full_views(user: Any, site: Site, results: list[LookupResult]) -> None:
    for result in results:
        audit_record(
            action="customer.view_contact", actor=user, site=site, object_type="customers.customer",
            object_id=result.customer_id,
        )  # fmt: skip


def customer_get_for_user(*, user: Any, customer_id: Any) -> Customer:
    """A customer of any site where the user holds a role; another site's is a 404 (SEC-07)."""
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        raise Http404 from None
    customer = (
        Customer.objects.filter(pk=pk, site_id__in=access.site_ids_with(user), anonymised_at__isnull=True)
        .select_related("owner", "verdict", "site")
        .prefetch_related("phones")
        .first()
    )
    if customer is None:
        raise Http404
    return customer


def may_read_records(user: Any, customer: Customer) -> bool:
    """OWN-17: salespeople do not browse others' registration forms; they see verdicts."""
    return customer.owner_id == user.pk or access.can(user, customer.site_id, Cap.REGISTRATIONS_READ_ALL)


@dataclasses.dataclass(frozen=True)
class CustomerFile:
    """CUS-04: one page per customer, as much as the viewer may see."""

    customer: Customer
    full_details: bool
    phones: list[str]
    name: str
    registrations: list[Any]
    follow_ups: list[Any]
    verdicts: list[Any]
    decisions: list[Any]
    disputes: list[Any]
    relations: list[Any]


def customer_file(*, user: Any, customer: Customer) -> CustomerFile:
    full = sees_full_details(user, customer)
    records = may_read_records(user, customer)
    phones = [phone.e164 for phone in customer.phones.all()]
    if full and customer.owner_id != user.pk:
        audit_record(action="customer.view_contact", actor=user, site=customer.site_id, obj=customer)
    return CustomerFile(
        customer=customer,
        full_details=full,
        phones=[_national(phone) if full else mask_phone(phone) for phone in phones],
        name=customer.name if full else mask_name(customer.name),
        registrations=list(customer.registrations.select_related("salesperson").order_by("-recorded_at")[:50])
        if records
        else [],
        follow_ups=list(customer.follow_ups.select_related("salesperson").order_by("-at")[:50])
        if records
        else [],
        verdicts=list(customer.verdicts.select_related("owner").order_by("-decided_at", "-pk")[:20]),
        decisions=list(customer.decisions.select_related("owner", "decided_by").order_by("-decided_at")[:20]),
        disputes=list(customer.disputes.select_related("opened_by").order_by("-opened_at")[:20]),
        relations=list(customer.relations_from.select_related("b").all()[:20])
        + list(customer.relations_to.select_related("a").all()[:20]),
    )


def dispute_list(*, user: Any, site: Site, status: str = "open") -> QuerySet[Dispute]:
    access.require(user, site.pk, Cap.DISPUTES_DECIDE)
    return (
        Dispute.objects.filter(site=site, status=status)
        .select_related("customer", "customer__owner", "opened_by")
        .order_by("opened_at")
    )


def dispute_get(*, user: Any, dispute_id: Any) -> Dispute:
    try:
        pk = int(dispute_id)
    except (TypeError, ValueError):
        raise Http404 from None
    dispute = (
        Dispute.objects.filter(pk=pk, site_id__in=access.site_ids_with(user))
        .select_related("customer", "customer__owner", "customer__verdict", "opened_by")
        .first()
    )
    if dispute is None:
        raise Http404
    access.require(user, dispute.site_id, Cap.DISPUTES_DECIDE)
    return dispute


def dispute_evidence(*, dispute: Dispute) -> dict[str, Any]:
    """DISP-02: both sides' records side by side: registrations, follow-ups and the verdict history,
    grouped by salesperson."""
    customer = dispute.customer
    by_salesperson: dict[int, dict[str, Any]] = {}
    for registration in customer.registrations.select_related("salesperson").order_by("recorded_at"):
        side = by_salesperson.setdefault(
            registration.salesperson_id,
            {"user": registration.salesperson, "registrations": [], "follow_ups": []},
        )
        side["registrations"].append(registration)
    for follow_up in customer.follow_ups.select_related("salesperson").order_by("at"):
        side = by_salesperson.setdefault(
            follow_up.salesperson_id, {"user": follow_up.salesperson, "registrations": [], "follow_ups": []}
        )
        side["follow_ups"].append(follow_up)
    return {
        "sides": list(by_salesperson.values()),
        "verdicts": list(customer.verdicts.select_related("owner").order_by("decided_at", "pk")),
    }


def registration_get_for_user(*, user: Any, registration_id: Any) -> Registration:
    """A registration the user may read (OWN-17: the receiver or a supervisor/manager); another
    site's is a 404."""
    try:
        pk = int(registration_id)
    except (TypeError, ValueError):
        raise Http404 from None
    registration = (
        Registration.objects.filter(pk=pk, site_id__in=access.site_ids_with(user))
        .select_related("customer")
        .first()
    )
    if registration is None:
        raise Http404
    if registration.salesperson_id != user.pk and not access.can(
        user, registration.site_id, Cap.REGISTRATIONS_READ_ALL
    ):
        raise Http404
    return registration
