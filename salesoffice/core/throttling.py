from typing import Any

from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from salesoffice.core.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """Throttle per API token (SEC-04); session users fall through to the user throttle."""

    scope = "token"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class SessionUserRateThrottle(UserRateThrottle):
    """Throttle per signed-in user; requests made with an API token are counted by the token's own
    throttle instead, which saves the cache two round trips on every token request."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            return None
        return super().get_cache_key(request, view)
