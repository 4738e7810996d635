"""DISP-01: the window in which a salesperson may object to a customer's ownership."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from customers.ownership.days import SITE_TZ, days_after, local_day, require_aware
from salesoffice.core.policy import Policy


def dispute_window_closes(deposit_at: dt.datetime, policy: Policy, tz: ZoneInfo = SITE_TZ) -> dt.date:
    """DISP-01: the last local day objections are accepted: the deposit day plus ``dispute_window_days``.

    A deposit on day 10 keeps the window open through the end of day 13 ("下定后3天内", D-DISP-01).
    """
    require_aware(deposit_at, "deposit_at")
    return days_after(local_day(deposit_at, tz), policy.dispute_window_days)


def dispute_allowed(
    *, deposit_at: dt.datetime | None, objected_at: dt.datetime, policy: Policy, tz: ZoneInfo = SITE_TZ
) -> bool:
    """DISP-01: an objection is accepted until the window after the customer's first deposit closes.

    ``deposit_at`` is the first deposit of either kind (D-AMB-09); without one the window is still open.
    """
    require_aware(objected_at, "objected_at")
    if deposit_at is None:
        return True
    return local_day(objected_at, tz) <= dispute_window_closes(deposit_at, policy, tz)
