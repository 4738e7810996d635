"""DRF authentication by site-bound API tokens (SEC-04)."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from salesoffice.core import access
from salesoffice.core.models import ApiToken, Membership, Site, User
from salesoffice.core.prepared import fetch_prepared
from salesoffice.core.tokens import token_matches, token_split

LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


_MODELS = (ApiToken, User, Site)
M = TypeVar("M", bound=Model)


@functools.cache
def _token_sql(vendor: str) -> str:
    """The token, its user and site, and the user's roles there, in one statement that every API
    request runs (P1): written out, so that PostgreSQL can keep it prepared and the ORM need not
    build it each time. The roles come as one comma-separated text."""
    roles = "STRING_AGG(m.role, ',')" if vendor == "postgresql" else "GROUP_CONCAT(m.role, ',')"
    columns = ", ".join(
        f"{alias}.{field.column}"
        for alias, model in zip("tus", _MODELS, strict=True)
        for field in model._meta.concrete_fields
    )
    return (
        f"SELECT {columns}, (SELECT {roles} FROM {Membership._meta.db_table} m "  # noqa: S608 - names from the models
        "WHERE m.user_id = t.user_id AND m.site_id = t.site_id AND m.is_active) "
        f"FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id "
        f"JOIN {Site._meta.db_table} s ON s.id = t.site_id WHERE t.prefix = %s AND t.revoked_at IS NULL"
    )


def _token_get(prefix: str) -> tuple[ApiToken, list[str]] | None:
    rows = fetch_prepared("api_token_get", _token_sql(connection.vendor), [prefix])
    if not rows:
        return None
    values = iter(rows[0])
    token = _instance(ApiToken, values)
    token.user = _instance(User, values)
    token.site = _instance(Site, values)
    roles = next(values)
    return token, roles.split(",") if roles else []


def _instance(model: type[M], values: Iterator[Any]) -> M:
    fields = model._meta.concrete_fields
    return model.from_db(
        connection.alias,
        [field.attname for field in fields],
        [_from_db(field, next(values)) for field in fields],
    )


def _from_db(field: Any, value: Any) -> Any:
    """A column's value as the ORM would give it (on SQLite, say, a datetime made aware)."""
    column = field.get_col(field.model._meta.db_table)
    for converter in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
        value = converter(value, column, connection)
    return value


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
        found = _token_get(prefix)
        if found is None or not token_matches(secret, found[0].digest) or not found[0].user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        token, held_roles = found
        now = timezone.now()
        # A read must not queue on the token's row: note the use at most once a minute.
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        user = token.user
        user.token_site_id = token.site_id  # narrows every access check to the token's site
        user.token_site = token.site  # read with the token: the site is not read again (P1)
        access.remember_token_roles(user, token.site, held_roles)
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
