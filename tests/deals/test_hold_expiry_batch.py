"""DEP-03, S-DEAL-3, OWN-04, CUS-01, COMM-01, PAY-01 and quality.md P7/R4: the hold expiry sweep settles a
whole batch of holds at once.

It must leave exactly the records that settling the holds one by one with the single-record services
leaves (deposit status, money record with its receipt number, unit released with its log row, deal and
subscription ended, deposit records cancelled, customer stage and verdict, performance reversed, audit
events, one message per hold), cost a number of statements that does not grow with the number of holds,
and keep R4's guarantees: a second sweep running at the same time and a hold being topped up at that
moment are left alone (``FOR UPDATE SKIP LOCKED``)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter as Tally
from decimal import Decimal
from typing import Any

import psycopg2
import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, DepositRecord, OwnershipVerdict
from customers.rules import DEAL_ENDED
from customers.services import customer_stage_set, deposit_record_cancel, relation_link
from deals import rules, services
from deals.models import (
    CommissionRecord,
    Deal,
    Deposit,
    MoneyRecord,
    PerformanceCredit,
    Subscription,
    Unit,
    UnitStatusChange,
)
from deals.services.commission import commission_reverse, performance_reverse
from deals.services.common import money_add, site_policy, table_next
from salesoffice.core.audit import audit_record
from salesoffice.core.models import AuditEvent, Counter, Notification
from salesoffice.core.roles import Role
from salesoffice.core.services import notify, policy_update
from tests.concurrency.conftest import database_url, wait_until
from tests.deals.factories import (
    BUYER,
    BuildingFactory,
    UnitFactory,
    customer_for,
    large_deposit,
    small_deposit,
)

pytestmark = pytest.mark.django_db

# --- The per-hold settlement the batch must reproduce ------------------------------------------------


def _expire_one(deposit: Deposit, now: dt.datetime) -> None:
    """DEP-03 for one claimed hold with the single-record services, as the sweep settled holds before it
    worked in batches (P7): the oracle the batch is compared with."""
    verdict = rules.hold_expiry(
        kind=rules.DepositKind(deposit.kind),
        amount=deposit.amount,
        hold_until=deposit.hold_until,
        now=now,
        policy=site_policy(deposit.site_id),
        forfeiture_waived=deposit.forfeiture_waived_by_id is not None,
    )
    assert verdict.expired
    assert verdict.deposit_action is not None
    target = table_next(
        table=rules.DEPOSIT_TRANSITIONS[rules.DepositKind(deposit.kind)],
        current=deposit.status,
        action=verdict.deposit_action,
        roles=[rules.SYSTEM],
    )
    deal = Deal.objects.select_for_update().get(pk=deposit.deal_id)
    forfeited = verdict.deposit_action == rules.DepositAction.FORFEIT
    money_add(
        deal=deal,
        kind=rules.MoneyKind.FORFEITURE if forfeited else rules.MoneyKind.REFUND,
        amount=-deposit.amount,
        payer=deposit.customer.name,
        method=MoneyRecord.Method.INTERNAL,
        finance_user=None,
        at=now,
        deposit=deposit,
        note=f"hold expired {timezone.localtime(deposit.hold_until):%Y-%m-%d %H:%M}",
    )
    deposit.status = target
    deposit.expired_at = now
    deposit.ended_at = now
    deposit.save(update_fields=["status", "expired_at", "ended_at"])
    Subscription.objects.filter(deal=deal, status=Subscription.Status.ACTIVE).update(
        status=Subscription.Status.EXPIRED
    )
    services.unit_transition(
        unit=deposit.unit, action=rules.UnitAction.EXPIRE, actor=None, reason="hold expired"
    )
    deal.status = Deal.Status.EXPIRED
    deal.ended_at = now
    deal.save(update_fields=["status", "ended_at"])
    for deposit_id in Deposit.objects.filter(deal=deal).values_list("pk", flat=True):
        deposit_record_cancel(reference=f"deals.deposit:{deposit_id}", at=now)
    customer_stage_set(customer=deal.customer, stage=DEAL_ENDED, reason=f"deal #{deal.pk} ended")
    performance_reverse(deal=deal, at=now)
    commission_reverse(deal=deal, at=now)
    audit_record(
        action="deposit.expire",
        site=deposit.site_id,
        obj=deposit,
        before={"status": Deposit.Status.ACTIVE},
        after={"status": target, "forfeited": verdict.forfeited, "refunded": verdict.refunded},
    )
    notify(
        recipient=deposit.salesperson,
        site=deposit.site_id,
        kind="deals.hold_expired",
        title=_("Hold on %(unit)s expired") % {"unit": deposit.unit},
        link=reverse("deals-deal", args=[deal.pk]),
        dedupe_key=f"deals.hold_expired:{deposit.pk}",
    )


def _expire_one_by_one(now: dt.datetime) -> int:
    due = Deposit.objects.filter(status=Deposit.Status.ACTIVE, hold_until__lte=now).order_by(
        "hold_until", "pk"
    )
    count = 0
    for deposit in due:
        with transaction.atomic():
            _expire_one(Deposit.objects.select_for_update(of=("self",)).get(pk=deposit.pk), now)
        count += 1
    return count


# --- The end state --------------------------------------------------------------------------------


def _tally(rows: Any) -> list[tuple[Any, int]]:
    """Rows counted, so that a record written twice shows; JSON values made comparable."""
    counted = Tally(
        tuple(json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value for value in row)
        for row in rows
    )
    return sorted(counted.items(), key=repr)


def history(customer_id: int) -> list[tuple[Any, ...]]:
    """SEC-03: the customer's row history (status, owner, protection), oldest first."""
    events = apps.get_model("customers", "CustomerEvent").objects.filter(pgh_obj_id=customer_id)
    return list(events.order_by("pgh_id").values_list("status", "owner_id", "protected_until"))


