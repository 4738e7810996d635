"""DRF authentication by site-bound API tokens (SEC-04)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from salesoffice.core.models import ApiToken
from salesoffice.core.tokens import token_matches, token_split

LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


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
        now = timezone.now()
        # A read must not queue on the token's row: note the use at most once a minute.
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        user = token.user
        user.token_site_id = token.site_id  # narrows every access check to the token's site
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
