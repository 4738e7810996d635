"""DRF permission classes; the decisions themselves live in ``access``."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions

from salesoffice.core import access
from salesoffice.core.models import ApiToken
from salesoffice.core.roles import Cap


class TokenScopePermission(permissions.BasePermission):
    """A read-only token may only read (SEC-04)."""

    message = "This token is read-only."

    def has_permission(self, request: Any, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.scope == ApiToken.Scope.READ:
            return request.method in permissions.SAFE_METHODS
        return True


def has_capability_somewhere(cap: Cap) -> type[permissions.BasePermission]:
    """Allow users holding ``cap`` at some site; object checks then scope to that site."""

    class HasCapability(permissions.BasePermission):
        def has_permission(self, request: Any, view: Any) -> bool:
            return bool(access.site_ids_with(request.user, cap))

    HasCapability.__name__ = f"Has{cap.name.title().replace('_', '')}"
    return HasCapability