def end_state(*, history_left_out: int | None = None) -> dict[str, list[Any]]:
    """Every record the expiry writes or changes, without the primary keys of the rows it adds;
    ``history_left_out`` leaves one customer's row history out (compared on its own)."""
    customer_event = apps.get_model("customers", "CustomerEvent")
    return {
        "deposits": _tally(Deposit.objects.values_list("pk", "status", "expired_at", "ended_at")),
        "units": _tally(Unit.objects.values_list("pk", "status", "status_changed_at", "released_at")),
        "unit log": _tally(
            UnitStatusChange.objects.values_list(
                "site_id", "unit_id", "from_status", "to_status", "action", "actor_id", "reason", "at"
            )
        ),
        "deals": _tally(Deal.objects.values_list("pk", "status", "ended_at")),
        "subscriptions": _tally(Subscription.objects.values_list("pk", "status")),
        "money": _tally(
            MoneyRecord.objects.values_list(
                "site_id",
                "deal_id",
                "deposit_id",
                "kind",
                "amount",
                "payer",
                "method",
                "receipt_number",
                "finance_user_id",
                "at",
                "reverses_id",
                "note",
            )
        ),
        "counters": _tally(Counter.objects.values_list("scope", "value")),
        "deposit records": _tally(
            DepositRecord.objects.values_list("reference", "customer_id", "cancelled_at")
        ),
        "customers": _tally(Customer.objects.values_list("pk", "status", "owner_id", "protected_until")),
        "verdicts": _tally(
            Customer.objects.values_list(
                "pk",
                "verdict__owner_id",
                "verdict__closed",
                "verdict__protected_until",
                "verdict__rules",
                "verdict__performance",
                "verdict__commission",
                "verdict__lapse",
                "verdict__cause",
                "verdict__decided_at",
            )
        ),
        "stored verdicts": _tally(
            OwnershipVerdict.objects.values_list("customer_id", "cause", "owner_id", "closed", "decided_at")
        ),
        "customer history": _tally(
            customer_event.objects.exclude(pgh_obj_id=history_left_out).values_list(
                "pgh_obj_id", "status", "owner_id", "protected_until"
            )
        ),
        "performance": _tally(
            PerformanceCredit.objects.values_list(
                "site_id",
                "deal_id",
                "beneficiary",
                "user_id",
                "share",
                "units",
                "area",
                "amount",
                "reverses_id",
                "at",
            )
        ),
        "commission": _tally(
            CommissionRecord.objects.values_list(
                "deal_id", "beneficiary", "amount", "status", "reverses_id", "at"
            )
        ),
        "audit": _tally(
            AuditEvent.objects.values_list(
                "action", "actor_id", "site_id", "object_type", "object_id", "before", "after", "reason"
            )
        ),
        "messages": _tally(
            Notification.objects.values_list(
                "recipient_id", "site_id", "kind", "title", "body", "link", "dedupe_key"
            )
        ),
    }


