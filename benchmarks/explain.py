"""EXPLAIN (ANALYZE, BUFFERS) of the counter lookups, the follow-ups due list and the board, with the
SQL and parameters the ORM sends (captured while the real selectors run), and the number of queries of
each page through Django's test client. Exits 1 on a sequential scan of a large table.

    .venv/bin/python -m benchmarks.explain [--database-url URL] [--quiet]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from benchmarks.common import (
    bench_handles,
    captured_sql,
    explain,
    is_read,
    large_seq_scans,
    setup_django,
    touches_large_table,
)


def lookup_cases(handles: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    from customers.models import Customer, CustomerPhone
    from customers.selectors import customer_lookup

    site, user = handles["site"], handles["salesperson"]
    phone = CustomerPhone.objects.filter(site=site).order_by("pk").values_list("e164", flat=True)[500]
    name = Customer.objects.filter(site=site).order_by("pk").values_list("name", "name_initials")[700]

    def lookup(query: str) -> Callable[[], Any]:
        return lambda: customer_lookup(user=user, site=site, query=query)

    return {
        "P1 full mobile": lookup(phone[3:]),
        "P2 last 4 digits": lookup(phone[-4:]),
        "P2 name prefix": lookup(name[0][:2]),
        "P2 initials prefix": lookup(name[1][:2]),
    }


def due_case(handles: dict[str, Any]) -> Callable[[], Any]:
    from django.core.paginator import Paginator

    from customers.office_selectors import follow_up_due_list, site_today

    site, user = handles["site"], handles["salesperson"]

    def run() -> Any:
        rows = follow_up_due_list(user=user, site=site, today=site_today(site))
        page = Paginator(rows, 50).get_page(1)
        return list(page.object_list)

    return run


def board_case(handles: dict[str, Any]) -> Callable[[], Any]:
    from deals.selectors import board_get, building_list

    site, user, building = handles["site"], handles["manager"], handles["building"]
    return lambda: (list(building_list(user=user, site=site)), board_get(user=user, building=building))


def page_query_counts(handles: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """(queries, response bytes) of each page or endpoint, through the test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from customers.models import CustomerPhone

    site = handles["site"]
    phone = CustomerPhone.objects.filter(site=site).order_by("pk").values_list("e164", flat=True)[500]
    pages = {
        "P4 follow-ups due (HTML)": (handles["salesperson"], "/customers/follow-ups/due/"),
        "P5 board (HTML)": (handles["manager"], f"/deals/board/?building={handles['building'].pk}"),
        "P1 lookup API": (handles["salesperson"], f"/api/v1/sites/{site.pk}/customers/lookup/?q={phone[3:]}"),
        "P2 lookup API": (
            handles["salesperson"],
            f"/api/v1/sites/{site.pk}/customers/lookup/?q={phone[-4:]}",
        ),
    }
    counts = {}
    for label, (user, path) in pages.items():
        client = Client()
        client.force_login(user)
        client.get(path)  # warm: the session and the per-request caches
        with CaptureQueriesContext(connection) as context:
            response = client.get(path)
        assert response.status_code == 200, (label, response.status_code)
        counts[label] = (len(context.captured_queries), len(response.content))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--quiet", action="store_true", help="print only the verdicts, not the plans")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    handles = bench_handles()
    cases = {**lookup_cases(handles), "P4 follow-ups due": due_case(handles), "P5 board": board_case(handles)}
    failures: list[str] = []
    for label, run in cases.items():
        run()  # warm the cache so the plan shows steady-state buffers
        with captured_sql() as statements:
            run()
        print(f"\n=== {label}: {len(statements)} statements")
        for sql, params in statements:
            if not is_read(sql):
                continue
            plan = explain(sql, params)
            scans = large_seq_scans(plan)
            large = touches_large_table(sql)
            if large or not args.quiet:
                print(f"\n-- {sql[:300]}{'…' if len(sql) > 300 else ''}\n-- params: {params}")
                print(plan if large else "(small tables only)")
            if scans:
                failures.append(f"{label}: Seq Scan on {', '.join(scans)}")
    print("\n=== queries per request (test client)")
    for label, (queries, size) in page_query_counts(handles).items():
        print(f"  {label:<28} {queries:>3} queries  {size:>9,} bytes")
    if failures:
        print("\nFAIL: sequential scans of large tables:\n  " + "\n  ".join(failures))
        return 1
    print("\nOK: every lookup, the due list and the board are served by indexes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
