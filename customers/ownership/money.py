"""COMM-02 with the OWN modifiers: a deal's commission in yuan, per label of the verdict's shares."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from customers.ownership.shares import CENT, HUNDRED
from customers.ownership.verdict import Verdict


def commission_amounts(verdict: Verdict, *, deal_amount: Decimal, rate: Decimal) -> dict[str, Decimal]:
    """Rate × deal amount × the verdict's factor (OWN-13), divided by its commission shares.

    Amounts are yuan with 2 decimals; cents lost to rounding go to the labels in order, so the parts
    always add up to the rounded total.
    """
    total = (deal_amount * rate * verdict.commission_factor).quantize(CENT, rounding=ROUND_HALF_UP)
    parts = {
        label: (total * share / HUNDRED).quantize(CENT, rounding=ROUND_DOWN)
        for label, share in verdict.commission.items()
    }
    leftover_cents = int((total - sum(parts.values(), Decimal(0))) / CENT)
    for label in list(parts)[:leftover_cents]:
        parts[label] += CENT
    return parts
