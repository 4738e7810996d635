"""Pure rules of the customers app that are not ownership itself (no Django imports)."""

from __future__ import annotations

from collections.abc import Mapping
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
