"""API token format and hashing (SEC-04): ``so_<prefix>_<secret>``; only a SHA-256 digest of
the secret is stored, looked up by its indexed prefix."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def token_generate() -> tuple[str, str, str]:
    """A new token as (full text shown once, prefix, digest)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"so_{prefix}_{secret}", prefix, token_digest(secret)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_split(text: str) -> tuple[str, str] | None:
    parts = text.split("_", 2)
    if len(parts) != 3 or parts[0] != "so" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def token_matches(secret: str, digest: str) -> bool:
    return hmac.compare_digest(token_digest(secret), digest)
