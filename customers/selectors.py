"""Scoped reads of customers: the counter lookup (CUS-03), lists and the customer file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from customers.models import Customer, CustomerPhone
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
        try:
            phone = normalize_phone(text)
            customers = customers.filter(phones__site=site, phones__e164=phone.e164)
        except InvalidPhone:
            customers = customers.filter(phones__site=site, phones__last4=digits[-4:])
    elif text.isascii():
        customers = customers.filter(name_initials__startswith=text.lower().replace(" ", ""))
    else:
        customers = customers.filter(name__startswith=text)
    rows = list(
        customers.select_related("owner", "verdict")
        .prefetch_related(Prefetch("phones", queryset=CustomerPhone.objects.order_by("pk")))
        .order_by("-last_activity_at", "-pk")
        .distinct()[:limit]
    )
    if _DIGITS.match(text) and not _is_full_number(text):
        wanted = re.sub(r"\D", "", text)
        rows = [row for row in rows if any(phone.e164.endswith(wanted) for phone in row.phones.all())]
    results = [_lookup_result(user, row) for row in rows]
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


def _lookup_result(user: Any, customer: Customer) -> LookupResult:
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
