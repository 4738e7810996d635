"""OWN-17: the records the ownership engine decides from, as ``customers.facts`` reads them.

The reader sends one statement per hop of links and one for all the records (P3, P7); these tests
hold it to a plain reading of every record through the ORM, on a site with every kind of record."""

import dataclasses
import datetime
from decimal import Decimal

import pytest

from customers import ownership
from customers.facts import (
    connected_customer_ids,
    linked_ownership_facts,
    merged_labels,
    ownership_facts,
)
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
from customers.services import follow_up_record
from customers.services.registrations import registration_correct
from salesoffice.core.roles import Role
from salesoffice.core.services import policy_current
from tests.customers.factories import register

pytestmark = pytest.mark.django_db


def _plain_facts(ids):
    """Every record of these customers read as model instances, the reading the reader replaced."""
    facts = []
    registrations = list(Registration.objects.filter(customer_id__in=ids))
    by_id = {row.pk: row for row in registrations}
    corrected = {row.corrects_id for row in registrations if row.corrects_id}
    for row in registrations:
        if row.pk in corrected:
            continue
        root = row
        while root.corrects_id in by_id:
            root = by_id[root.corrects_id]
        facts.append(
            ownership.Registration(
                id=f"r{row.pk}",
                customer=str(row.customer_id),
                salesperson=str(row.salesperson_id),
                channel=row.kind,
                contact_at=row.contact_at,
                recorded_at=max(root.recorded_at, row.contact_at),
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
        )
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
        ownership.Relation(id=f"x{row.pk}", a=str(row.a_id), b=str(row.b_id), relation=row.kind, recorded_at=row.recorded_at)
        for row in Relation.objects.filter(a_id__in=ids, b_id__in=ids)
    ]  # fmt: skip
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
    facts += [
        ownership.Decision(
            id=f"m{row.pk}",
            customer=str(row.customer_id),
            kind=row.kind,
            at=row.decided_at,
            owner=str(row.owner_id) if row.owner_id else None,
            performance={k: Decimal(v) for k, v in row.performance.items()} if row.performance else None,
            commission={k: Decimal(v) for k, v in row.commission.items()} if row.commission else None,
            reason=row.reason,
            party=str(row.party_id) if row.party_id else None,
            until=row.until,
        )
        for row in OwnershipDecision.objects.filter(customer_id__in=ids)
    ]
    customers = Customer.objects.filter(pk__in=ids)
    sites = set(customers.values_list("site_id", flat=True))
    keys = {
        (phone[3:6], phone[-5:])
        for phone in customers.values_list("phones__e164", flat=True)
        if phone and phone.startswith("+861")
    }
    reports = ChannelReport.objects.filter(site_id__in=sites).exclude(status=ChannelReport.Status.REPLACED)
    facts += [
        ownership.ChannelReport(
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
        for row in reports
        if (row.phone_prefix, row.phone_suffix) in keys
    ]
    return facts


def _plain_ownership_facts(ids):
    survivors = merged_labels(ids)
    facts = _plain_facts(set(ids) | set(survivors))
    relabelled = []
    for fact in facts:
        changes = {
            name: str(survivors[int(getattr(fact, name))])
            for name in ("customer", "a", "b", "referrer", "referred")
            if hasattr(fact, name) and int(getattr(fact, name)) in survivors
        }
        try:
            relabelled.append(dataclasses.replace(fact, **changes))
        except ValueError:
            continue
    return relabelled


def _report(site, agent, prefix, suffix, **fields):
    fields.setdefault("status", ChannelReport.Status.VALID)
    return ChannelReport.objects.create(
        site=site, agent=agent, agent_full_name="孙行", team="一队", customer_name=fields.pop("name", "周"),
        phone_prefix=prefix, phone_suffix=suffix, expected_date=datetime.date(2026, 3, 3),
        visit_token=f"t{prefix}{suffix}{fields['status']}{site.pk}", **fields,
    )  # fmt: skip


@pytest.fixture
def records(clock, site, other_site, staff, manager):
    """A site with every kind of record, a merged customer, and reports the reader must leave out."""
    a, b = staff(Role.SALESPERSON, site), staff(Role.SALESPERSON, site)
    agent = staff(Role.CHANNEL_AGENT, site)
    other_agent = staff(Role.CHANNEL_AGENT, other_site)
    _report(site, agent, "139", "12345", name="周先生", rereports=1)
    _report(site, agent, "139", "12345", status=ChannelReport.Status.REPLACED)
    _report(site, agent, "139", "12345", status=ChannelReport.Status.CANCELLED)
    _report(site, agent, "138", "12345")  # one customer's prefix with another's suffix
    _report(other_site, other_agent, "139", "12345")
    first = register(site, a, name="周先生", phones=("13912312345", "021 5555 1234"), named_id=b.pk)
    clock.advance(hours=2)
    correction = registration_correct(original=first, actor=manager, changes={"level": "A"}, reason="补录")
    registration_correct(original=correction, actor=manager, changes={"note": "再补"}, reason="补录")
    clock.advance(days=1)
    second = register(site, b, name="吴女士", phones=("13800099999",), said_first_visit=True)
    third = register(site, a, name="郑先生", phones=("13700011111",), kind="call", owner_present=False)
    merged = register(site, b, name="周先生", phones=("13600022222",))
    lone = register(site, b, name="王五", phones=("13500033333",))
    zhou, wu, zheng, merged_away, alone = (
        row.customer for row in (first, second, third, merged, lone)
    )  # fmt: skip
    follow_up_record(customer=zhou, actor=b, at=clock.now, method="call", reached=True)  # b was named
    follow_up_record(customer=wu, actor=b, at=clock.now, method="call", reached=False)
    Relation.objects.create(site=site, a=zhou, b=wu, kind="spouse", recorded_by=a)
    Relation.objects.create(site=site, a=merged_away, b=alone, kind="friend", recorded_by=b)
    Referral.objects.create(
        site=site,
        referrer=wu,
        referred=zheng,
        named=a,
        announced_at=clock.now,
        accompanied=True,
        recorded_by=a,
    )
    RelationshipRecord.objects.create(site=site, salesperson=b, customer=zheng)
    DepositRecord.objects.create(
        site=site, customer=zhou, salesperson=a, kind="small", at=clock.now, reference="D1"
    )
    DepositRecord.objects.create(
        site=site,
        customer=wu,
        salesperson=b,
        kind="large",
        at=clock.now,
        reference="D2",
        cancelled_at=clock.now,
    )
    OwnershipDecision.objects.create(
        site=site, customer=zheng, kind="no_contact_exemption", until=datetime.date(2026, 4, 30),
        performance={str(a.pk): "60.00", str(b.pk): "40.00"}, commission=None, party=b, reason="客户要求",
        decided_by=manager,
    )  # fmt: skip
    Customer.objects.filter(pk=merged_away.pk).update(merged_into=zhou)
    return {"zhou": zhou, "wu": wu, "zheng": zheng, "merged": merged_away, "alone": alone}


def test_own_17_facts_are_every_record_of_the_customers_and_of_those_merged_into_them(records):
    ids = {records["zhou"].pk, records["wu"].pk, records["zheng"].pk}
    facts = ownership_facts(ids)
    kinds = {type(fact).__name__ for fact in facts}
    assert kinds == {
        "Registration", "FollowUp", "Relation", "Referral", "RelationshipCustomer", "Deposit", "Decision",
        "ChannelReport",
    }  # fmt: skip
    assert sorted(facts, key=lambda fact: fact.id) == sorted(_plain_ownership_facts(ids), key=lambda f: f.id)
    # CUS-05: the merged record's registration counts under the survivor.
    merged_registration = Registration.objects.get(customer=records["merged"])
    [moved] = [fact for fact in facts if fact.id == f"r{merged_registration.pk}"]
    assert moved.customer == str(records["zhou"].pk)
    # SEC-05: only the latest correction is a fact, ranked as the original was recorded.
    zhou_registrations = [
        fact for fact in facts if isinstance(fact, ownership.Registration) and fact.name == "周先生"
    ]
    assert len(zhou_registrations) == 2  # the corrected chain's last link, and the merged record's


@pytest.mark.parametrize("start", ["zhou", "wu", "zheng", "merged", "alone"])
def test_own_06_own_07_linked_facts_are_the_facts_of_the_connected_customers(records, start):
    ids, facts = linked_ownership_facts([records[start].pk])
    assert ids == connected_customer_ids([records[start].pk])
    assert sorted(facts, key=lambda fact: fact.id) == sorted(ownership_facts(ids), key=lambda f: f.id)


def test_own_06_links_are_followed_through_relations_and_referrals(records):
    found = connected_customer_ids([records["zhou"].pk])
    assert found == {records["zhou"].pk, records["wu"].pk, records["zheng"].pk}
    assert connected_customer_ids([records["alone"].pk]) == {records["alone"].pk, records["merged"].pk}


def test_own_17_the_reader_decides_as_the_plain_reading(records, clock, site):
    policy, _version = policy_current(site=site)
    ids = {records[name].pk for name in ("zhou", "wu", "zheng", "alone")}
    now = clock.now + datetime.timedelta(days=1)
    assert ownership.decide(ownership_facts(ids), policy=policy, at=now) == ownership.decide(
        _plain_ownership_facts(ids), policy=policy, at=now
    )


def test_own_17_no_records_no_facts(db):
    assert ownership_facts(set()) == []
    assert ownership_facts({987654}) == []
    assert linked_ownership_facts([987654]) == ({987654}, [])


def test_cus_05_chains_of_merges_end_at_the_surviving_customer(records, clock, site, staff):
    b = staff(Role.SALESPERSON, site)
    later = register(site, b, name="周先生", phones=("13300044444",)).customer
    Customer.objects.filter(pk=later.pk).update(merged_into=records["merged"])
    assert merged_labels([records["zhou"].pk]) == {
        records["merged"].pk: records["zhou"].pk,
        later.pk: records["zhou"].pk,
    }
    facts = ownership_facts({records["zhou"].pk})
    assert {fact.customer for fact in facts if isinstance(fact, ownership.Registration)} == {
        str(records["zhou"].pk)
    }