# --- The holds ------------------------------------------------------------------------------------


class Night:
    """DEP-03: holds of every kind at two sites, all past their end eight days on except ``pending``."""

    def __init__(self, site: Any, other_site: Any, staff: Any, manager: Any, clock: Any) -> None:
        seller, second = staff(Role.SALESPERSON, site), staff(Role.SALESPERSON, site)
        other_seller = staff(Role.SALESPERSON, other_site)
        # DEP-01 (D-AMB-37): the other site forfeits small deposits.
        policy_update(
            site=other_site, actor=staff(Role.MANAGER, other_site), changes={"small_deposit_refundable": False},
            reason="政策", effective_at=clock.now - dt.timedelta(days=1),
        )  # fmt: skip
        units = iter(UnitFactory.create_batch(10, building=BuildingFactory(site=site)))
        other_units = iter(UnitFactory.create_batch(2, building=BuildingFactory(site=other_site)))
        people = iter(range(100))

        def customer(at_site: Any, owner: Any) -> Customer:
            number = next(people)
            return customer_for(at_site, owner, name=f"客户{number}", phone=f"1380000{number:04d}")

        self.forfeited = large_deposit(next(units), customer(site, seller), seller)
        self.waived = large_deposit(next(units), customer(site, seller), seller)
        services.forfeiture_waive(deposit=self.waived, actor=manager, reason="开发商原因")
        self.small = small_deposit(next(units), customer(site, second), second)
        topped = small_deposit(next(units), customer(site, second), second)
        self.topped_up = services.deposit_top_up(
            deposit=topped, actor=second, large_amount=Decimal("50000.00"), method="card"
        )
        twice = customer(site, seller)
        self.first_of_two = large_deposit(next(units), twice, seller)
        self.second_of_two = large_deposit(next(units), twice, seller)
        self.subscribed = large_deposit(next(units), customer(site, seller), seller)
        services.subscription_create(
            deposit=self.subscribed, actor=seller, buyers=[BUYER], payment_method="mortgage"
        )
        # OWN-07: a couple, each with a hold, re-decided together.
        husband, wife = customer(site, second), customer(site, second)
        relation_link(a=husband, b=wife, kind="spouse", actor=manager)
        self.husband = small_deposit(next(units), husband, second)
        self.wife = small_deposit(next(units), wife, second)
        self.other_small = small_deposit(next(other_units), customer(other_site, other_seller), other_seller)
        self.other_large = large_deposit(next(other_units), customer(other_site, other_seller), other_seller)
        clock.advance(days=2)
        self.pending = large_deposit(next(units), customer(site, seller), seller)
        clock.advance(days=6)

    @property
    def due(self) -> list[Deposit]:
        return [
            self.forfeited, self.waived, self.small, self.topped_up, self.first_of_two, self.second_of_two,
            self.subscribed, self.husband, self.wife, self.other_small, self.other_large,
        ]  # fmt: skip


@pytest.fixture
def night(site, other_site, staff, manager, clock) -> Night:
    return Night(site, other_site, staff, manager, clock)


