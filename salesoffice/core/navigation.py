"""The navigation per role: an entry shows when the user holds one of its capabilities at the
current site. Apps add their entries here as their pages arrive."""

from __future__ import annotations

import dataclasses

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from salesoffice.core.roles import Cap


@dataclasses.dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    caps: frozenset[Cap]  # empty: everyone with a role at the site


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry(_("Dashboard"), "dashboard", frozenset()),
    NavEntry(_("Site policy"), "policy", frozenset({Cap.POLICY_READ})),
    NavEntry(_("Audit trail"), "audit-list", frozenset({Cap.AUDIT_READ})),
)
