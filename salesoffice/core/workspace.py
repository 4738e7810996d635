"""The site a logged-in person is working at, kept in the session."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from salesoffice.core import access
from salesoffice.core.models import Site

SESSION_KEY = "site_id"


def current_site(request: HttpRequest) -> Site | None:
    """The session's site if the user still holds a role there, else their first site."""
    cached = getattr(request, "_current_site", None)
    if cached is not None:
        return cached
    sites = access.roles_by_site(request.user)
    if not sites:
        return None
    site_id = request.session.get(SESSION_KEY)
    if site_id not in sites:
        site_id = min(sites)
        request.session[SESSION_KEY] = site_id
    site = Site.objects.get(pk=site_id)
    request._current_site = site  # type: ignore[attr-defined]
    return site


def require_current_site(request: HttpRequest) -> Site:
    site = current_site(request)
    if site is None:
        raise Http404
    return site


def site_switch(request: HttpRequest, site_id: Any) -> Site:
    site = access.site_get_for_user(request.user, site_id)
    request.session[SESSION_KEY] = site.pk
    return site