def test_dep_03_batch_expiry_leaves_exactly_what_one_by_one_expiry_leaves(night, site, other_site, clock):
    """DEP-03, S-DEAL-3, OWN-04, CUS-01, COMM-01, PAY-01, P7: every record of the batch equals the per-hold
    settlement's, at both sites, for forfeited, refunded (waived, small), topped-up, subscribed, linked and
    same-customer holds."""
    twice = night.first_of_two.customer_id
    # Given the state settling the due holds one by one leaves (rolled back afterwards)
    with transaction.atomic():
        assert _expire_one_by_one(clock.now) == len(night.due)
        one_by_one = end_state(history_left_out=twice)
        one_by_one_history = history(twice)
        transaction.set_rollback(True)

    # When the sweep settles them in batches of 5, site by site in the order the holds end: the first site's
    # three small holds and two large ones; its next four (the customer with two holds among them) and the
    # other site's small hold; then that site's large hold
    assert services.hold_expiry_sweep(now=clock.now, batch=5) == len(night.due)

    # Then every record is the same
    batch = end_state(history_left_out=twice)
    assert {part: rows for part, rows in batch.items() if rows != one_by_one[part]} == {}
    # but for one moment of the row history of the customer whose two holds end in one batch: both of their
    # deposits stop holding them in one step, so no event shows them with one deposit cancelled and the
    # other not; the number of events and the final state are the same
    batch_history = history(twice)
    assert len(batch_history) == len(one_by_one_history)
    assert batch_history[-1] == one_by_one_history[-1]
    assert batch_history[:-2] == one_by_one_history[:-2]
    # … and it is the record DEP-03 asks for
    statuses = dict(Deposit.objects.values_list("pk", "status"))
    assert [statuses[deposit.pk] for deposit in night.due] == [
        "forfeited", "refunded", "refunded", "forfeited", "forfeited", "forfeited", "forfeited", "refunded",
        "refunded", "forfeited", "forfeited",
    ]  # fmt: skip
    assert statuses[night.pending.pk] == Deposit.Status.ACTIVE
    settled = MoneyRecord.objects.filter(kind__in=["forfeiture", "refund"])
    assert sorted(settled.values_list("deposit_id", flat=True)) == sorted(deposit.pk for deposit in night.due)
    for at_site in (site, other_site):
        numbers = sorted(
            int(number[2:])
            for number in MoneyRecord.objects.filter(site=at_site).values_list("receipt_number", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))  # PAY-01: gap-free per site
    assert not Unit.objects.filter(deposits__in=night.due).exclude(status=Unit.Status.AVAILABLE).exists()
    assert Subscription.objects.get(deal_id=night.subscribed.deal_id).status == Subscription.Status.EXPIRED
    assert Notification.objects.filter(kind="deals.hold_expired").count() == len(night.due)
    assert sum(PerformanceCredit.objects.values_list("amount", flat=True)) == Decimal(
        night.pending.deal.list_total
    )  # only the pending hold's credit is left
    assert not DepositRecord.objects.filter(
        reference__in=[f"deals.deposit:{deposit.pk}" for deposit in night.due], cancelled_at__isnull=True
    ).exists()
    twice = Customer.objects.get(pk=night.first_of_two.customer_id)
    assert twice.status == "following"
    assert (
        AuditEvent.objects.filter(
            action="customer.stage", object_id=str(twice.pk), reason__endswith="ended"
        ).count()
        == 1
    )


def test_s_deal_3_a_second_sweep_changes_nothing(night, clock):
    """S-DEAL-3, R4: the status change is the done marker; running again, or a day late, writes nothing."""
    services.hold_expiry_sweep(now=clock.now)
    after = end_state()
    assert services.hold_expiry_sweep(now=clock.now) == 0
    assert services.hold_expiry_sweep(now=clock.now + dt.timedelta(hours=12)) == 0
    assert end_state() == after


def _holds(sites_and_sellers: list[tuple[Any, Any]], count: int, first_phone: int) -> list[Deposit]:
    deposits = []
    for number in range(count):
        at_site, seller = sites_and_sellers[number % len(sites_and_sellers)]
        unit = UnitFactory(building__site=at_site)
        customer = customer_for(
            at_site, seller, name=f"客户{number}", phone=f"1390000{first_phone + number:04d}"
        )
        kind = large_deposit if number % 2 else small_deposit
        deposits.append(kind(unit, customer, seller))
    return deposits


def test_p7_expiry_statements_do_not_grow_with_the_number_of_holds(site, other_site, staff, clock):
    """P7, DEP-03: 3 holds or 12 holds over the same two sites cost the same number of statements (a fixed
    number per batch, a few per site: its policy and the ownership re-decision)."""
    sellers = [(site, staff(Role.SALESPERSON, site)), (other_site, staff(Role.SALESPERSON, other_site))]
    counts = []
    for count, first_phone in ((3, 0), (12, 100)):
        _holds(sellers, count, first_phone)
        clock.advance(days=8)
        with CaptureQueriesContext(connection) as queries:
            assert services.hold_expiry_sweep(now=clock.now) == count
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # Before the batch a hold cost about 32 statements; the whole sweep now costs fewer than 3 holds did.
    assert counts[1] < 3 * 32


