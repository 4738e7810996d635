from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from salesoffice.core import access
from salesoffice.core.models import Site
from salesoffice.core.navigation import navigation
from salesoffice.core.roles import capabilities_of
from salesoffice.core.workspace import current_site


def workspace(request: HttpRequest) -> dict[str, Any]:
    """The current site, the user's roles there and the navigation they may see."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    site = current_site(request)
    if site is None:
        return {"current_site": None, "nav": []}
    roles = access.roles_at(user, site.pk)
    caps = capabilities_of(roles)
    nav = [
        {
            "label": entry.label,
            "url": reverse(entry.url_name),
            "active": request.path == reverse(entry.url_name),
        }
        for entry in navigation()
        if not entry.caps or entry.caps & caps
    ]
    return {
        "current_site": site,
        "current_roles": sorted(role.value for role in roles),
        "current_caps": {cap.value for cap in caps},
        "user_sites": _other_sites(user),
        "nav": nav,
    }


def _other_sites(user: Any) -> list[Site]:
    """The sites to offer in the switcher, only when there is a choice."""
    site_ids = list(access.roles_by_site(user))
    if len(site_ids) < 2:
        return []
    return list(Site.objects.filter(pk__in=site_ids).only("id", "name"))
