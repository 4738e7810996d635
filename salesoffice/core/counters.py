"""Gap-free numbering (REG-01 registration numbers, SVC-01 work-order numbers)."""

from __future__ import annotations

from django.db import transaction

from salesoffice.core.models import Counter


def counter_next(*, scope: str) -> int:
    """The next number of ``scope``, taken under a row lock inside the caller's transaction.

    Concurrent callers queue on the row; a caller that rolls back releases its number unused,
    so the sequence has no gaps."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("counter_next must run inside a transaction")
    Counter.objects.get_or_create(scope=scope)
    counter = Counter.objects.select_for_update().get(scope=scope)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value
