"""Follow-ups (FUP-01..FUP-07): due lists, lost customers, personality types, the manager's view."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from customers.coaching import COACHING_NOTES
from customers.exceptions import InvalidRegistration
from customers.models import Customer
from customers.office_selectors import (
    follow_up_due_list,
    follow_up_overview,
    level_history,
    lost_reason_summary,
    my_customer_list,
)
from customers.services import customer_mark_lost, customer_personality_set, follow_up_record
from salesoffice.core.exceptions import NotAllowed
from salesoffice.core.roles import Role
from salesoffice.core.services import policy_update
from tests.customers.factories import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(clock, site, salesperson):
    for index in range(3):
        register(site, salesperson, name=f"客户{index}", phones=(f"1380000{index:04d}",), level="ABC"[index])
    return list(Customer.objects.order_by("pk"))


def test_fup_02_first_return_call_due_the_next_day(clock, site, salesperson, customers):
    """FUP-02: the day after the first visit the return call is due; the day after that it is overdue."""
    assert list(follow_up_due_list(user=salesperson, site=site, today=datetime.date(2026, 3, 1))) == []
    due = list(follow_up_due_list(user=salesperson, site=site, today=datetime.date(2026, 3, 2)))
    assert [c.due_on for c in due] == [datetime.date(2026, 3, 2)] * 3


def test_fup_02_cadence_by_level_and_planned_date(clock, site, salesperson, customers):
    """FUP-02: A every 2 days, B every 3, C every 7 after the last follow-up; a planned date wins."""
    a, b, c = customers
    clock.advance(days=1)
    for customer in (a, b, c):
        follow_up_record(customer=customer, actor=salesperson, at=clock.now, method="call", reached=True)
    follow_up_record(customer=c, actor=salesperson, at=clock.now, method="call", reached=True,
                     next_date=datetime.date(2026, 3, 4))  # fmt: skip
    rows = {row.pk: row.due_on for row in my_customer_list(user=salesperson, site=site)}
    assert rows == {
        a.pk: datetime.date(2026, 3, 4),
        b.pk: datetime.date(2026, 3, 5),
        c.pk: datetime.date(2026, 3, 4),
    }


def test_fup_02_call_customers_are_called_at_least_weekly(clock, site, salesperson, manager):
    """FUP-02: with a 10-day cadence for level C, a customer who came by phone is still due a week after
    the last follow-up, while a walk-in of the same level waits the ten days."""
    policy_update(site=site, actor=manager, changes={"follow_up_cadence_days": {"A": 2, "B": 3, "C": 10}},
                  reason="quieter C customers")  # fmt: skip
    caller = register(
        site, salesperson, name="来电", phones=("13800001111",), kind="call", level="C", source="call"
    )
    walker = register(site, salesperson, name="到访", phones=("13800002222",), level="C", source="walk_in")
    customers = {row.customer_id: row for row in (caller, walker)}
    clock.advance(days=1)
    for customer_id in customers:
        follow_up_record(customer=Customer.objects.get(pk=customer_id), actor=salesperson, at=clock.now,
                         method="call", reached=True)  # fmt: skip
    rows = {row.pk: row.due_on for row in my_customer_list(user=salesperson, site=site)}
    assert rows[caller.customer_id] == datetime.date(2026, 3, 9)
    assert rows[walker.customer_id] == datetime.date(2026, 3, 12)


def test_fup_02_back_dated_follow_up_does_not_replace_the_latest(clock, site, salesperson, customers):
    """FUP-02: the due date follows the latest follow-up by time; one recorded later but dated earlier
    (a call typed in after the fact) does not move it back, and its planned date does not apply."""
    a = customers[0]
    clock.advance(days=3)
    follow_up_record(customer=a, actor=salesperson, at=clock.now, method="call", reached=True)
    follow_up_record(customer=a, actor=salesperson, at=clock.now - datetime.timedelta(days=2), method="call",
                     reached=True, next_date=datetime.date(2026, 3, 20))  # fmt: skip
    a.refresh_from_db()
    assert a.last_follow_up_at == clock.now
    assert a.next_follow_up_on is None
    rows = {row.pk: row.due_on for row in my_customer_list(user=salesperson, site=site)}
    assert rows[a.pk] == datetime.date(2026, 3, 6)  # level A: two days after the latest follow-up


def test_p4_due_list_constant_queries(clock, site, salesperson, django_assert_max_num_queries):
    """P4: the due list costs the same number of queries for 3 or 30 customers."""
    for index in range(30):
        register(site, salesperson, name=f"客户{index}", phones=(f"1370000{index:04d}",))
    clock.advance(days=1)
    with django_assert_max_num_queries(4):
        rows = list(follow_up_due_list(user=salesperson, site=site, today=datetime.date(2026, 3, 2)))
    assert len(rows) == 30


def test_p4_due_list_uses_the_owner_index(clock, site, salesperson, customers):
    """P4: the salesperson's customers are found through an index, and no follow-up is read per
    customer (the latest one is kept on the customer row)."""
    query = follow_up_due_list(user=salesperson, site=site, today=datetime.date(2026, 3, 2))
    with connection.cursor() as cursor:
        # A test table is tiny; forbid sequential scans to see which index the planner can use.
        cursor.execute("SET enable_seqscan = off")
        plan = query.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "Seq Scan" not in plan
    assert "Index Scan" in plan or "Bitmap Index Scan" in plan
    assert "customers_followup" not in plan


def test_fup_01_level_history_kept(clock, site, salesperson, customers):
    """FUP-01: a level change is made with a follow-up and the history keeps it."""
    customer = customers[2]
    follow_up_record(
        customer=customer, actor=salesperson, at=clock.now, method="call", reached=True, level="A"
    )
    [change] = level_history(customer=customer)
    assert (change.level_before, change.level_after) == ("C", "A")


def test_fup_05_lost_with_reason_and_summary(clock, site, salesperson, manager, customers):
    """FUP-05: lost with a reason from the list; "other" needs text; the manager's summary counts."""
    customer_mark_lost(customer=customers[0], actor=salesperson, reason="price")
    customer_mark_lost(customer=customers[1], actor=salesperson, reason="price")
    with pytest.raises(InvalidRegistration):
        customer_mark_lost(customer=customers[2], actor=salesperson, reason="other")
    assert Customer.objects.get(pk=customers[2].pk).status != Customer.Status.LOST
    summary = lost_reason_summary(user=manager, site=site)
    assert [(row["reason"], row["count"]) for row in summary] == [("price", 2)]
    with pytest.raises(PermissionDenied):
        lost_reason_summary(user=salesperson, site=site)


