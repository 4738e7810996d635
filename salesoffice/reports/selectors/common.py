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
from django.db.models import JSONField, OuterRef, Q, Subquery
from django.utils import timezone

from salesoffice.core import access
from salesoffice.core.models import Membership, Site, SitePolicyVersion, User
from salesoffice.core.policy import policy_from_json
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
# The scopes whose activity figures cover every salesperson of the site (RPT-03 across sites).
WHOLE_SITE_ACTIVITY = frozenset({ScopeKind.SITE, ScopeKind.AGGREGATE})


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
    kind = scope_kind_of(capabilities_of(access.roles_at(user, site.pk)), allowed)
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


def scope_kind_of(held: frozenset[Cap], allowed: Iterable[ScopeKind]) -> ScopeKind | None:
    """SEC-01: the widest report scope the held capabilities give among ``allowed``, if any."""
    allowed = frozenset(allowed)
    return next((scope for cap, scope in _SCOPE_OF_CAP if cap in held and scope in allowed), None)


def whole_site_kinds(user: Any, *, allowed: Iterable[ScopeKind] = ACTIVITY_SCOPES) -> dict[int, ScopeKind]:
    """The sites where the user reads the activity reports whole, with the scope they read them at; from
    the roles already loaded for the request (no query of its own after the first)."""
    kinds: dict[int, ScopeKind] = {}
    for site_id, roles in access.roles_by_site(user).items():
        kind = scope_kind_of(capabilities_of(roles), allowed)
        if kind in WHOLE_SITE_ACTIVITY:
            kinds[site_id] = kind
    return kinds


def whole_site_scopes(user: Any, *, allowed: Iterable[ScopeKind] = ACTIVITY_SCOPES) -> list[Scope]:
    """SEC-01 across sites (RPT-03 group report): one scope per site where the user reads the report at
    whole-site scope (a manager or deputy: every row; a read-only report client: aggregates), ordered by
    site name. A site where they only see their team or their own figures is left out, and so is a site
    where no scope in ``allowed`` applies (finance does not read the activity reports). A token bound to
    a site (SEC-04) narrows this to that site; administrators read every active site.

    Constant queries whatever the number of sites: the user's roles (loaded once per request), then the
    sites with the policy in force at each, in one query."""
    kinds = whole_site_kinds(user, allowed=allowed)
    if not kinds:
        return []
    current = (
        SitePolicyVersion.objects.filter(site_id=OuterRef("pk"), effective_at__lte=timezone.now())
        .order_by("-version")
        .values("data")[:1]
    )
    sites = (
        Site.objects.filter(pk__in=kinds)
        .annotate(policy_data=Subquery(current, output_field=JSONField()))
        .order_by("name", "pk")
    )
    scopes = []
    for site in sites:
        # The same policy ``policy_current`` reads: the latest version in force, else the defaults.
        policy = policy_from_json(site.policy_data or {})
        scope = Scope(
            site=site, kind=kinds[site.pk], user_ids=None, viewer=user, tz=ZoneInfo(site.time_zone),
            cutoff=policy.daily_cutoff,
        )  # fmt: skip
        scopes.append(scope)
    return scopes


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
