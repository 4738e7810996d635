"""quality.md R4: the nightly jobs end in the same state as one clean run when the worker is SIGKILLed
mid-run, when Redis is restarted between send and run, when a job runs twice, and when it runs a day late.

The jobs are the beat schedule's sweeps over deadlines kept as rows in PostgreSQL: protection expiry and
lapse warnings (OWN-04), follow-up reminders (FUP-04), the hold expiry sweep and hold reminders (DEP-03).
The data set is the benchmark loader's (scale 0.0005: two sites, 500 customers, anchored 40 days back so
that its protections, holds and follow-ups are all past due) plus records made through the services:
six customers whose protection ends in 1 or 3 days (lapse warnings due), three large deposits whose
hold ended yesterday (forfeiture due) and two whose hold ends in 12 hours (reminder due).

A job is stopped mid-run at a known point: the test holds, in its own connection, a row lock the job
needs or an uncommitted notification with the dedupe key the job is about to write, so the worker
waits there with part of its work committed; then it is killed. End states are compared through a
fingerprint of the rows the jobs write (customers and their verdicts, deposits, money, units, deals,
subscriptions, notifications per recipient and dedupe key) with the state one clean run leaves on the
identical data set (run in-process in a transaction that is rolled back)."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from unittest import mock

import psycopg2
import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from benchmarks.make_dataset import load
from customers import tasks as customer_tasks
from customers.facts import connected_customer_ids
from customers.models import Customer, OwnershipVerdict
from customers.services import follow_up_reminders_send, lapse_warnings_send, protection_expiry_run
from deals import tasks as deal_tasks
from deals.models import Deal, Deposit, MoneyRecord, Subscription, Unit
from deals.services import hold_expiry_sweep, hold_reminders_send
from salesoffice.core.models import Notification, Site, User
from salesoffice.core.tasks import sessions_clear_expired
from tests.concurrency.conftest import PrivateRedis, database_url, send, wait_until
from tests.customers.factories import register
from tests.deals.factories import large_deposit

ANCHOR_DAYS_BACK = 40
# Notification kinds that are "the list of the day": their dedupe key ends with the day they are for.
DAILY_KINDS = ("ownership.lapse_summary", "followup.reminder", "followup.overdue_summary")
# The beat schedule's order within a night: 00:10, 07:00, 07:05, then the every-few-minutes sweeps.
NIGHTLY_TASKS = (
    customer_tasks.protection_expiry_task,
    customer_tasks.lapse_warnings_task,
    customer_tasks.follow_up_reminders_task,
    deal_tasks.hold_expiry_task,
    deal_tasks.hold_reminders_task,
)
WAIT = 90  # seconds; a cold worker on a busy 2-core machine takes a while


# --- The data set ---------------------------------------------------------------------------------


@dataclass
class Night:
    """The data set's due work, and the handles the fault scenarios block on."""

    sites: list[Site]
    warned: list[Customer] = field(default_factory=list)  # protection ends in 1 or 3 days
    forfeitable: list[Deposit] = field(default_factory=list)  # holds that have ended
    reminded: list[Deposit] = field(default_factory=list)  # holds ending within a day


def warning_key(customer: Customer) -> str:
    """The dedupe key of the warning due for ``customer`` today (its days left are a warning day)."""
    assert customer.protected_until is not None
    days_left = (customer.protected_until - timezone.localdate()).days
    return f"lapse:{customer.pk}:{customer.protected_until.isoformat()}:{days_left}"


