"""Performance (业绩) and commission (佣金) shares: percentages per label summing exactly to 100 (COMM-01)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from types import MappingProxyType

Shares = Mapping[str, Decimal]

HUNDRED = Decimal(100)
CENT = Decimal("0.01")

# OWN-18 option: the commission of an unresolved dispute on a roll customer goes to this beneficiary.
ACTIVITY_FUND = "activity_fund"


def frozen_shares(shares: Mapping[str, Decimal | int]) -> Shares:
    """A read-only copy ordered by label, so equal shares compare and print alike."""
    return MappingProxyType({label: Decimal(shares[label]) for label in sorted(shares)})


def whole(label: str) -> Shares:
    return frozen_shares({label: HUNDRED})


def split_even(labels: Sequence[str]) -> Shares:
    """Equal shares in cents; the cents that do not divide go to the first labels, so the sum stays 100."""
    unique = list(dict.fromkeys(labels))
    base = (HUNDRED / len(unique)).quantize(CENT, rounding=ROUND_DOWN)
    leftover_cents = int((HUNDRED - base * len(unique)) / CENT)
    return frozen_shares(
        {label: base + (CENT if index < leftover_cents else 0) for index, label in enumerate(unique)}
    )


def split(first: str, second: str, first_percent: int) -> Shares:
    """A two-way split such as 50:50 or 70:30; one label takes everything when both are the same."""
    if first == second:
        return whole(first)
    return frozen_shares({first: Decimal(first_percent), second: HUNDRED - first_percent})


def check_shares(shares: Mapping[str, Decimal | int], name: str) -> None:
    """Raise ValueError unless every share is a non-negative percentage and they sum exactly to 100."""
    if not shares:
        raise ValueError(f"{name} must name at least one label")
    for label, value in shares.items():
        if not isinstance(label, str) or not label:
            raise ValueError(f"{name} labels must be non-empty strings")
        if isinstance(value, bool) or not isinstance(value, int | Decimal) or not Decimal(value).is_finite():
            raise ValueError(f"{name} shares must be whole or decimal numbers")
        if value < 0:
            raise ValueError(f"{name} shares must not be negative")
    if sum(Decimal(value) for value in shares.values()) != HUNDRED:
        raise ValueError(f"{name} shares must sum to 100")