def test_p7_reminder_statements_do_not_grow_with_the_number_of_holds(site, other_site, staff, clock):
    """P7, DEP-03: the reminders of 3 or 12 holds ending within a day cost the same number of statements,
    each sent once."""
    sellers = [(site, staff(Role.SALESPERSON, site)), (other_site, staff(Role.SALESPERSON, other_site))]
    counts = []
    for count, first_phone in ((3, 0), (12, 100)):
        _holds(sellers, count, first_phone)
        clock.advance(days=2, hours=12)  # the small holds end within a day; the large ones later
        with CaptureQueriesContext(connection) as queries:
            sent = services.hold_reminders_send(now=clock.now)
        counts.append(len(queries))
        assert sent == (count + 1) // 2
        assert services.hold_reminders_send(now=clock.now) == 0
        clock.advance(days=5)
        services.hold_expiry_sweep(now=clock.now)
    assert counts[0] == counts[1], counts
    assert Notification.objects.filter(kind="deals.hold_reminder").count() == 2 + 6


# --- R4: a second sweeper and a top-up at the same moment -----------------------------------------


def _waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_r4_concurrent_sweep_and_top_up_leave_each_hold_settled_once(site, salesperson, clock):
    """R4, DEP-03, DEP-04: while one sweep holds its claimed batch, a second sweep finds nothing to do, and a
    hold being topped up at its end (its row locked by the top-up) is not expired: the top-up wins."""
    expiring = [
        small_deposit(UnitFactory(building__site=site), customer_for(site, salesperson, name=f"客户{n}",
                      phone=f"1370000{n:04d}"), salesperson)
        for n in range(3)
    ]  # fmt: skip
    clock.advance(days=3)  # every hold ends now
    topped = expiring.pop()
    # The site's receipt counter is held by another transaction, so the top-up and the first sweep both
    # stop at it (the sweep takes it last), each holding the deposits it locked.
    counter = psycopg2.connect(database_url())
    counter.cursor().execute(
        "SELECT 1 FROM core_counter WHERE scope = %s FOR UPDATE", [f"deals.receipt.{site.pk}"]
    )
    results: dict[str, Any] = {}

    def run(name: str, work: Any) -> threading.Thread:
        def target() -> None:
            try:
                results[name] = work()
            except Exception as error:  # the assertions below show it
                results[name] = error
            finally:
                connection.close()

        thread = threading.Thread(target=target)
        thread.start()
        return thread

    try:
        top_up = run(
            "top-up",
            lambda: services.deposit_top_up(
                deposit=topped, actor=salesperson, large_amount=Decimal("50000.00"), method="card"
            ),
        )
        wait_until(lambda: _waiting_for_a_lock() == 1, timeout=60, what="the top-up to wait at the counter")
        first = run("first sweep", lambda: services.hold_expiry_sweep(now=clock.now))
        wait_until(
            lambda: _waiting_for_a_lock() == 2, timeout=60, what="the first sweep to wait at the counter"
        )
        # When a second sweep runs meanwhile, then it finds every due hold taken
        assert services.hold_expiry_sweep(now=clock.now) == 0
    finally:
        counter.rollback()
        counter.close()
    top_up.join(60)
    first.join(60)

    # Then the first sweep settled its two holds once, and the topped-up hold is a large deposit now
    assert results["first sweep"] == 2
    assert isinstance(results["top-up"], Deposit)
    assert results["top-up"].kind == Deposit.Kind.LARGE
    topped.refresh_from_db()
    assert topped.status == Deposit.Status.TOPPED_UP
    assert topped.expired_at is None
    assert Unit.objects.get(pk=topped.unit_id).status == Unit.Status.RESERVED
    assert not MoneyRecord.objects.filter(deal_id=topped.deal_id, kind__in=["forfeiture", "refund"]).exists()
    for deposit in expiring:
        deposit.refresh_from_db()
        assert deposit.status == Deposit.Status.REFUNDED
        assert MoneyRecord.objects.filter(deposit=deposit, kind="refund").count() == 1
    assert services.hold_expiry_sweep(now=clock.now) == 0
