"""quality.md P1/P2/P4/P5: the counter lookups, the follow-ups due list and the board are served by
indexes. A small set (scale 0.002: 2,000 customers, 6,000 registrations, 10,000 follow-ups) is loaded
through the benchmark loader, analysed, and the ORM's own SQL is explained; a sequential scan of a
large table fails the test. The full-size figures come from ``benchmarks/explain.py``."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from benchmarks.common import (
    bench_handles,
    captured_sql,
    explain,
    is_read,
    large_seq_scans,
    touches_large_table,
)
from benchmarks.explain import board_case, due_case, lookup_cases, page_query_counts
from benchmarks.make_dataset import load

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(db):
    with connection.cursor() as cursor:
        load(cursor.cursor, seed=7, scale=0.002, anchor=timezone.localdate())
    return bench_handles()


def _plans(run):
    """The plans of the queries on large tables. A table of a few pages is cheapest to scan, so at this
    size sequential scans are priced out: a Seq Scan left in the plan means no index can serve the query
    (a missing index, a LIKE without pattern ops, a parameter type that defeats the index)."""
    with captured_sql() as statements:
        run()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return [
        (sql, explain(sql, params, analyze=False))
        for sql, params in statements
        if is_read(sql) and touches_large_table(sql)
    ]


def test_lookups_due_list_and_board_use_indexes(dataset):
    # Given a loaded and analysed set, when the counter looks customers up by full mobile, last 4
    # digits, name and initials, and the due list and the board are read
    cases = {**lookup_cases(dataset), "P4 follow-ups due": due_case(dataset), "P5 board": board_case(dataset)}
    for label, run in cases.items():
        plans = _plans(run)
        # then every query on a large table is served by an index
        assert plans, f"{label} sent no query on the large tables"
        for sql, plan in plans:
            assert large_seq_scans(plan) == [], f"{label}: {sql}\n{plan}"


def test_pages_run_a_constant_number_of_queries(dataset):
    # P5: the board runs at most 10 queries; the due list and the lookups stay as small
    counts = page_query_counts(dataset)
    assert all(queries <= 10 for queries, _size in counts.values()), counts


def test_dataset_is_consistent_with_the_services(dataset):
    """QUAL-01: the loaded set holds repair orders numbered like the service numbers them, each
    customer's latest follow-up is the one kept on its row (FUP-02), as ``follow_up_record`` keeps it,
    and each deposit's ownership record (OWN-04) carries the reference the deals services look it up by,
    so the hold expiry sweep re-decides ownership as it would in production."""
    from customers.models import Customer, DepositRecord, FollowUp
    from deals.models import Deposit
    from handover.models import WorkOrder

    deposits = set(Deposit.objects.values_list("pk", flat=True))
    assert deposits
    assert set(DepositRecord.objects.values_list("reference", flat=True)) == {
        f"deals.deposit:{pk}" for pk in deposits
    }

    assert WorkOrder.objects.count() >= 10
    order = WorkOrder.objects.select_related("site").first()
    assert order is not None
    assert order.number.startswith(order.site.code.upper() + "-")
    for customer in Customer.objects.filter(last_follow_up_at__isnull=False).order_by("pk")[:50]:
        latest = FollowUp.objects.filter(customer=customer).order_by("-at", "-pk").first()
        assert latest is not None
        assert (customer.last_follow_up_at, customer.next_follow_up_on) == (latest.at, latest.next_date)
    assert not Customer.objects.filter(
        last_follow_up_at__isnull=True, pk__in=FollowUp.objects.values("customer")
    ).exists()
