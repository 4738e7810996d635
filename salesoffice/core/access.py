"""Who may see and do what, at which site (SEC-01, SEC-07): the one place views, APIs and
services ask. Another site's object is "not found" (404); a forbidden action on a visible
object is "permission denied" (403)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from salesoffice.core.models import Membership, Site
from salesoffice.core.roles import MANAGER_ROLES, Cap, Role, capabilities_of

_CACHE_ATTRIBUTE = "_salesoffice_roles"


def roles_by_site(user: Any) -> dict[int, frozenset[Role]]:
    """All active roles of ``user`` keyed by site id, loaded once per request.

    A token bound to a site (SEC-04) narrows this to that site; administrators act as site
    managers everywhere."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    roles: dict[int, set[Role]] = {}
    token_site = getattr(user, "token_site_id", None)
    memberships = Membership.objects.filter(user=user, is_active=True, site__is_active=True)
    if token_site is not None:
        memberships = memberships.filter(site_id=token_site)
    rows = memberships.values_list("site_id", "role")
    for site_id, role in rows:
        roles.setdefault(site_id, set()).add(Role(role))
    if user.is_superuser:
        for site_id in Site.objects.filter(is_active=True).values_list("id", flat=True):
            roles.setdefault(site_id, set()).add(Role.MANAGER)
    result = {
        site_id: frozenset(held)
        for site_id, held in roles.items()
        if token_site is None or site_id == token_site
    }
    setattr(user, _CACHE_ATTRIBUTE, result)
    return result


def remember_token_roles(user: Any, site: Site, held: Iterable[str]) -> None:
    """A token request's roles (SEC-04), read with the token itself: only the token's site counts,
    and an administrator is its manager while it is active. Saves a query on every API call (P1)."""
    roles = {Role(role) for role in held} if site.is_active else set()
    if user.is_superuser and site.is_active:
        roles.add(Role.MANAGER)
    setattr(user, _CACHE_ATTRIBUTE, {site.pk: frozenset(roles)} if roles else {})


def forget_roles(user: Any) -> None:
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def roles_at(user: Any, site_id: int) -> frozenset[Role]:
    return roles_by_site(user).get(site_id, frozenset())


def can(user: Any, site_id: int, cap: Cap) -> bool:
    return cap in capabilities_of(roles_at(user, site_id))


def is_manager(user: Any, site_id: int) -> bool:
    return bool(roles_at(user, site_id) & MANAGER_ROLES)


def site_ids_with(user: Any, *caps: Cap) -> list[int]:
    """Sites where the user holds any of ``caps`` (all their sites when none is given)."""
    return [
        site_id
        for site_id, roles in roles_by_site(user).items()
        if not caps or capabilities_of(roles) & set(caps)
    ]


def require_site(user: Any, site_id: int | None) -> None:
    """404 unless the user holds a role at the site (SEC-07)."""
    if site_id is None or site_id not in roles_by_site(user):
        raise Http404


def require(user: Any, site_id: int, cap: Cap) -> None:
    """404 for a site the user has no role at; 403 for a capability they lack there."""
    require_site(user, site_id)
    if not can(user, site_id, cap):
        raise PermissionDenied


def site_get_for_user(user: Any, site_id: Any) -> Site:
    try:
        site_pk = int(site_id)
    except (TypeError, ValueError):
        raise Http404 from None
    require_site(user, site_pk)
    token_site = getattr(user, "token_site", None)
    if token_site is not None and token_site.pk == site_pk:
        return token_site
    return Site.objects.get(pk=site_pk)


def works_at(user_id: int, site_id: int, role: Role | None = None) -> bool:
    """Whether the user with ``user_id`` holds an active role (``role`` if given) at the site."""
    memberships = Membership.objects.filter(
        user_id=user_id, site_id=site_id, is_active=True, user__is_active=True
    )
    return memberships.filter(role=role.value).exists() if role else memberships.exists()
