from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from salesoffice.core import access
from salesoffice.core.models import Notification, Site
from salesoffice.core.navigation import NavEntry, menu_of, navigation
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
    nav = _menus(request, [entry for entry in navigation() if not entry.caps or entry.caps & caps])
    return {
        "current_site": site,
        "current_roles": sorted(role.value for role in roles),
        "current_caps": {cap.value for cap in caps},
        "user_sites": _other_sites(user),
        "unread_messages": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        "nav": nav,
    }


def _other_sites(user: Any) -> list[Site]:
    """The sites to offer in the switcher, only when there is a choice."""
    site_ids = list(access.roles_by_site(user))
    if len(site_ids) < 2:
        return []
    return list(Site.objects.filter(pk__in=site_ids).only("id", "name"))


def _menus(request: HttpRequest, entries: list[NavEntry]) -> list[dict[str, Any]]:
    """The bar: single links, and menus of links; a menu with one visible entry is just a link."""
    bar: list[dict[str, Any]] = []
    menus: dict[Any, dict[str, Any]] = {}
    for entry in entries:
        url = reverse(entry.url_name)
        link = {"label": entry.label, "url": url, "active": request.path == url}
        menu = menu_of(entry)
        if menu is None:
            bar.append(link)
        elif menu in menus:
            menus[menu]["links"].append(link)
        else:
            menus[menu] = {"label": menu, "links": [link]}
            bar.append(menus[menu])
    return [
        item["links"][0] if "links" in item and len(item["links"]) == 1 else _with_active(item)
        for item in bar
    ]


def _with_active(item: dict[str, Any]) -> dict[str, Any]:
    if "links" in item:
        item["active"] = any(link["active"] for link in item["links"])
    return item
