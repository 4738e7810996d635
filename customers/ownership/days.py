"""Local days, the daily cut-off and the time by which a record ranks (REG-03, OWN-04, DISP-01).

Day counting follows the specification: day 0 is the local day of the event and a period of N days
holds through the end of local day N (D-AMB-03), in the site's time zone.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SITE_TZ = ZoneInfo("Asia/Shanghai")


def require_aware(moment: dt.datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def local_day(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    return moment.astimezone(tz).date()


def days_after(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


def business_day(moment: dt.datetime, cutoff: dt.time, tz: ZoneInfo) -> dt.date:
    """REG-03: data after the daily cut-off counts towards the next day ("18:00后的数据将统计到第二天")."""
    local = moment.astimezone(tz)
    if local.time() > cutoff:
        return local.date() + dt.timedelta(days=1)
    return local.date()


def filing_deadline(contact_at: dt.datetime, cutoff: dt.time, tz: ZoneInfo) -> dt.datetime:
    """REG-03: a contact must be in the system by the cut-off of the day it counts towards."""
    return dt.datetime.combine(business_day(contact_at, cutoff, tz), cutoff, tzinfo=tz)


def is_late(contact_at: dt.datetime, recorded_at: dt.datetime, cutoff: dt.time, tz: ZoneInfo) -> bool:
    return recorded_at > filing_deadline(contact_at, cutoff, tz)


def ranking_time(
    contact_at: dt.datetime, recorded_at: dt.datetime, cutoff: dt.time, tz: ZoneInfo
) -> dt.datetime:
    """REG-03: a record filed on time ranks by its contact time, a late one by its recording time."""
    return recorded_at if is_late(contact_at, recorded_at, cutoff, tz) else contact_at
