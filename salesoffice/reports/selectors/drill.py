"""The records behind a figure (reports.md: "every figure can be drilled down to the records behind it"):
the same definition the figure was counted from, listed page by page and masked (SEC-02)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.http import Http404

from customers.models import CustomerPhone
from salesoffice.core.phones import mask_name, mask_phone
from salesoffice.reports import rules
from salesoffice.reports.rules import Period
from salesoffice.reports.selectors.activity import (
    MEASURES,
    OVERDUE,
    STREAMS,
    overdue_follow_ups,
    stream_rows,
)
from salesoffice.reports.selectors.common import Scope, name_of

# Where each kind of record keeps its customer, and what identifies the record to a reader.
_CUSTOMER = {
    "receptions": "customer", "registrations": "customer", "follow_ups": "customer", "deposits": "customer",
    "subscriptions": "deal__customer", "contracts": "deal__customer", "cancellations": "customer",
    "money": "deal__customer",
}  # fmt: skip
_REFERENCE = {
    "receptions": "number", "registrations": "number", "follow_ups": "method", "deposits": "unit__number",
    "subscriptions": "number", "contracts": "number", "cancellations": "unit__number", "money": "receipt_number",
}  # fmt: skip
DRILL_PAGE_SIZE = 50


@dataclasses.dataclass(frozen=True)
class DrillRow:
    """One record behind a figure, with the customer's name and phone masked (SEC-02)."""

    id: int
    at: dt.datetime
    reference: str
    customer: str
    phone: str
    salesperson: str
    amount: Decimal | None


def _stream_of(metric: str) -> str:
    if metric == OVERDUE:
        return "follow_ups"
    measure = MEASURES.get(metric)
    if measure is None or (measure.drill and measure.drill != metric):
        raise Http404
    return measure.stream


def drill_rows(*, scope: Scope, metric: str, period: Period, walk_in_type: str = "") -> QuerySet[Any]:
    """The rows behind ``metric`` for ``period`` within ``scope``, newest first, as plain values. Only
    scopes that may see personal rows may list them (SEC-01: report clients see aggregates only)."""
    if not scope.personal:
        raise PermissionDenied
    stream_name = _stream_of(metric)
    stream = STREAMS[stream_name]
    after, until = rules.bounds(period, scope.cutoff, scope.tz)
    if metric == OVERDUE:
        rows: QuerySet[Any] = overdue_follow_ups(scope=scope, day=period.last, until=until)
    else:
        rows = stream_rows(scope=scope, stream=stream, after=after, until=until).filter(
            MEASURES[metric].condition
        )
        if walk_in_type and stream_name == "receptions":
            rows = rows.filter(type=walk_in_type)
    customer = _CUSTOMER[stream_name]
    first_phone = CustomerPhone.objects.filter(customer=OuterRef(customer)).order_by("pk").values("e164")[:1]
    person = stream.person_field.removesuffix("_id")
    amount = MEASURES[metric].amount if metric in MEASURES else None
    return (
        rows.annotate(
            drill_at=F(stream.time_field),
            drill_reference=F(_REFERENCE[stream_name]),
            drill_customer=F(f"{customer}__name"),
            drill_phone=Subquery(first_phone),
            drill_last=F(f"{person}__last_name"),
            drill_first=F(f"{person}__first_name"),
            drill_username=F(f"{person}__username"),
            **({"drill_amount": F(amount)} if amount else {}),
        )
        .order_by("-pk")
        .values(
            "pk", "drill_at", "drill_reference", "drill_customer", "drill_phone", "drill_last", "drill_first",
            "drill_username", *(["drill_amount"] if amount else []),
        )
    )  # fmt: skip


def drill_row(values: dict[str, Any], tz: Any) -> DrillRow:
    """SEC-02: reports never carry a full phone number or a customer's full name; times are local."""
    return DrillRow(
        id=values["pk"],
        at=values["drill_at"].astimezone(tz),
        reference=str(values["drill_reference"] or ""),
        customer=mask_name(values["drill_customer"] or ""),
        phone=mask_phone(values["drill_phone"]) if values["drill_phone"] else "",
        salesperson=name_of(
            values["drill_last"] or "", values["drill_first"] or "", values["drill_username"] or ""
        )
        if values["drill_username"]
        else "",
        amount=values.get("drill_amount"),
    )
