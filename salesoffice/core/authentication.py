"""DRF authentication by site-bound API tokens (SEC-04)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from salesoffice.core.models import ApiToken
from salesoffice.core.tokens import token_matches, token_split


class SiteTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        parts = token_split(header[1])
        if parts is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        prefix, secret = parts
        token = ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
        if token is None or not token_matches(secret, token.digest) or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        user = token.user
        user.token_site_id = token.site_id  # narrows every access check to the token's site
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
