"""Demo data for trying the app: the kernel's part (a site, one user per role) and a registry
through which each app adds its own part (its ``demo.py`` calls ``register``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from salesoffice.core.models import Membership, SalesTeam, Site
from salesoffice.core.roles import Role

DEMO_PASSWORD = "Counter-2026"  # noqa: S105 - printed for the demo on purpose


@dataclasses.dataclass
class DemoContext:
    site: Site
    users: dict[str, Any]

    @property
    def users_by_id(self) -> dict[int, Any]:
        return {user.pk: user for user in self.users.values()}


_LOADERS: list[tuple[int, Callable[[DemoContext], None]]] = []


def register(order: int) -> Callable[[Callable[[DemoContext], None]], Callable[[DemoContext], None]]:
    """Apps add demo data in ``order`` (customers 10, reception 20, deals 30, handover 40)."""

    def decorator(loader: Callable[[DemoContext], None]) -> Callable[[DemoContext], None]:
        _LOADERS.append((order, loader))
        return loader

    return decorator


DEMO_STAFF = [
    # username, full name (family, given), role, team
    ("manager", ("王", "建国"), Role.MANAGER, None),
    ("deputy", ("刘", "敏"), Role.DEPUTY, None),
    ("supervisor", ("陈", "静"), Role.SUPERVISOR, "一组"),
    ("sales1", ("李", "娜"), Role.SALESPERSON, "一组"),
    ("sales2", ("张", "伟"), Role.SALESPERSON, "一组"),
    ("sales3", ("赵", "磊"), Role.SALESPERSON, "二组"),
    ("sales4", ("孙", "丽"), Role.SALESPERSON, "二组"),
    ("finance", ("周", "红"), Role.FINANCE, None),
    ("service", ("吴", "芳"), Role.SERVICE, None),
    ("repair", ("郑", "强"), Role.REPAIR, None),
    ("agent", ("冯", "波"), Role.CHANNEL_AGENT, None),
]


@transaction.atomic
def demo_load() -> DemoContext | None:
    """Create the demo site and staff, then every app's demo data; nothing if already loaded."""
    if Site.objects.filter(code="bj1").exists():
        return None
    site = Site.objects.create(code="bj1", name="滨江壹号", city="杭州", address="滨江区江南大道 1 号")
    teams = {name: SalesTeam.objects.create(site=site, name=name) for name in ("一组", "二组")}
    user_model = get_user_model()
    users: dict[str, Any] = {}
    for username, (family, given), role, team in DEMO_STAFF:
        user = user_model.objects.create_user(
            username=username, password=DEMO_PASSWORD, last_name=family, first_name=given,
            email=f"{username}@example.com",
        )  # fmt: skip
        Membership.objects.create(user=user, site=site, role=role.value, team=teams.get(team or ""))
        users[username] = user
    users["admin"] = user_model.objects.create_superuser(
        username="admin", password=DEMO_PASSWORD, email="admin@example.com"
    )
    context = DemoContext(site=site, users=users)
    autodiscover_modules("demo")
    for _order, loader in sorted(_LOADERS, key=lambda item: item[0]):
        loader(context)
    return context
