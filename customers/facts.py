"""Stored records as the ownership engine's facts (OWN-17: records are the only evidence).

Labels are ids as text: customers by ``Customer.pk``, salespeople and agents by user pk. The
recorded verdicts and the replay page both come from ``decide`` over these facts, so they agree."""

from __future__ import annotations

from collections.abc import Iterable

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


def ownership_facts(customer_ids: Iterable[int]) -> list[ownership.Fact]:
    """Every record the engine needs for these customers (a fixed number of queries)."""
    ids = set(customer_ids)
    facts: list[ownership.Fact] = []
    facts += [
        _registration(row) for row in Registration.objects.filter(customer_id__in=ids, corrections=None)
    ]
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
    facts += [_channel_report(row) for row in _channel_reports_for(ids)]
    return facts


def _registration(row: Registration) -> ownership.Registration:
    return ownership.Registration(
        id=f"r{row.pk}",
        customer=str(row.customer_id),
        salesperson=str(row.salesperson_id),
        channel=row.kind,
        contact_at=row.contact_at,
        recorded_at=max(row.recorded_at, row.contact_at),
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
    )


def decision_fact(row: OwnershipDecision) -> ownership.Decision:
    return ownership.Decision(
        id=f"m{row.pk}",
        customer=str(row.customer_id),
        kind=row.kind,
        at=row.decided_at,
        owner=str(row.owner_id) if row.owner_id else None,
        performance=row.performance,
        commission=row.commission,
        reason=row.reason,
        party=str(row.party_id) if row.party_id else None,
        until=row.until,
    )


def _channel_reports_for(customer_ids: set[int]) -> list[ChannelReport]:
    """Reports whose masked phone could be one of these customers' numbers (CHAN-03)."""
    phones = Customer.objects.filter(pk__in=customer_ids).values_list("phones__e164", flat=True)
    keys = {(phone[3:6], phone[-5:]) for phone in phones if phone and phone.startswith("+861")}
    if not keys:
        return []
    condition = Q()
    for prefix, suffix in keys:
        condition |= Q(phone_prefix=prefix, phone_suffix=suffix)
    return list(ChannelReport.objects.filter(condition).exclude(status=ChannelReport.Status.REPLACED))


def _channel_report(row: ChannelReport) -> ownership.ChannelReport:
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