@contextmanager
def time_is(moment: dt.datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def protection_due(**filters: Any) -> Any:
    """Owned customers whose protection ended before today: the expiry job's work (OWN-04)."""
    return Customer.objects.filter(
        owner__isnull=False, protected_until__lt=timezone.localdate(), merged_into__isnull=True, **filters
    )


def nightly_set() -> Night:
    now = timezone.now()
    with connection.cursor() as cursor:
        load(
            cursor.cursor, seed=11, scale=0.0005, anchor=timezone.localdate() - dt.timedelta(ANCHOR_DAYS_BACK)
        )
    night = Night(sites=list(Site.objects.order_by("pk")))
    sellers = {
        site.pk: list(
            User.objects.filter(username__in=[f"{site.code}-sp02", f"{site.code}-sp03"]).order_by("username")
        )
        for site in night.sites
    }
    # OWN-04: a visit protects for 30 days; these end in 1 day (warning "1") or in 3 days (warning "3").
    for number, (site, days_left) in enumerate(zip(night.sites * 3, (1, 1, 3, 3, 1, 3), strict=True)):
        with time_is(now - dt.timedelta(days=30 - days_left)):
            registration = register(
                site, sellers[site.pk][number % 2], name=f"预警{number}", phones=(f"1340000{number:04d}",)
            )
        night.warned.append(Customer.objects.get(pk=registration.customer_id))
    # DEP-03: 7-day holds of large deposits, three ended yesterday and two ending in 12 hours.
    site = night.sites[0]
    units = iter(Unit.objects.filter(site=site, status=Unit.Status.AVAILABLE).order_by("pk"))
    for number, paid_ago in enumerate([dt.timedelta(days=8)] * 3 + [dt.timedelta(days=6, hours=12)] * 2):
        seller = sellers[site.pk][number % 2]
        with time_is(now - paid_ago - dt.timedelta(hours=1)):
            customer = register(site, seller, name=f"定金{number}", phones=(f"1340001{number:04d}",)).customer
        with time_is(now - paid_ago):
            deposit = large_deposit(next(units), customer, seller, amount=Decimal("50000.00"))
        if paid_ago.days < 7:
            night.reminded.append(deposit)
    night.forfeitable = list(
        Deposit.objects.filter(status=Deposit.Status.ACTIVE, hold_until__lte=now).order_by("hold_until", "pk")
    )
    return night


# --- The end state ----------------------------------------------------------------------------------


def rows(values: Any) -> list[Any]:
    return sorted(values, key=repr)


def _day_free(kind: str, key: str | None) -> str | None:
    if key is not None and kind in DAILY_KINDS:
        return re.sub(r":\d{4}-\d{2}-\d{2}$", ":<day>", key)
    return key


def fingerprint(*, leave_out: list[Deposit] | None = None) -> dict[str, list[Any]]:
    """The rows the nightly jobs write, without the moments they ran at; a repeated notification, money
    record or verdict shows as a count above one. ``leave_out`` drops deposits (with their customer,
    deal, unit, money and notifications) that a comparison excludes on purpose."""
    leave_out = leave_out or []
    deposits = {deposit.pk for deposit in leave_out}
    customers = {deposit.customer_id for deposit in leave_out}
    deals = {deposit.deal_id for deposit in leave_out}
    units = {deposit.unit_id for deposit in leave_out}
    deposit_key = re.compile(r"^deals\.hold_\w+:(\d+)(:|$)")

    def kept(key: str | None) -> bool:
        match = deposit_key.match(key or "")
        return match is None or int(match.group(1)) not in deposits

    notifications = Notification.objects.values_list("recipient_id", "kind", "dedupe_key")
    return {
        "customers": rows(
            Customer.objects.exclude(pk__in=customers).values_list(
                "pk", "owner_id", "protected_until", "status"
            )
        ),
        "verdicts": rows(
            Counter(
                OwnershipVerdict.objects.exclude(customer_id__in=customers).values_list(
                    "customer_id", "cause", "owner_id"
                )
            ).items()
        ),
        "deposits": rows(
            (pk, status, expired_at is not None)
            for pk, status, expired_at in Deposit.objects.exclude(pk__in=deposits).values_list(
                "pk", "status", "expired_at"
            )
        ),
        "money": rows(
            Counter(
                MoneyRecord.objects.exclude(deal_id__in=deals).values_list(
                    "deal_id", "deposit_id", "kind", "amount"
                )
            ).items()
        ),
        "units": rows(Unit.objects.exclude(pk__in=units).values_list("pk", "status")),
        "deals": rows(Deal.objects.exclude(pk__in=deals).values_list("pk", "status")),
        "subscriptions": rows(Subscription.objects.exclude(deal_id__in=deals).values_list("pk", "status")),
        "notifications": rows(
            Counter(
                (who, kind, _day_free(kind, key)) for who, kind, key in notifications if kept(key)
            ).items()
        ),
    }


def differences(expected: dict[str, list[Any]], actual: dict[str, list[Any]]) -> dict[str, Any]:
    """Per part of the fingerprint, the rows only one side has (empty when the states are the same)."""
    found = {}
    for part, rows_expected in expected.items():
        missing = [row for row in rows_expected if row not in actual[part]]
        extra = [row for row in actual[part] if row not in rows_expected]
        if missing or extra:
            found[part] = {"missing": missing[:10], "extra": extra[:10]}
    return found


def rolled_back(work: Callable[[], Any]) -> Any:
    """``work``'s result, in a transaction that is then rolled back: the data set is left as it was."""
    with transaction.atomic():
        result = work()
        transaction.set_rollback(True)
    return result


def run_each(*, at: dt.datetime | None = None, times: int = 1) -> None:
    """The nightly jobs in-process in the beat schedule's order, each ``times`` times in a row, as of
    ``at`` (the services take the moment the beat would have run them at; the tasks pass now)."""
    jobs: list[Callable[[], Any]] = [
        lambda: protection_expiry_run(at=at),
        lambda: lapse_warnings_send(at=at),
        lambda: follow_up_reminders_send(at=at),
        lambda: hold_expiry_sweep(now=at),
        lambda: hold_reminders_send(now=at),
    ]
    for job in jobs:
        for _ in range(times):
            job()


def clean_run_state(*, also_without: list[Deposit] | None = None) -> Any:
    """The end state of one clean run on the data set as it is now (rolled back afterwards); with
    ``also_without``, also that state without those deposits."""

    def run() -> Any:
        run_each()
        # A clean run leaves nothing due: no protection ended, no hold past its end.
        assert not protection_due().exists()
        ended = Deposit.objects.filter(status=Deposit.Status.ACTIVE, hold_until__lte=timezone.now())
        assert not ended.exists()
        if also_without is None:
            return fingerprint()
        return fingerprint(), fingerprint(leave_out=also_without)

    return rolled_back(run)


# --- R4 b: run twice, run a day late (in-process: the worker's clock cannot be moved) -------------


@pytest.mark.django_db
def test_r4_nightly_jobs_twice_or_a_day_late_end_as_one_clean_run():
    # Given the nightly data set and the state one clean run leaves on it
    today = timezone.localdate()
    night = nightly_set()
    assert protection_due().count() > 100
    assert len(night.forfeitable) >= 3
    clean, clean_without_reminded = clean_run_state(also_without=night.reminded)

    # When every job runs twice in a row, then the end state is the clean run's
    twice = rolled_back(lambda: (run_each(times=2), fingerprint())[1])
    assert differences(clean, twice) == {}

    # When the whole night runs a day late, then everything that was due is done, once: the same
    # lapses, forfeitures and warnings (the warning a late run sends for a customer is the one that
    # was due). The two holds that end during the missed day differ on purpose: a day late they have
    # ended, so they expire (once) instead of being reminded.
    def late_run() -> tuple[dict[str, list[Any]], list[tuple[str, bool]], int]:
        run_each(at=timezone.now() + dt.timedelta(days=1))
        reminded = [
            (deposit.status, deposit.expired_at is not None)
            for deposit in Deposit.objects.filter(pk__in=[d.pk for d in night.reminded])
        ]
        forfeitures = MoneyRecord.objects.filter(
            deposit__in=night.reminded, kind__in=["forfeiture", "refund"]
        ).count()
        return fingerprint(leave_out=night.reminded), reminded, forfeitures

    late, reminded, forfeitures = rolled_back(late_run)
    _skip_if_midnight_passed(today)
    assert differences(clean_without_reminded, late) == {}
    assert reminded == [(Deposit.Status.FORFEITED, True)] * 2
    assert forfeitures == 2


# --- R4 a and c: a real worker killed mid-run, Redis restarted, the next run completes -----------


class Stop:
    """An open transaction of the test's own holding a lock a job needs, so that the job waits there
    (mid-run, at a known point) until ``release`` rolls the transaction back."""

    def __init__(self, sql: str, params: list[Any]) -> None:
        self.connection = psycopg2.connect(database_url())
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)

    def release(self) -> None:
        if not self.connection.closed:
            self.connection.rollback()
            self.connection.close()


