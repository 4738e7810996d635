"""Pure rules of the customers app that are not ownership itself (no Django imports)."""

from __future__ import annotations

import datetime as dt
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


def follow_up_due(
    *, level: str, last_contact: dt.date, cadence: Mapping[str, int], next_date: dt.date | None
) -> dt.date:
    """FUP-02: the next follow-up is due on the date the salesperson set, else by the level's cadence."""
    if next_date is not None:
        return next_date
    return last_contact + dt.timedelta(days=cadence[level])
