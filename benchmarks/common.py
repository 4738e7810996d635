"""What the benchmark scripts share: the environment of the bench database, the fixed handles of the
data set, and capture of the SQL the ORM sends."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks.make_dataset import BENCH_SITE_CODE, DEFAULT_DATABASE_URL, HEAVY_USERNAME

LARGE_TABLES = (
    "customers_customer",
    "customers_customerphone",
    "customers_registration",
    "customers_followup",
    "deals_unit",
)
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
MANAGER_USERNAME = f"{BENCH_SITE_CODE}-man"


def bench_environment(database_url: str | None = None) -> dict[str, str]:
    """Production settings (DEBUG off) against the bench database; throttles lifted so that the
    load generator measures the application, not the rate limit."""
    return {
        "DEBUG": "0",
        "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_COOKIES": "0",
        "DATABASE_URL": database_url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        "API_TOKEN_RATE": "1000000/min",
        "API_USER_RATE": "1000000/min",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "salesoffice.settings",
    }


def setup_django(database_url: str | None = None) -> None:
    os.environ.update(bench_environment(database_url))
    import django

    django.setup()


def bench_handles() -> dict[str, Any]:
    """The bench site, its heavy salesperson and its manager, and the site's largest building."""
    from deals.models import Building
    from salesoffice.core.models import Site, User

    site = Site.objects.get(code=BENCH_SITE_CODE)
    return {
        "site": site,
        "salesperson": User.objects.get(username=HEAVY_USERNAME),
        "manager": User.objects.get(username=MANAGER_USERNAME),
        "building": Building.objects.filter(site=site).order_by("-floors", "pk").first(),
    }


@contextmanager
def captured_sql() -> Iterator[list[tuple[str, Any]]]:
    """Every statement the ORM sends inside the block, with its parameters, as sent."""
    from django.db import connection

    statements: list[tuple[str, Any]] = []

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield statements


def explain(sql: str, params: Any, *, analyze: bool = True) -> str:
    from django.db import connection

    options = "ANALYZE, BUFFERS" if analyze else "COSTS"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def large_seq_scans(plan: str) -> list[str]:
    return [table for table in SEQ_SCAN.findall(plan) if table in LARGE_TABLES]


def touches_large_table(sql: str) -> bool:
    return any(f'"{table}"' in sql for table in LARGE_TABLES)
