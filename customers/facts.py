"""Stored records as the ownership engine's facts (OWN-17: records are the only evidence).

Labels are ids as text: customers by ``Customer.pk``, salespeople and agents by user pk. The
recorded verdicts and the replay page both come from ``decide`` over these facts, so they agree."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q

from customers import ownership
from customers.models import (
    ChannelReport,
    Customer,
    DepositRecord,
    FollowUp,
    OwnershipDecision,
    Referral,
    Registration,
    Relation,
    RelationshipRecord,
)

# A referral chain or household rarely spans more than a handful of people; the bound keeps one
# recomputation from walking a whole site if data is odd.
MAX_CONNECTED = 200


def connected_customer_ids(customer_ids: Iterable[int]) -> set[int]:
    """The customers linked to these by relations or referrals, transitively (OWN-06 chains,
    OWN-07 households), one query per hop."""
    found = set(customer_ids)
    frontier = set(found)
    while frontier and len(found) < MAX_CONNECTED:
        pairs = list(
            Relation.objects.filter(Q(a_id__in=frontier) | Q(b_id__in=frontier)).values_list("a_id", "b_id")
        ) + list(
            Referral.objects.filter(Q(referrer_id__in=frontier) | Q(referred_id__in=frontier)).values_list(
                "referrer_id", "referred_id"
            )
        )
        linked = {customer for pair in pairs for customer in pair}
        frontier = linked - found
        found |= frontier
    return found


def merged_labels(customer_ids: Iterable[int]) -> dict[int, int]:
    """CUS-05: every customer merged (directly or through a chain) into one of these, mapped to the
    surviving customer, one query per level of merging."""
    survivors: dict[int, int] = {}
    frontier = set(customer_ids)
    while frontier and len(survivors) < MAX_CONNECTED:
        rows = dict(Customer.objects.filter(merged_into_id__in=frontier).values_list("pk", "merged_into_id"))
        for merged, into in rows.items():
            survivors[merged] = survivors.get(into, into)
        frontier = set(rows) - set(customer_ids)
    for merged, into in list(survivors.items()):
        while into in survivors:
            into = survivors[into]
        survivors[merged] = into
    return survivors


def ownership_facts(customer_ids: Iterable[int]) -> list[ownership.Fact]:
    """Every record the engine needs for these customers (a fixed number of queries per level of
    merging). CUS-05: a customer merged into one of these contributes its records under the
    surviving customer's label, so ownership is decided over the union of their records."""
    survivors = merged_labels(customer_ids)
    facts = _facts_of(set(customer_ids) | set(survivors))
    if not survivors:
        return facts
    return [relabelled for fact in facts if (relabelled := _relabel(fact, survivors)) is not None]


def _relabel(fact: ownership.Fact, survivors: dict[int, int]) -> ownership.Fact | None:
    names = [name for name in ("customer", "a", "b", "referrer", "referred") if hasattr(fact, name)]
    changes = {
        name: str(survivors[int(getattr(fact, name))])
        for name in names
        if int(getattr(fact, name)) in survivors
    }
    if not changes:
        return fact
    try:
        return dataclasses.replace(fact, **changes)  # type: ignore[arg-type]
    except ValueError:
        return None  # a relation or referral between the two merged records says nothing any more