class Stops:
    def __init__(self) -> None:
        self.held: list[Stop] = []

    def customer(self, pk: int) -> Stop:
        """A lock on a customer's row: a job that locks the row waits."""
        return self._hold("SELECT 1 FROM customers_customer WHERE id = %s FOR UPDATE", [pk])

    def dedupe_key(self, key: str, *, recipient_id: int, site_id: int) -> Stop:
        """An uncommitted notification with ``key``: a job inserting a message with that key waits."""
        return self._hold(
            "INSERT INTO core_notification (recipient_id, site_id, kind, title, body, link, dedupe_key, created_at) "
            "VALUES (%s, %s, 'test.stop', '', '', '', %s, now())",
            [recipient_id, site_id, key],
        )

    def _hold(self, sql: str, params: list[Any]) -> Stop:
        stop = Stop(sql, params)
        self.held.append(stop)
        return stop


@pytest.fixture
def stops() -> Iterator[Stops]:
    held = Stops()
    yield held
    for stop in held.held:
        stop.release()


def backends_waiting_for_a_lock() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return {pid for (pid,) in cursor.fetchall()}


def send_tasks(redis: PrivateRedis, queue: str, tasks: tuple[Any, ...], *, times: int = 1) -> str:
    """Send ``tasks`` as the beat would (each ``times`` times in a row), then a sentinel task whose effect
    shows that the worker (one task at a time, in order) has finished everything before it."""
    sentinel = f"sentinel-{uuid.uuid4().hex[:12]}"
    Session.objects.create(
        session_key=sentinel, session_data="", expire_date=timezone.now() - dt.timedelta(1)
    )
    for task in tasks:
        for _ in range(times):
            send(task, broker_url=redis.url, queue=queue)
    send(sessions_clear_expired, broker_url=redis.url, queue=queue)
    return sentinel