def test_fup_05_other_salesperson_cannot_mark_lost(clock, site, staff, customers):
    """FUP-05: only the owner or a manager; denial changes nothing."""
    other = staff(Role.SALESPERSON, site)
    with pytest.raises(NotAllowed):
        customer_mark_lost(customer=customers[0], actor=other, reason="price")
    assert Customer.objects.get(pk=customers[0].pk).status != Customer.Status.LOST


def test_fup_06_introductions_asked_recorded(clock, site, salesperson, customers):
    """FUP-06: the answer to asking for introductions is recorded with the follow-up."""
    follow_up = follow_up_record(customer=customers[0], actor=salesperson, at=clock.now, method="call",
                                 reached=True, referrals_asked="同事王先生也想看")  # fmt: skip
    assert follow_up.referrals_asked == "同事王先生也想看"


def test_fup_07_personality_type_and_coaching_note(clock, site, salesperson, customers):
    """FUP-07: one of twelve types, each with a coaching note; an unknown type is refused."""
    assert set(COACHING_NOTES) == set(Customer.PersonalityType.values)
    customer_personality_set(customer=customers[0], actor=salesperson, personality_type="indecisive")
    assert Customer.objects.get(pk=customers[0].pk).personality_type == "indecisive"
    with pytest.raises(InvalidRegistration):
        customer_personality_set(customer=customers[0], actor=salesperson, personality_type="shy")
    assert Customer.objects.get(pk=customers[0].pk).personality_type == "indecisive"


def test_fup_04_manager_sees_overdue_counts_per_salesperson(
    clock, site, salesperson, manager, staff, customers
):
    """FUP-04: the manager's view counts each salesperson's due and overdue follow-ups."""
    other = staff(Role.SALESPERSON, site)
    register(site, other, name="别人", phones=("13911112222",))
    rows = follow_up_overview(user=manager, site=site, today=datetime.date(2026, 3, 3))
    assert {row["owner"]: row["overdue"] for row in rows} == {salesperson.pk: 3, other.pk: 1}
    with pytest.raises(PermissionDenied):
        follow_up_overview(user=salesperson, site=site, today=datetime.date(2026, 3, 3))
