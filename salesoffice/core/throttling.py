"""API rate limits (SEC-04): per token, and per signed-in user for browser sessions."""

from __future__ import annotations

import functools
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from salesoffice.core.models import ApiToken


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def _count(key: str, seconds: int) -> int:
    """Add one to the window's counter and return it: one Redis round trip (an atomic INCR, with the
    expiry set by the first request of the window)."""
    if not settings.REDIS_URL:  # the embedded default keeps counters in the local cache
        cache.add(key, 0, seconds)
        return cache.incr(key)
    pipeline = _redis().pipeline(transaction=False)
    pipeline.incr(key)
    pipeline.expire(key, seconds, nx=True)
    count, _expiry_set = pipeline.execute()
    return int(count)


class FixedWindowThrottle(SimpleRateThrottle):
    """Counts requests in fixed windows as long as the rate's period. DRF's default keeps the list of
    every request's time in the cache and reads, unpickles and writes it back on each request; the
    counter costs one increment (P1). A client may spend two windows' allowance across a boundary."""

    duration: int
    num_requests: int
    window_end: float

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        return _count(f"{self.key}:{window}", self.duration) <= self.num_requests

    def wait(self) -> float | None:
        return max(self.window_end - self.now, 1.0)


class TokenRateThrottle(FixedWindowThrottle):
    """Throttle per API token (SEC-04); session users fall through to the user throttle."""

    scope = "token"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class SessionUserRateThrottle(FixedWindowThrottle, UserRateThrottle):
    """Throttle per signed-in user; requests made with an API token are counted by the token's own
    throttle instead, which saves a cache round trip on every token request."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            return None
        return super().get_cache_key(request, view)