def done(redis: PrivateRedis, queue: str, sentinel: str) -> bool:
    """The sentinel has run and nothing is left in the queue or unacknowledged (an earlier sentinel task
    may have removed this sentinel's row before its turn: it clears every expired session)."""
    return not Session.objects.filter(session_key=sentinel).exists() and redis.drained(queue)


def warnings_sent() -> int:
    return Notification.objects.filter(kind="ownership.lapse_warning").count()


def assert_done_once(night: Night) -> None:
    """No expiry missed, no forfeiture or warning twice (what the fingerprint comparison also shows)."""
    assert not protection_due().exists()
    for deposit in night.forfeitable:
        deposit.refresh_from_db()
        assert deposit.status in (Deposit.Status.FORFEITED, Deposit.Status.REFUNDED)
        assert MoneyRecord.objects.filter(deposit=deposit, kind__in=["forfeiture", "refund"]).count() == 1
    warnings = Counter(
        Notification.objects.filter(kind="ownership.lapse_warning").values_list("recipient_id", "dedupe_key")
    )
    assert sorted(warnings) == sorted((customer.owner_id, warning_key(customer)) for customer in night.warned)
    assert set(warnings.values()) == {1}


@pytest.mark.django_db(transaction=True)
def test_r4_overlapping_warning_runs_send_each_message_once_also_by_email(
    site, salesperson, manager, settings, stops
):
    # Given a customer whose protection ends tomorrow, e-mail on, and the manager's lapse list held back by
    # an uncommitted row with its dedupe key, so that a run inserting its messages waits there
    settings.EMAIL_ENABLED = True
    for person, address in ((salesperson, "sales@example.com"), (manager, "manager@example.com")):
        person.email = address
        person.save(update_fields=["email"])
    with time_is(timezone.now() - dt.timedelta(days=29)):
        register(site, salesperson)
    summary_key = f"lapse-summary:{site.pk}:{manager.pk}:{timezone.localdate().isoformat()}"
    stop = stops.dedupe_key(summary_key, recipient_id=manager.pk, site_id=site.pk)
    sent: list[int] = []

    def run() -> None:
        try:
            sent.append(lapse_warnings_send())
        finally:
            connection.close()

    # When two runs overlap (a redelivered task next to the beat's): both found nothing sent yet
    first = threading.Thread(target=run)
    first.start()
    wait_until(lambda: len(backends_waiting_for_a_lock()) == 1, timeout=WAIT, what="the first run to wait")
    second = threading.Thread(target=run)
    second.start()
    wait_until(lambda: len(backends_waiting_for_a_lock()) == 2, timeout=WAIT, what="the second run to wait")
    stop.release()
    first.join()
    second.join()

    # Then each message exists once and is mailed once, by the run that wrote it
    assert Notification.objects.filter(kind="ownership.lapse_warning").count() == 1
    assert Notification.objects.filter(kind="ownership.lapse_summary").count() == 1
    assert sorted(message.to[0] for message in mail.outbox) == ["manager@example.com", "sales@example.com"]
    assert sorted(sent) == [0, 2]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_r4_worker_killed_mid_run_and_redis_restarted_end_as_one_clean_run(
    private_redis, celery_worker_factory, stops
):
    today = timezone.localdate()
    night = nightly_set()
    clean = clean_run_state()
    queue = f"r4-{uuid.uuid4().hex[:8]}"
    site_1, site_2 = night.sites
    expiry, warnings, *morning = NIGHTLY_TASKS
    # PostgreSQL checks for a vanished client while a query waits, so a killed worker's transaction is
    # rolled back at once (as when a worker dies between statements) and the rows it claimed are free.
    worker_env = {"PGOPTIONS": "-c client_connection_check_interval=100"}
    first = celery_worker_factory(broker_url=private_redis.url, queue=queue, pool="prefork", env=worker_env)

    # a. 00:10, protection expiry. It commits site 1 and waits at site 2, where a customer linked to one
    # of the due customers is locked (the engine locks the linked customers it decides together).
    due_at_site_2 = list(protection_due(site=site_2).order_by("pk").values_list("pk", flat=True))
    linked = [min(others) for pk in due_at_site_2 if (others := connected_customer_ids([pk]) - {pk})]
    assert linked, "the data set has no linked customers at site 2"
    expiry_stop = stops.customer(linked[0])
    send_tasks(private_redis, queue, (expiry,))
    first_waiter = wait_until(
        lambda: not protection_due(site=site_1).exists() and backends_waiting_for_a_lock(),
        timeout=WAIT, what="protection expiry to finish site 1 and wait at site 2",
    )  # fmt: skip
    # The pool process running it is SIGKILLed (the main process is paused meanwhile, so the redelivered
    # run starts only after PostgreSQL has rolled the killed one back).
    [pool_process] = first.pool_processes()
    os.kill(first.process.pid, signal.SIGSTOP)
    try:
        os.kill(pool_process, signal.SIGKILL)
        wait_until(
            lambda: not backends_waiting_for_a_lock() & first_waiter,
            timeout=WAIT, what="PostgreSQL to roll back the killed run",
        )  # fmt: skip
    finally:
        os.kill(first.process.pid, signal.SIGCONT)
    assert protection_due(site=site_2).count() == len(due_at_site_2)
    # acks_late + reject_on_worker_lost: the message goes back to the queue and a fresh pool process runs
    # it again without anything being re-sent; it gets as far as the same stop.
    wait_until(
        lambda: backends_waiting_for_a_lock() - first_waiter,
        timeout=WAIT, what="the redelivered protection expiry to reach site 2 again",
    )  # fmt: skip

    # c. The morning's jobs are sent and queue behind it; Redis dies and comes back empty.
    send_tasks(private_redis, queue, (warnings, *morning))
    assert private_redis.queue_length(queue) == len(morning) + 2  # with lapse warnings and the sentinel
    private_redis.kill()
    private_redis.start()
    expiry_stop.release()
    wait_until(lambda: not protection_due().exists(), timeout=WAIT, what="the redelivered expiry to finish")
    # The queued jobs went with Redis: once the reconnected worker has run a new sentinel, none of them has
    # run, and their deadlines are still rows in PostgreSQL, not done.
    reconnected = send_tasks(private_redis, queue, ())
    wait_until(lambda: done(private_redis, queue, reconnected), timeout=WAIT, what="the worker to reconnect")
    assert warnings_sent() == 0
    still_active = Deposit.objects.filter(
        pk__in=[d.pk for d in night.forfeitable], status=Deposit.Status.ACTIVE
    )
    assert still_active.count() == len(night.forfeitable)

    # a. The next run. Lapse warnings commit site 1's warnings and wait at site 2, whose first warning's
    # dedupe key is taken by an uncommitted row; the whole worker (main process and pool) is SIGKILLed,
    # so its message stays unacknowledged in Redis.
    warned_at_site_2 = [customer for customer in night.warned if customer.site_id == site_2.pk]
    held_back = warned_at_site_2[0]
    warning_stop = stops.dedupe_key(
        warning_key(held_back), recipient_id=held_back.owner_id, site_id=site_2.pk
    )
    send_tasks(private_redis, queue, (warnings,))
    wait_until(
        lambda: warnings_sent() == len(night.warned) - len(warned_at_site_2) and backends_waiting_for_a_lock(),
        timeout=WAIT, what="lapse warnings to finish site 1 and wait at site 2",
    )  # fmt: skip
    first.kill()
    warning_stop.release()
    assert warnings_sent() == len(night.warned) - len(warned_at_site_2)
    # A fresh worker takes the unacknowledged message back once its visibility timeout has passed (an hour
    # in production, a second here) and completes the warnings.
    celery_worker_factory(
        broker_url=private_redis.url, queue=queue, env=worker_env,
        transport_options={"visibility_timeout": 1, "unacked_restore_interval": 1, "unacked_restore_throttle": 1},
    )  # fmt: skip
    wait_until(lambda: warnings_sent() == len(night.warned), timeout=WAIT, what="the redelivered warnings")
    # b. Then the night's jobs run again on the next beat, each delivered twice (the beat and a
    # redelivery): the end state is the clean run's.
    again = send_tasks(private_redis, queue, NIGHTLY_TASKS, times=2)
    wait_until(lambda: done(private_redis, queue, again), timeout=WAIT, what="the night's jobs, twice each")
    _skip_if_midnight_passed(today)
    assert differences(clean, fingerprint()) == {}
    assert_done_once(night)


def _skip_if_midnight_passed(today: dt.date) -> None:
    # The data set is placed relative to one local day; a run that crosses midnight compares two days.
    if timezone.localdate() != today:
        pytest.skip("the run crossed local midnight")
