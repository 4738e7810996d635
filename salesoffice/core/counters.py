"""Gap-free numbering (REG-01 registration numbers, SVC-01 work-order numbers)."""

from __future__ import annotations

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
