"""The navigation per role. Each app lists its entries in its own ``navigation.py`` by calling
``register``; an entry shows when the user holds one of its capabilities at the current site."""

from __future__ import annotations

import dataclasses
from functools import cache

from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from salesoffice.core.roles import Cap


@dataclasses.dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    caps: frozenset[Cap]  # empty: everyone with a role at the site
    order: int


# Each app registers in its own band of ``order``; a band is one menu of the navigation bar.
MENUS: tuple[tuple[int, int, str | Promise], ...] = (
    (10, 19, _("Reception")),
    (20, 39, _("Customers")),
    (40, 59, _("Deals")),
    (60, 79, _("Handover and service")),
    (80, 89, _("Reports")),
    (90, 99, _("Administration")),
)

_ENTRIES: list[NavEntry] = []


def register(label: str | Promise, url_name: str, *caps: Cap, order: int) -> None:
    _ENTRIES.append(NavEntry(label=label, url_name=url_name, caps=frozenset(caps), order=order))


@cache
def navigation() -> tuple[NavEntry, ...]:
    autodiscover_modules("navigation")
    return tuple(sorted(_ENTRIES, key=lambda entry: entry.order))


register(_("Dashboard"), "dashboard", order=0)
register(_("Site policy"), "policy", Cap.POLICY_READ, order=90)
register(_("Audit trail"), "audit-list", Cap.AUDIT_READ, order=95)
register(_("API tokens"), "tokens", Cap.STAFF_MANAGE, order=96)


def menu_of(entry: NavEntry) -> str | Promise | None:
    """The menu an entry belongs to, or None for the few that stand on the bar themselves."""
    for low, high, label in MENUS:
        if low <= entry.order <= high:
            return label
    return None