def _facts_of(ids: set[int]) -> list[ownership.Fact]:
    facts: list[ownership.Fact] = []
    registrations = list(Registration.objects.filter(customer_id__in=ids))
    corrected = {row.corrects_id for row in registrations if row.corrects_id}
    first_recorded = _first_recorded(registrations)
    facts += [_registration(row, first_recorded) for row in registrations if row.pk not in corrected]
    facts += [
        ownership.FollowUp(
            id=f"f{row.pk}",
            customer=str(row.customer_id),
            salesperson=str(row.salesperson_id),
            at=row.at,
            reached=row.reached,
            recorded_at=max(row.recorded_at, row.at),
        )
        for row in FollowUp.objects.filter(customer_id__in=ids)
    ]
    facts += [
        ownership.Relation(
            id=f"x{row.pk}", a=str(row.a_id), b=str(row.b_id), relation=row.kind, recorded_at=row.recorded_at
        )
        for row in Relation.objects.filter(a_id__in=ids, b_id__in=ids)
    ]
    facts += [
        ownership.Referral(
            id=f"y{row.pk}",
            referrer=str(row.referrer_id),
            referred=str(row.referred_id),
            named=str(row.named_id) if row.named_id else None,
            announced_at=row.announced_at,
            accompanied=row.accompanied,
        )
        for row in Referral.objects.filter(referrer_id__in=ids, referred_id__in=ids)
    ]
    facts += [
        ownership.RelationshipCustomer(
            id=f"z{row.pk}",
            salesperson=str(row.salesperson_id),
            customer=str(row.customer_id),
            recorded_at=row.recorded_at,
        )
        for row in RelationshipRecord.objects.filter(customer_id__in=ids)
    ]
    facts += [
        ownership.Deposit(
            id=f"d{row.pk}",
            customer=str(row.customer_id),
            salesperson=str(row.salesperson_id),
            kind=row.kind,
            at=row.at,
            cancelled=row.cancelled_at is not None,
        )
        for row in DepositRecord.objects.filter(customer_id__in=ids)
    ]
    facts += [decision_fact(row) for row in OwnershipDecision.objects.filter(customer_id__in=ids)]
    facts += [channel_report_fact(row) for row in _channel_reports_for(ids)]
    return facts


def _first_recorded(registrations: list[Registration]) -> dict[int, dt.datetime]:
    """SEC-05: a correction ranks as its original was recorded, so correcting never jumps the line."""
    by_id = {row.pk: row for row in registrations}
    first: dict[int, dt.datetime] = {}
    for row in registrations:
        root = row
        while root.corrects_id and root.corrects_id in by_id:
            root = by_id[root.corrects_id]
        first[row.pk] = root.recorded_at
    return first


def _registration(row: Registration, first_recorded: dict[int, dt.datetime]) -> ownership.Registration:
    return ownership.Registration(
        id=f"r{row.pk}",
        customer=str(row.customer_id),
        salesperson=str(row.salesperson_id),
        channel=row.kind,
        contact_at=row.contact_at,
        recorded_at=max(first_recorded[row.pk], row.contact_at),
        complete=row.complete,
        name=row.name,
        phones=tuple(row.phones),
        named=str(row.named_id) if row.named_id else None,
        source=row.source,
        said_first_visit=row.said_first_visit,
        owner_present=row.owner_present,
        declined_former=row.declined_former,
        standin=row.standin,
        appointment_entered=row.appointment_entered,
        brought_by=str(row.brought_by_id) if row.brought_by_id else None,
    )


def decision_fact(row: OwnershipDecision) -> ownership.Decision:
    return ownership.Decision(
        id=f"m{row.pk}",
        customer=str(row.customer_id),
        kind=row.kind,
        at=row.decided_at,
        owner=str(row.owner_id) if row.owner_id else None,
        performance=_shares(row.performance),
        commission=_shares(row.commission),
        reason=row.reason,
        party=str(row.party_id) if row.party_id else None,
        until=row.until,
    )


def _shares(stored: dict[str, str] | None) -> dict[str, Decimal] | None:
    return None if stored is None else {label: Decimal(share) for label, share in stored.items()}


def _channel_reports_for(customer_ids: set[int]) -> list[ChannelReport]:
    """Reports whose masked phone could be one of these customers' numbers (CHAN-03)."""
    rows = Customer.objects.filter(pk__in=customer_ids).values_list("site_id", "phones__e164")
    sites = {site for site, _phone in rows}
    keys = {(phone[3:6], phone[-5:]) for _site, phone in rows if phone and phone.startswith("+861")}
    if not keys:
        return []
    condition = Q()
    for prefix, suffix in keys:
        condition |= Q(phone_prefix=prefix, phone_suffix=suffix)
    # A report belongs to one site; another site's agent never becomes this customer's channel.
    return list(
        ChannelReport.objects.filter(condition, site_id__in=sites).exclude(
            status=ChannelReport.Status.REPLACED
        )
    )


def channel_report_fact(row: ChannelReport) -> ownership.ChannelReport:
    return ownership.ChannelReport(
        id=f"k{row.pk}",
        agent=str(row.agent_id),
        customer_name=row.customer_name,
        masked_phone=row.masked_phone,
        reported_at=row.reported_at,
        expected_at=row.expected_date,
        team=row.team,
        rereports=row.rereports,
        cancelled=row.status == ChannelReport.Status.CANCELLED,
    )
