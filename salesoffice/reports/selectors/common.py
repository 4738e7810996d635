"""Who sees which figures (SEC-01 report scopes) and the site facts every report needs (time zone and the
daily cut-off of RPT-01). Every report selector starts here, so the scope is decided in one place."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from salesoffice.core import access
from salesoffice.core.models import Membership, Site, User
from salesoffice.core.roles import Cap, Role, capabilities_of
from salesoffice.core.services import policy_current
from salesoffice.routers import report_database

SALES_ROLE_VALUES = (Role.SALESPERSON.value, Role.SUPERVISOR.value)


class ScopeKind(enum.StrEnum):
    SITE = "site"  # manager: the whole site, every row
    MONEY = "money"  # finance: the money of the whole site
    SERVICE = "service"  # customer service: the service figures of the whole site
    TEAM = "team"  # supervisor: the members of their team
    OWN = "own"  # salesperson: their own figures
    AGGREGATE = "aggregate"  # read-only report client: site figures, never personal rows


# The order in which a person's report capabilities are tried: the widest view they hold wins.
_SCOPE_OF_CAP = (
    (Cap.REPORTS_SITE, ScopeKind.SITE),
    (Cap.REPORTS_MONEY, ScopeKind.MONEY),
    (Cap.REPORTS_SERVICE, ScopeKind.SERVICE),
    (Cap.REPORTS_TEAM, ScopeKind.TEAM),
    (Cap.REPORTS_OWN, ScopeKind.OWN),
    (Cap.REPORTS_AGGREGATE, ScopeKind.AGGREGATE),
)
ACTIVITY_SCOPES = frozenset({ScopeKind.SITE, ScopeKind.TEAM, ScopeKind.OWN, ScopeKind.AGGREGATE})
SITE_WIDE = frozenset({ScopeKind.SITE, ScopeKind.MONEY, ScopeKind.SERVICE, ScopeKind.AGGREGATE})


@dataclasses.dataclass(frozen=True)
class Scope:
    """SEC-01: the site, whose figures (``user_ids``; ``None`` = everyone at the site) and whether rows
    behind the figures may be listed (``personal``). Also the site's zone and daily cut-off (RPT-01)."""

    site: Site
    kind: ScopeKind
    user_ids: frozenset[int] | None
    viewer: Any
    tz: ZoneInfo
    cutoff: dt.time

    @property
    def personal(self) -> bool:
        return self.kind != ScopeKind.AGGREGATE

    @property
    def db(self) -> str:
        return report_database()

    def people_q(self, field: str) -> Q:
        """Rows of the people in scope; everything at the site when the scope is site-wide."""
        if self.user_ids is None:
            return Q()
        return Q(**{f"{field}__in": self.user_ids})

    def narrowed_to(self, salesperson_id: int | None) -> Scope:
        """The same scope for one salesperson of it (a filter); someone outside it is not found."""
        if salesperson_id is None:
            return self
        if self.user_ids is not None and salesperson_id not in self.user_ids:
            raise PermissionDenied
        return dataclasses.replace(self, user_ids=frozenset({salesperson_id}))


def report_scope(user: Any, site_id: Any, *, allowed: Iterable[ScopeKind] = ACTIVITY_SCOPES) -> Scope:
    """SEC-01: salesperson own figures, supervisor team, manager site, finance money, service service,
    read-only API tokens aggregates. Another site is not found (404); a report outside the person's
    scopes is permission denied (403)."""
    site = access.site_get_for_user(user, site_id)
    held = capabilities_of(access.roles_at(user, site.pk))
    allowed = frozenset(allowed)
    kind = next((scope for cap, scope in _SCOPE_OF_CAP if cap in held and scope in allowed), None)
    if kind is None:
        raise PermissionDenied
    user_ids: frozenset[int] | None = None
    if kind == ScopeKind.OWN:
        user_ids = frozenset({user.pk})
    elif kind == ScopeKind.TEAM:
        user_ids = team_member_ids(user=user, site_id=site.pk)
    policy, _version = policy_current(site=site)
    return Scope(
        site=site, kind=kind, user_ids=user_ids, viewer=user, tz=ZoneInfo(site.time_zone),
        cutoff=policy.daily_cutoff,
    )  # fmt: skip


def system_scope(site: Site) -> Scope:
    """The whole site as its manager sees it, for scheduled delivery (RPT-09) where no request exists."""
    policy, _version = policy_current(site=site)
    return Scope(
        site=site, kind=ScopeKind.SITE, user_ids=None, viewer=None, tz=ZoneInfo(site.time_zone),
        cutoff=policy.daily_cutoff,
    )  # fmt: skip


def team_member_ids(*, user: Any, site_id: int) -> frozenset[int]:
    """TEAM-02: a supervisor sees the members of the teams they belong to at the site, and themselves."""
    teams = Membership.objects.filter(user=user, site_id=site_id, is_active=True, team__isnull=False).values(
        "team_id"
    )
    members = Membership.objects.filter(site_id=site_id, is_active=True, team_id__in=teams).values_list(
        "user_id", flat=True
    )
    return frozenset(members) | {user.pk}


def people_names(*, scope: Scope, seen: Iterable[int]) -> dict[int, str]:
    """Names of the salespeople in scope (those holding a sales role at the site, so a quiet day still
    lists them) and of anyone else who appears in the figures."""
    seen_ids = set(seen)
    query = Q(pk__in=seen_ids) | Q(
        memberships__site=scope.site, memberships__role__in=SALES_ROLE_VALUES, memberships__is_active=True
    )
    if scope.user_ids is not None:
        query &= Q(pk__in=scope.user_ids)
    rows = User.objects.using(scope.db).filter(query).values_list("pk", "last_name", "first_name", "username")
    names: dict[int, str] = {}
    for pk, last, first, username in rows:
        names[pk] = name_of(last, first, username)
    return names


def name_of(last: str, first: str, username: str) -> str:
    """The staff member's name as ``User.get_full_name`` prints it (family name first in Chinese)."""
    family, given = last.strip(), first.strip()
    if not (family + given):
        return username
    if not (family + given).isascii():
        return family + given
    return f"{given} {family}".strip()
