"""Gap-free numbering (REG-01 registration numbers, SVC-01 work-order numbers)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from salesoffice.core.models import Counter

# One statement takes the row lock and the next number (P3: every registration of a site waits here).
_TAKE_NEXT = "UPDATE core_counter SET value = value + 1 WHERE scope = %s RETURNING value"


def counter_next(*, scope: str) -> int:
    """The next number of ``scope``, taken under a row lock inside the caller's transaction.

    Concurrent callers queue on the row; a caller that rolls back releases its number unused,
    so the sequence has no gaps."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("counter_next must run inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(_TAKE_NEXT, [scope])
        row = cursor.fetchone()
        if row is None:
            # A scope's first number: create its row (a concurrent creator wins, we then update theirs).
            Counter.objects.get_or_create(scope=scope)
            cursor.execute(_TAKE_NEXT, [scope])
            row = cursor.fetchone()
    assert row is not None  # the row exists now, and it is locked by us
    return int(row[0])


def counter_next_many(*, counts: Mapping[str, int]) -> dict[str, range]:
    """``counts[scope]`` consecutive numbers of each scope at once (P7: a sweep numbers a batch across
    sites). The rows are locked in scope order, so two callers never wait on each other in a cycle; as
    with ``counter_next`` they stay locked until the caller's transaction ends, so callers take them last."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("counter_next_many must run inside a transaction")
    wanted = {scope: count for scope, count in counts.items() if count > 0}
    counters = {
        counter.scope: counter
        for counter in Counter.objects.select_for_update().filter(scope__in=list(wanted)).order_by("scope")
    }
    for scope in sorted(wanted.keys() - counters.keys()):  # a scope's first numbers
        Counter.objects.get_or_create(scope=scope)
        counters[scope] = Counter.objects.select_for_update().get(scope=scope)
    taken = {}
    for scope, count in wanted.items():
        counter = counters[scope]
        taken[scope] = range(counter.value + 1, counter.value + count + 1)
        counter.value += count
    Counter.objects.bulk_update(list(counters.values()), ["value"])
    return taken
