"""Scoped reads of customers: the counter lookup (CUS-03), lists and the customer file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from customers.models import Customer, CustomerPhone, Dispute, OwnershipVerdict, Registration
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.models import Site, full_name
from salesoffice.core.phones import InvalidPhone, mask_name, mask_phone, normalize_phone
from salesoffice.core.prepared import fetch_prepared
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
    return _sees_full(user, site_id=customer.site_id, owner_id=customer.owner_id, status=customer.status)


_BUYER_STATUSES = frozenset(
    (Customer.Status.DEPOSITED, Customer.Status.SUBSCRIBED, Customer.Status.CONTRACTED, Customer.Status.OWNER)
)


def _sees_full(user: Any, *, site_id: int, owner_id: int | None, status: str) -> bool:
    if owner_id == user.pk:
        return True
    if access.can(user, site_id, Cap.CUSTOMERS_READ_ALL):
        return True
    return status in _BUYER_STATUSES and access.can(user, site_id, Cap.CUSTOMERS_READ_BUYERS)


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
    if not text:
        return []
    if _DIGITS.match(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) < 4:
            return []
        try:
            lookup = ("phone", [site.pk, normalize_phone(text).e164])
        except InvalidPhone:
            # The index finds the last 4 digits; any digits typed before them narrow the match.
            lookup = ("last_digits", [site.pk, digits[-4:], "%" + _like_escaped(digits)])
    elif text.isascii():
        lookup = ("initials", [_like_escaped(text.lower().replace(" ", "")) + "%"])
    else:
        lookup = ("name", [_like_escaped(text) + "%"])
    results = [_row_result(user, site.pk, row) for row in _lookup_rows(site.pk, *lookup, limit)]
    _audit_full_views(
        user, site, [result for result in results if result.full_details and not result.is_owner]
    )
    return results


# The counter's lookup is the office's most frequent request (P1): one hand-written statement, the
# same scope as ``customer_queryset`` (the site's customers, neither merged nor anonymised), reading
# only what the counter shows; the ORM's query building cost more than the query itself.
# Table names come from the models and every value is a parameter (hence the S608 exemptions).
_LOOKUP_SQL = f"""
SELECT c.id, c.name, c.level, c.status, c.owner_id, c.protected_until, u.first_name, u.last_name, v.rules,
       (SELECT p.e164 FROM {CustomerPhone._meta.db_table} p WHERE p.customer_id = c.id ORDER BY p.id LIMIT 1)
FROM {Customer._meta.db_table} c
LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = c.owner_id
LEFT JOIN {OwnershipVerdict._meta.db_table} v ON v.id = c.verdict_id
WHERE c.site_id = %s AND c.merged_into_id IS NULL AND c.anonymised_at IS NULL AND {{match}}
ORDER BY c.last_activity_at DESC, c.id DESC
LIMIT %s
"""  # noqa: S608
_MATCHES = {
    # Semi-joins: a customer with two matching phones comes once, with no DISTINCT over wide rows.
    "phone": (
        f"c.id IN (SELECT customer_id FROM {CustomerPhone._meta.db_table} "  # noqa: S608
        "WHERE site_id = %s AND e164 = %s)"
    ),
    "last_digits": (
        f"c.id IN (SELECT customer_id FROM {CustomerPhone._meta.db_table} "  # noqa: S608
        "WHERE site_id = %s AND last4 = %s AND e164 {like})"
    ),
    "initials": "c.name_initials {like}",
    "name": "c.name {like}",
}
# Equalities keep a good plan when prepared; a prefix pattern needs its value at planning time.
_PREPARED = frozenset(("phone", "last_digits"))
_PROTECTED_UNTIL = Customer._meta.get_field("protected_until")


def _like_escaped(text: str) -> str:
    return connection.ops.prep_for_like_query(text)


def _lookup_rows(site_id: int, by: str, values: list[Any], limit: int) -> list[tuple[Any, ...]]:
    # The database's own prefix operator ("LIKE %s", with an ESCAPE clause on SQLite).
    sql = _LOOKUP_SQL.format(match=_MATCHES[by].format(like=connection.operators["startswith"]))
    params = [site_id, *values, limit]
    if by in _PREPARED:
        return fetch_prepared(f"customer_lookup_{by}", sql, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _row_result(user: Any, site_id: int, row: tuple[Any, ...]) -> LookupResult:
    customer_id, name, level, status, owner_id, protected_until, first_name, last_name, rules, phone = row
    return _lookup_result(
        user,
        customer_id=customer_id,
        site_id=site_id,
        name=name,
        phone=phone or "",
        owner_id=owner_id,
        owner_name=full_name(first_name or "", last_name or ""),
        protected_until=_PROTECTED_UNTIL.to_python(protected_until),
        # Raw rows carry the JSON column as text (Django decodes it only for model fields).
        rules=json.loads(rules) if isinstance(rules, str) else rules or (),
        level=level,
        status=status,
    )


def lookup_result(user: Any, customer: Customer) -> LookupResult:
    """One customer as the counter shows it to ``user`` (CUS-03, SEC-02)."""
    phones = list(customer.phones.all())
    owner = customer.owner
    return _lookup_result(
        user,
        customer_id=customer.pk,
        site_id=customer.site_id,
        name=customer.name,
        phone=phones[0].e164 if phones else "",
        owner_id=customer.owner_id,
        owner_name=owner.get_full_name() if owner else "",
        protected_until=customer.protected_until,
        rules=customer.verdict.rules if customer.verdict else (),
        level=customer.level,
        status=customer.status,
    )


def _lookup_result(
    user: Any,
    *,
    customer_id: int,
    site_id: int,
    name: str,
    phone: str,
    owner_id: int | None,
    owner_name: str,
    protected_until: dt.date | None,
    rules: Iterable[str],
    level: str,
    status: str,
) -> LookupResult:
    full = _sees_full(user, site_id=site_id, owner_id=owner_id, status=status)
    return LookupResult(
        customer_id=customer_id,
        name=name,
        phone=_national(phone) if full else mask_phone(phone),
        owner_id=owner_id,
        owner_name=owner_name,
        protected_until=protected_until,
        public_pool=owner_id is None,
        is_owner=owner_id == user.pk,
        full_details=full,
        rules=tuple(rules),
        level=level,
        status=status,
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
