"""P7: the nightly jobs over the whole set, as the beat schedule would run them the morning after the
data set's anchor date: protection expiry, lapse warnings, follow-up reminders (customers) and the hold
expiry sweep and hold reminders (deals). Prints the candidates each job found, its time, the rows it
did, and the process's RSS sampled every half second (peak and trend).

Every job runs inside one outer transaction that is rolled back, so the bench set is unchanged and the
run can be repeated. A job that exceeds ``--limit`` seconds is stopped; its rate and the time the whole
run would take are printed instead.

    .venv/bin/python -m benchmarks.run_jobs [--limit 120]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import setup_django


class Stopped(Exception):
    pass


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def candidates_sql(at: dt.datetime) -> dict[str, tuple[str, list[Any]]]:
    return {
        "protection expiry": (
            "SELECT count(*) FROM customers_customer WHERE owner_id IS NOT NULL AND protected_until < %s "
            "AND merged_into_id IS NULL",
            [at.date()],
        ),
        "hold expiry": (
            "SELECT count(*) FROM deals_deposit WHERE status = 'active' AND hold_until <= %s",
            [at],
        ),
    }


def timed(label: str, job: Callable[[], Any], limit: float, counter: dict[str, int]) -> dict[str, Any]:
    """Run ``job`` in a transaction that is rolled back; stop it after ``limit`` seconds."""
    from django.db import transaction

    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(rss_mb())
            stop.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    counter["done"] = 0
    counter["deadline"] = time.monotonic() + limit
    started = time.monotonic()
    result: Any = None
    stopped = False
    try:
        with transaction.atomic():
            try:
                result = job()
            except Stopped:
                stopped = True
            transaction.set_rollback(True)
    finally:
        stop.set()
        sampler.join()
    seconds = time.monotonic() - started
    return {
        "label": label,
        "seconds": seconds,
        "result": result,
        "stopped": stopped,
        "done": counter["done"],
        "rss_first": samples[0] if samples else rss_mb(),
        "rss_peak": max(samples) if samples else rss_mb(),
        "rss_last": samples[-1] if samples else rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=float, default=120, help="seconds a job may run before it is stopped")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    import resource

    from django.db import connection
    from django.utils import timezone

    import customers.services.housekeeping as housekeeping
    from customers.services import follow_up_reminders_send, lapse_warnings_send, protection_expiry_run

    counter: dict[str, int] = {"done": 0, "deadline": 0}
    original_refresh = housekeeping.ownership_refresh_many

    def counting_refresh(**kwargs: Any) -> Any:
        # Counts the customers the expiry job re-decides and stops it at the time limit.
        if time.monotonic() > counter["deadline"]:
            raise Stopped
        counter["done"] += len(list(kwargs["customer_ids"]))
        return original_refresh(**kwargs)

    housekeeping.ownership_refresh_many = counting_refresh
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(protected_until) - 30 FROM customers_customer")
        anchor = cursor.fetchone()[0]
    at = dt.datetime.combine(anchor + dt.timedelta(days=1), dt.time(2, 0), timezone.get_current_timezone())
    print(f"nightly jobs at {at.isoformat()} (the morning after the data set's anchor {anchor})")
    with connection.cursor() as cursor:
        for label, (sql, params) in candidates_sql(at).items():
            cursor.execute(sql, params)
            print(f"  candidates, {label}: {cursor.fetchone()[0]:,}")
    jobs: list[tuple[str, Callable[[], Any]]] = [
        ("protection expiry", lambda: protection_expiry_run(at=at)),
        ("lapse warnings", lambda: lapse_warnings_send(at=at)),
        ("follow-up reminders", lambda: follow_up_reminders_send(at=at)),
    ]
    try:
        from deals.services import hold_expiry_sweep, hold_reminders_send

        jobs += [
            ("hold expiry", lambda: hold_expiry_sweep(now=at)),
            ("hold reminders", lambda: hold_reminders_send(now=at)),
        ]
    except ImportError as error:
        print(f"  deals jobs not importable now: {error}")
    total = 0.0
    estimated_total = 0.0
    for label, job in jobs:
        outcome = timed(label, job, args.limit, counter)
        total += outcome["seconds"]
        line = (
            f"  {label:<22} {outcome['seconds']:8.1f} s  result {outcome['result']!s:>8}  "
            f"RSS {outcome['rss_first']:.0f} → peak {outcome['rss_peak']:.0f} → {outcome['rss_last']:.0f} MB"
        )
        estimate = outcome["seconds"]
        if outcome["stopped"]:
            rate = outcome["done"] / outcome["seconds"]
            line += f"  STOPPED at the limit after {outcome['done']:,} customers ({rate:.0f}/s)"
            with connection.cursor() as cursor:
                sql, params = candidates_sql(at)[label]
                cursor.execute(sql, params)
                left = cursor.fetchone()[0]
            estimate = left / rate if rate else float("inf")
            line += f"; the whole run would take ≈ {estimate:.0f} s"
        estimated_total += estimate
        print(line, flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"total {total:.1f} s measured, ≈ {estimated_total:.0f} s for a complete run; peak RSS {peak:.0f} MB"
    )
    met = estimated_total <= 30
    print(f"P7 target ≤ 30 s in total, memory flat: {'MET' if met else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
