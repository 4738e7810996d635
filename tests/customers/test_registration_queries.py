"""P3 and P7 (quality.md): a walk-in's registration through the API sends a small, fixed number of
statements and answers from the objects in hand, with the verdict a fresh read gives; re-deciding a
batch of customers (the nightly expiry) sends as many statements for a few customers as for many."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import ChannelReport, Customer, OwnershipVerdict
from customers.services import channel_report_create, follow_up_record, protection_expiry_run
from customers.services.registrations import relation_link
from customers.services.verdicts import ownership_refresh_many
from salesoffice.core.roles import Role
from tests.customers.factories import register

pytestmark = pytest.mark.django_db

# Statements of one registration through the API, the test's savepoint pair included: site, policy,
# phone lock, phone match, customer, number, registration, phone, customer's needs, audit, links,
# records, locked verdicts, verdict, copy onto the customer, audit, the answer's phones (and the
# caller's roles, read once per request). It was 37 before the records were read in two statements.
REGISTRATION_QUERIES = 20


def _body(phone="13812345678", **changes):
    body = {
        "kind": "visit", "contact_at": (timezone.now() - datetime.timedelta(minutes=5)).isoformat(),
        "name": "张三", "gender": "male", "phones": [phone], "needs": {"budget": "3000000"},
        "level": "A", "source": "walk_in", "informed": True,
    }  # fmt: skip
    body.update(changes)
    return body


def _register_through_the_api(api, site, user, **changes):
    with CaptureQueriesContext(connection) as queries:
        response = api(user).post(f"/api/v1/sites/{site.pk}/registrations/", _body(**changes), format="json")
    assert response.status_code == 201, response.json()
    return response.json(), len(queries.captured_queries)


def test_p3_a_new_walk_in_registers_in_a_fixed_number_of_queries(api, site, salesperson):
    register(site, salesperson, phones=("13900000000",))  # the site's numbering has begun
    body, queries = _register_through_the_api(api, site, salesperson)
    assert queries <= REGISTRATION_QUERIES
    assert body["verdict"]["owner_id"] == salesperson.pk
    assert body["verdict"]["is_owner"] is True
    assert body["verdict"]["rules"] == ["OWN-01", "OWN-04"]
    customer = Customer.objects.get(pk=body["customer_id"])
    assert customer.owner_id == salesperson.pk
    assert customer.verdict.rules == ["OWN-01", "OWN-04"]


def test_p3_a_returning_customer_registers_in_a_fixed_number_of_queries(api, clock, site, staff, salesperson):
    other = staff(Role.SALESPERSON, site)
    register(site, other, phones=("13812345678",))
    clock.advance(days=2)
    body, queries = _register_through_the_api(api, site, salesperson)
    assert queries <= REGISTRATION_QUERIES
    assert body["verdict"]["owner_id"] == other.pk  # OWN-01: the first registration keeps the customer


def _fresh(api, user, customer_id):
    """The verdict as the customer file reads it from the database."""
    return api(user).get(f"/api/v1/customers/{customer_id}/").json()["verdict"]


@pytest.mark.parametrize(
    ("first_by", "changes"),
    [
        (None, {}),  # a new walk-in
        ("other", {}),  # another's customer, received without a claim (OWN-01, OWN-05)
        ("other", {"declined_former": True}),  # OWN-05: the customer declines the former salesperson
        ("caller", {}),  # OWN-04: the owner's own visit renews protection
        ("caller", {"customer_id": "existing", "phones": ["13900000000"]}),  # the form names the customer
    ],
)
def test_p3_the_answer_is_the_verdict_a_fresh_read_gives(
    api, clock, site, staff, salesperson, first_by, changes
):
    other = staff(Role.SALESPERSON, site)
    existing = None
    if first_by is not None:
        existing = register(site, other if first_by == "other" else salesperson).customer
        clock.advance(days=3)
    if changes.get("customer_id") == "existing":
        changes["customer_id"] = existing.pk
    body, _queries = _register_through_the_api(api, site, salesperson, **changes)
    assert body["verdict"] == _fresh(api, salesperson, body["customer_id"])
    if first_by == "other" and changes.get("declined_former"):
        assert body["verdict"]["owner_id"] == salesperson.pk
    if first_by == "caller":
        assert (
            body["verdict"]["protected_until"] == (clock.now.date() + datetime.timedelta(days=30)).isoformat()
        )


def test_p3_a_verdict_stored_by_another_desk_since_the_customer_was_read_is_answered(api, clock, site, staff):
    """The registration's own verdict is unchanged, but the owner changed after the desk read the customer:
    the answer names the current owner, as a fresh read does."""
    first, second = staff(Role.SALESPERSON, site), staff(Role.SALESPERSON, site)
    customer = register(site, first, phones=("13812345678",)).customer
    stale = Customer.objects.get(pk=customer.pk)
    clock.advance(days=2)
    register(site, second, phones=("13812345678",), declined_former=True)  # OWN-05: now second's
    verdicts = ownership_refresh_many(
        site_id=site.pk, customer_ids=[customer.pk], cause="registration", held=[stale]
    )
    assert verdicts == {}  # nothing new to store
    assert stale.owner_id == second.pk
    assert stale.verdict_id == Customer.objects.get(pk=customer.pk).verdict_id


def _customers_with_every_kind_of_record(clock, site, staff, pairs):
    """``pairs`` couples linked as spouses: each has a registration, a reached follow-up, and the first
    of each couple was reported by a channel agent before the visit (CHAN-03)."""
    salesperson, agent = staff(Role.SALESPERSON, site), staff(Role.CHANNEL_AGENT, site)
    for index in range(pairs):
        channel_report_create(
            site=site,
            actor=agent,
            customer_name=f"周{index}",
            masked_phone=f"139***{index:05d}",
            team="一队",
            agent_full_name="孙行",
            expected_date=clock.now.date() + datetime.timedelta(days=1),
        )
    clock.advance(hours=1)
    customers = []
    for index in range(pairs):
        a = register(site, salesperson, name=f"周{index}", phones=(f"139000{index:05d}",)).customer
        b = register(site, salesperson, name=f"吴{index}", phones=(f"137000{index:05d}",)).customer
        relation_link(a=a, b=b, kind="spouse", actor=salesperson)
        for customer in (a, b):
            follow_up_record(customer=customer, actor=salesperson, at=clock.now, method="call", reached=True)
        customers += [a, b]
    assert ChannelReport.objects.filter(status=ChannelReport.Status.MATCHED).count() == pairs
    return customers


@pytest.mark.parametrize("pairs", [2, 10])
def test_p7_a_batch_is_redecided_in_a_fixed_number_of_queries(clock, site, staff, pairs):
    customers = _customers_with_every_kind_of_record(clock, site, staff, pairs)
    clock.advance(days=45)  # OWN-04: every protection has ended
    with CaptureQueriesContext(connection) as queries:
        verdicts = ownership_refresh_many(
            site_id=site.pk, customer_ids=[customer.pk for customer in customers], cause="expiry"
        )
    assert set(verdicts) == {customer.pk for customer in customers}
    assert all(verdict.owner_id is None for verdict in verdicts.values())
    # Site, policy, one hop of links (the spouses are in the batch), records, locked verdicts, new
    # verdicts, copy, audit, channel reports named by the verdicts: the same for 4 customers as for 20.
    assert len(queries.captured_queries) == 9


@pytest.mark.parametrize("pairs", [2, 10])
def test_p7_the_nightly_expiry_sends_as_many_queries_for_a_few_customers_as_for_many(
    clock, site, staff, pairs
):
    _customers_with_every_kind_of_record(clock, site, staff, pairs)
    clock.advance(days=45)
    with CaptureQueriesContext(connection) as queries:
        assert protection_expiry_run() == 2 * pairs
    assert not Customer.objects.filter(owner__isnull=False).exists()
    assert OwnershipVerdict.objects.filter(cause="expiry").count() == 2 * pairs
    # Sites; the site's policy; the batch's claim and its refresh (links, records, locked verdicts, new
    # verdicts, copy, audit, channel reports) in a savepoint; the empty claim that ends the run.
    assert len(queries.captured_queries) == 1 + 1 + (1 + 1 + 7 + 1) + (1 + 1 + 1)
