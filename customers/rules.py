"""Pure rules of the customers app that are not ownership itself (no Django imports)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

NEEDS_FIELDS = ("budget", "total_price", "area", "layout", "purpose")


def registration_missing_items(
    *, name: str, gender: str, phone_count: int, needs: Mapping[str, Any]
) -> list[str]:
    """REG-02: the three basic items (三个基本信息) that make a registration evidence of ownership.

    Name and gender (a caller may give only a surname), a phone that reaches the customer, and
    basic needs (budget or total price, area, layout or purpose). Returns what is missing."""
    missing: list[str] = []
    if not name.strip() or gender not in ("male", "female"):
        missing.append("name_gender")
    if phone_count == 0:
        missing.append("phone")
    if not any(needs.get(field) not in (None, "", []) for field in NEEDS_FIELDS):
        missing.append("needs")
    return missing


STAGES = ("new", "following", "deposited", "subscribed", "contracted", "owner")
DEAL_ENDED = "deal_ended"


def stage_after(*, current: str, requested: str) -> str:
    """CUS-01: a stage only moves forward, except ``deal_ended`` (a cancelled or expired deal), which
    returns a buyer who is not yet an owner to following. A lost customer who pays a deposit is back."""
    if requested == DEAL_ENDED:
        return "following" if current in ("deposited", "subscribed", "contracted") else current
    if requested not in STAGES:
        raise ValueError(f"unknown stage {requested}")
    if current == "lost":
        return requested
    return requested if STAGES.index(requested) > STAGES.index(current) else current


NEEDS_TEXT_FIELDS = ("layout", "purpose", "payment_method", "floor_preference", "district")
_MAX_MONEY = Decimal("10000000000")
_MAX_AREA = Decimal("100000")


def needs_problems(needs: Mapping[str, Any]) -> dict[str, str]:
    """SEC-07: what is wrong with a registration's needs, by field (empty when all is well).

    Money (budget, total price) is a plain number of yuan; an area is a number or a range "90-120"
    in m²; texts are short; other keys are refused."""
    problems: dict[str, str] = {}
    for key, value in needs.items():
        if value in (None, ""):
            continue
        if key in ("budget", "total_price"):
            if not _number_within(value, _MAX_MONEY):
                problems[key] = "money"
        elif key == "area":
            parts = str(value).replace("～", "-").replace("~", "-").split("-")
            if len(parts) > 2 or not all(_number_within(part.strip(), _MAX_AREA) for part in parts):
                problems[key] = "area"
        elif key in NEEDS_TEXT_FIELDS:
            if not isinstance(value, str) or len(value) > 100 or not _storable(value):
                problems[key] = "text"
        else:
            problems[key] = "unknown"
    return problems


def _storable(text: str) -> bool:
    """PostgreSQL's JSON refuses a NUL character and an unpaired surrogate (SEC-07)."""
    return "\x00" not in text and not any("\ud800" <= char <= "\udfff" for char in text)


def _number_within(value: Any, limit: Decimal) -> bool:
    if isinstance(value, bool):
        return False
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return False
    return number.is_finite() and Decimal(0) < number <= limit
