"""R10 (quality.md QUAL-03): opening day (开盘). 500 buyers' salespeople try to reserve 200 units within
10 seconds; no server error, no unit reserved twice, every loser a clear 409, p99 ≤ 1 s.

    .venv/bin/python -m benchmarks.opening_day [--buyers 500] [--units 200] [--keep]

Setup, on the dedicated database ``so_bench_opening`` (recreated and migrated): one site, its manager,
500 salespeople each with their own buyer registered through ``registration_create`` and a write API
token, and the first batch (首开) of 200 units, withheld, in four buildings. At the bell the manager
releases the batch (``unit_batch_transition``) and the rush begins against gunicorn started as
``benchmarks.run_http`` starts it (3 sync workers, DEBUG off, throttles lifted).

The rush, shaped for one 2-core machine that also runs the server and PostgreSQL:

- Every buyer has a wish list of 3 distinct units drawn with Zipf weights (1/rank) over a fixed,
  seeded ranking of the units: a few units are everybody's favourite (the best floors and views), many
  are wanted by a handful, some by nobody.
- Each salesperson taps "hold" (``POST /api/v1/units/{id}/hold/``, a small deposit) for their buyer's
  first choice at a moment drawn uniformly from the 10 seconds after the bell (``--seconds``), taken or
  not. On a 409 they tap the buyer's next wish at once, skipping wishes the sales-control board on the
  wall already shows taken (the board is every 201 or 409 answered so far); they stop at the first 201
  or when the list is spent. So 500 first taps in 10 s, plus the losers' second and third choices.
- A fixed pool of 50 client threads (``--connections``) carries the taps in arrival order, one request
  per connection (sync workers close every connection): at most 50 requests are in flight, which is 50
  salespeople pressing at the same instant; the rest of the crowd waits in the client's queue instead of
  in 500 threads that would take the two cores from the server and the database.
- Each request is timed from send to answer (the p99 target). Because a closed pool can hide delay in
  its own queue, each tap is also timed from the moment it was due (its arrival, or the previous 409 for
  a second choice) to its answer, and the largest lag between a due time and the send is printed.

Afterwards the database is checked: at most one active deal and one active deposit per unit (the
partial unique index ``deal_one_active_per_unit`` is present), the units on hold are exactly the 201
answers with the winners' salespeople, and every 409 says ``unit_unavailable`` with a message. Exit 1 on
any failure; the database is dropped unless ``--keep``. To tell the application's cost from a busy
machine, the lock waits and the CPU seconds of the workers, the database's backends, this client and
every other process during the rush are printed too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import queue
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.common import (
    bench_environment,
    database_drop,
    database_name,
    database_recreate,
    database_url,
    gunicorn_start,
    gunicorn_stop,
    http_call,
    percentile,
    redis_scratch,
    setup_django,
)
from benchmarks.make_dataset import BENCH_PASSWORD

DATABASE_URL = database_url("so_bench_opening")
PORT = 8783
BATCH = "首开"
TABLE = re.compile(r'(?:FROM|UPDATE|INTO) "(\w+)"')


@dataclass(frozen=True)
class Tap:
    """One hold attempt: its answer, the seconds from send to answer, when it was due and answered."""

    unit: int
    status: int
    body: Any
    seconds: float
    due: float
    answered: float


@dataclass
class Buyer:
    number: int
    salesperson_id: int
    customer_id: int
    token: str
    wishes: list[int]
    arrival: float = 0.0
    taps: list[Tap] = field(default_factory=list)
    skipped: int = 0  # wishes not tapped because the board already showed them taken


# --- Setup (in-process Django on the dedicated database) --------------------------------------------------


def prepare(*, buyers: int, units: int, choices: int, seed: int) -> tuple[list[Buyer], Any, Any]:
    """The site, its manager, the salespeople with their buyers and tokens, and the withheld batch."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from customers.services import registration_create
    from deals.models import Building, Unit
    from salesoffice.core.models import Membership, Site, User
    from salesoffice.core.services import token_create

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(seed)
    site = Site.objects.create(code="open1", name="开盘演练一期", city="杭州")
    manager = User.objects.create_user(username="open-man", password=BENCH_PASSWORD, last_name="王")
    Membership.objects.create(user=manager, site=site, role=Membership.RoleChoice.MANAGER)
    password = make_password(BENCH_PASSWORD)
    sellers = User.objects.bulk_create(
        User(username=f"open-sp{i:03d}", password=password, last_name="李", first_name=f"顾问{i}")
        for i in range(buyers)
    )
    Membership.objects.bulk_create(
        Membership(user=seller, site=site, role=Membership.RoleChoice.SALESPERSON) for seller in sellers
    )
    per_building = (units + 3) // 4
    rows = []
    for b in range(4):
        count = min(per_building, units - b * per_building)
        if count <= 0:
            break
        floors = (count + 3) // 4
        building = Building.objects.create(site=site, name=f"{b + 1}号楼", floors=floors, sort=b)
        for k in range(count):
            floor, position = k // 4 + 1, k % 4 + 1
            area = Decimal((89, 118, 143, 118)[position - 1])
            per_m2 = Decimal(30_000 + floor * 150)
            rows.append(
                Unit(
                    site=site,
                    building=building,
                    floor=floor,
                    number=f"{floor:02d}{position:02d}",
                    layout="3室2厅",
                    orientation="南北",
                    building_area=area,
                    inner_area=area * Decimal("0.8"),
                    list_price_per_m2=per_m2,
                    list_total=per_m2 * area,
                    sales_batch=BATCH,
                )
            )
    unit_ids = [unit.pk for unit in Unit.objects.bulk_create(rows)]
    contact_at = timezone.now() - dt.timedelta(minutes=30)
    people: list[Buyer] = []
    ranking = unit_ids[:]
    rng.shuffle(ranking)  # desirability: rank 1 is the favourite
    weights = [1 / rank for rank in range(1, len(ranking) + 1)]
    for i, seller in enumerate(sellers):
        with transaction.atomic():
            registration = registration_create(
                site=site, actor=seller, kind="visit", contact_at=contact_at, customer_id=None,
                name=f"买家{i}", gender="female" if i % 2 else "male", phones=[f"139{i:08d}"],
                needs={"layout": "3室2厅", "budget": "4000000", "area": "120"}, level="A", source="walk_in",
            )  # fmt: skip
            _token, text = token_create(
                user=seller, site=site, name="opening day", scope="write", actor=seller
            )
        wishes: list[int] = []
        while len(wishes) < min(choices, len(ranking)):
            unit = rng.choices(ranking, weights)[0]
            if unit not in wishes:
                wishes.append(unit)
        people.append(Buyer(i, seller.pk, registration.customer_id, text, wishes))
    connection.close()
    return people, site, manager


def release(site: Any, manager: Any) -> int:
    """The bell: the manager releases the first batch (UNIT-02)."""
    from django.db import connection

    from deals.rules import UnitAction
    from deals.services import unit_batch_transition

    released = unit_batch_transition(
        site=site, sales_batch=BATCH, action=UnitAction.RELEASE, actor=manager, reason="开盘"
    )
    connection.close()
    return released


# --- The rush -------------------------------------------------------------------------------------------


def warm_up(port: int, path: str, token: str, workers: int) -> None:
    """Every worker answers a few requests before the bell (the first one imports the URLconf), as a
    server open since the morning would: concurrent rounds, so that no worker is skipped."""
    for _round in range(3):
        threads = [
            threading.Thread(target=http_call, args=(port, "GET", path), kwargs={"token": token})
            for _ in range(2 * workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def rush(buyers: list[Buyer], *, port: int, connections: int, seconds: float, seed: int) -> float:
    """Runs every buyer's attempts; returns the monotonic time of the bell."""
    rng = random.Random(seed + 1)
    for buyer in buyers:
        buyer.arrival = rng.uniform(0, seconds)
    waiting: queue.Queue[Buyer | None] = queue.Queue()
    for buyer in sorted(buyers, key=lambda b: b.arrival):
        waiting.put(buyer)
    bell = time.monotonic() + 0.2
    board: set[int] = set()  # the sales-control board on the wall: units seen taken so far

    def client() -> None:
        while True:
            buyer = waiting.get()
            if buyer is None:
                return
            due = bell + buyer.arrival
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            for choice, unit in enumerate(buyer.wishes):
                if choice and unit in board:
                    buyer.skipped += 1
                    continue
                body = {"customer": buyer.customer_id, "amount": "5000.00", "method": "wechat"}
                answer = http_call(port, "POST", f"/api/v1/units/{unit}/hold/", token=buyer.token, body=body)
                answered = time.monotonic()
                buyer.taps.append(Tap(unit, answer.status, answer.body, answer.seconds, due, answered))
                if answer.status not in (201, 409):
                    break
                board.add(unit)
                if answer.status == 201:
                    break
                due = answered

    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for _ in threads:
        waiting.put(None)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return bell


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_seconds() -> tuple[float, float]:
    """CPU seconds of the whole machine so far: (busy, total), over every core."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    total = sum(values[:8]) / os.sysconf("SC_CLK_TCK")
    idle = (values[3] + values[4]) / os.sysconf("SC_CLK_TCK")
    return total - idle, total


class ServerWatch:
    """What the server does during the rush, sampled every 100 ms: the sessions waiting for a lock, by
    the table their statement locks (the unit row every contender queues on, the site's receipt counter
    every deposit takes a number from, …), and the CPU seconds of the gunicorn workers, of the
    database's backends and of the whole machine (other processes on a shared machine included)."""

    def __init__(self, url: str, server: Any) -> None:
        self.url = url
        self.samples = 0
        self.peak = 0
        self.waiting: Counter[str] = Counter()
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        self.workers = {int(pid): cpu_seconds(int(pid)) for pid in children}
        self.backends: dict[int, tuple[float, float]] = {}  # pid: CPU seconds when first and last seen
        self.machine = machine_seconds()
        self.client = time.process_time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ServerWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        busy, total = machine_seconds()
        self.machine = (busy - self.machine[0], total - self.machine[1])
        self.client = time.process_time() - self.client
        self.workers = {pid: cpu_seconds(pid) - before for pid, before in self.workers.items()}

    def _run(self) -> None:
        import psycopg2

        conn = psycopg2.connect(self.url)
        conn.autocommit = True
        with conn.cursor() as cursor:
            while not self._stop.wait(0.1):
                cursor.execute(
                    "SELECT pid, wait_event_type, query FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                rows = cursor.fetchall()
                self.samples += 1
                waiting = [query for _pid, kind, query in rows if kind == "Lock"]
                self.peak = max(self.peak, len(waiting))
                for query in waiting:
                    found = TABLE.search(query)
                    self.waiting[found.group(1) if found else "other"] += 1
                for pid, _kind, _query in rows:
                    now = cpu_seconds(pid)
                    first = self.backends.get(pid, (now, now))[0]
                    self.backends[pid] = (first, now)
        conn.close()

    def report(self, requests: int, seconds: float) -> None:
        mean = sum(self.waiting.values()) / max(self.samples, 1)
        tables = ", ".join(
            f"{table} {n / max(self.samples, 1):.1f}" for table, n in self.waiting.most_common(4)
        )
        print(
            f"lock waits (sampled every 100 ms): on average {mean:.1f} sessions waiting, peak {self.peak}; "
            f"average waiting per table: {tables or 'none'}"
        )
        workers = sum(self.workers.values())
        backends = sum(last - first for first, last in self.backends.values())
        busy, total = self.machine
        print(
            f"CPU during the rush: gunicorn workers {workers:.1f} s ({workers / max(requests, 1) * 1000:.0f} ms "
            f"a request), the database's backends {backends:.1f} s ({backends / max(requests, 1) * 1000:.0f} ms "
            f"a request), this load generator {self.client:.1f} s; the machine was busy {busy:.1f} of "
            f"{total:.1f} core-seconds, {max(busy - workers - backends - self.client, 0):.1f} of them in other "
            "processes"
        )
        cost = (workers + backends) / max(requests, 1)
        cores = os.cpu_count() or 1
        print(
            f"capacity: {cost * 1000:.0f} ms of server and database CPU a request is at most "
            f"{cores / max(cost, 1e-9):.0f} requests/s on {cores} otherwise idle cores; the rush asked for "
            f"{requests} requests with the first taps spread over {seconds:g} s"
        )


# --- Checks ---------------------------------------------------------------------------------------------


def database_state(site_id: int) -> dict[str, Any]:
    from django.db import connection

    from deals.models import Deal, Deposit, Unit

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM deals_deal "
            "WHERE status IN ('on_hold', 'reserved', 'contracted') GROUP BY unit_id) AS t"
        )
        most_deals = cursor.fetchone()[0] or 0
        cursor.execute(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM deals_deposit WHERE status = 'active' "
            "GROUP BY unit_id) AS t"
        )
        most_deposits = cursor.fetchone()[0] or 0
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'deal_one_active_per_unit' "
            "UNION ALL SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'deal_one_active_per_unit'"
        )
        constraint = [row[0] for row in cursor.fetchall()]
    active = Deal.objects.filter(site_id=site_id, status__in=Deal.ACTIVE)
    state = {
        "most_active_deals_per_unit": most_deals,
        "most_active_deposits_per_unit": most_deposits,
        "constraint": constraint,
        "deals": dict(active.values_list("unit_id", "salesperson_id")),
        "deposits": Deposit.objects.filter(site_id=site_id, status="active").count(),
        "on_hold": set(
            Unit.objects.filter(site_id=site_id, status=Unit.Status.ON_HOLD).values_list("pk", flat=True)
        ),
        "available": Unit.objects.filter(site_id=site_id, status=Unit.Status.AVAILABLE).count(),
    }
    connection.close()
    return state


def judge(buyers: list[Buyer], state: dict[str, Any], *, bell: float, units: int) -> list[str]:
    failures: list[str] = []
    taps = [tap for buyer in buyers for tap in buyer.taps]
    statuses = Counter(tap.status for tap in taps)
    span = max(tap.answered for tap in taps) - bell
    other = {status: n for status, n in statuses.items() if status not in (201, 409)}
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(
        f"requests: {len(taps):,}, the last answered {span:.1f} s after the bell ({len(taps) / span:.0f}/s)  "
        f"201: {statuses[201]}  409: {statuses[409]}  other: {sum(other.values())} {other or ''}  "
        f"server errors: {server_errors}  connection errors: {statuses[0]}"
    )
    seconds = [tap.seconds for tap in taps]
    p50, p95, p99 = (percentile(seconds, q) * 1000 for q in (0.5, 0.95, 0.99))
    met = p99 <= 1000
    print(
        f"latency per request (send to answer): p50 {p50:.0f} ms  p95 {p95:.0f} ms  p99 {p99:.0f} ms  "
        f"max {max(seconds) * 1000:.0f} ms  target p99 ≤ 1000 ms: {'MET' if met else 'NOT MET'}"
    )
    waits = [tap.answered - tap.due for tap in taps]
    lag = max(tap.answered - tap.seconds - tap.due for tap in taps)
    print(
        f"latency per tap (due to answer, client queue included): p50 {percentile(waits, 0.5) * 1000:.0f} ms  "
        f"p95 {percentile(waits, 0.95) * 1000:.0f} ms  p99 {percentile(waits, 0.99) * 1000:.0f} ms; "
        f"largest lag of a first tap behind its due time {lag * 1000:.0f} ms"
    )
    if not met:
        failures.append(f"p99 {p99:.0f} ms > 1000 ms")
    if other:
        failures.append(f"answers other than 201/409: {other}")
    wanted = Counter(unit for buyer in buyers for unit in buyer.wishes)
    won = [(tap.unit, buyer) for buyer in buyers for tap in buyer.taps if tap.status == 201]
    won_units = Counter(unit for unit, _buyer in won)
    holds = sorted(tap.answered for tap in taps if tap.status == 201)
    pace = (len(holds) - 1) / (holds[-1] - holds[0]) if len(holds) > 1 and holds[-1] > holds[0] else 0.0
    print(
        f"units reserved: {len(won_units)} of {units} (wished for: {len(wanted)}, the favourite by "
        f"{wanted.most_common(1)[0][1]} buyers); holds granted at {pace:.0f}/s"
    )
    losers = [buyer for buyer in buyers if not any(tap.status == 201 for tap in buyer.taps)]
    tries = Counter(len(buyer.taps) for buyer in losers)
    print(
        f"buyers: {len(buyers) - len(losers)} got a unit, {len(losers)} got only 409 answers "
        f"({', '.join(f'{n} after {k} taps' for k, n in sorted(tries.items()))}); wishes not tapped because "
        f"the board showed them taken: {sum(buyer.skipped for buyer in buyers)}"
    )
    bodies = [tap.body if isinstance(tap.body, dict) else {} for tap in taps if tap.status == 409]
    codes = Counter(body.get("error", {}).get("code") for body in bodies)
    messages = Counter(body.get("error", {}).get("message") for body in bodies)
    print(f"409 answers: codes {dict(codes)}, messages {dict(messages)}")
    if set(codes) - {"unit_unavailable"} or not all(messages):
        failures.append("a 409 without the unit_unavailable code and a message")
    if any(n > 1 for n in won_units.values()):
        failures.append("a unit was answered 201 twice")
    if any(sum(tap.status == 201 for tap in buyer.taps) > 1 for buyer in buyers):
        failures.append("a buyer got two units")
    deals = state["deals"]
    print(
        f"database: units on hold {len(state['on_hold'])}, active deals {len(deals)}, active deposits "
        f"{state['deposits']}; most active deals on one unit {state['most_active_deals_per_unit']}, most "
        f"active deposits on one unit {state['most_active_deposits_per_unit']}; units still available "
        f"{state['available']}"
    )
    print(
        f"database: {state['constraint'][0] if state['constraint'] else 'deal_one_active_per_unit MISSING'}"
    )
    if state["most_active_deals_per_unit"] > 1 or state["most_active_deposits_per_unit"] > 1:
        failures.append("a unit has two active deals or holds")
    if not state["constraint"]:
        failures.append("deal_one_active_per_unit is missing")
    if state["on_hold"] != set(won_units) or set(deals) != set(won_units):
        failures.append("the units on hold are not the units answered 201")
    if any(deals.get(unit) != buyer.salesperson_id for unit, buyer in won):
        failures.append("a unit is held by another salesperson than the one answered 201")
    if state["deposits"] != len(won_units):
        failures.append("active deposits differ from the 201 answers")
    return failures


def server_log(log: Path) -> list[str]:
    """Errors and tracebacks in the server's log (warnings are the expected 409s)."""
    lines = log.read_text(errors="replace").splitlines()
    errors = [line for line in lines if " ERROR " in line or " CRITICAL " in line or "Traceback" in line]
    conflicts = sum(" WARNING django.request Conflict" in line for line in lines)
    print(f"server log: {len(lines)} lines, {conflicts} warnings of a 409, {len(errors)} errors")
    for line in errors[:5]:
        print(f"  {line}")
    return [f"{len(errors)} errors in the server log"] if errors else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=500, help="salespeople, each with one buyer")
    parser.add_argument("--units", type=int, default=200, help="units of the first batch")
    parser.add_argument("--choices", type=int, default=3, help="units on each buyer's wish list")
    parser.add_argument("--connections", type=int, default=50, help="client threads (requests in flight)")
    parser.add_argument("--seconds", type=float, default=10.0, help="the first taps arrive within this")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (production: 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14", help="an empty Redis database")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    print(
        f"R10 opening day: nproc {os.cpu_count()}, gunicorn {args.workers} sync workers, {args.buyers} buyers' "
        f"salespeople × up to {args.choices} wishes over {args.units} units, {args.connections} connections, "
        f"first taps within {args.seconds:g} s of the bell, database {database_name(DATABASE_URL)}, "
        f"load average before the run {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    env = {**bench_environment(DATABASE_URL), "ALLOWED_HOSTS": "127.0.0.1", "REDIS_URL": args.redis_url}
    # Django logs every 409 as a warning: the server's log goes to a file, and its errors are counted.
    log = Path(tempfile.mkdtemp(prefix="opening-")) / "gunicorn.log"
    failures: list[str] = []
    try:
        with redis_scratch(args.redis_url):
            began = time.monotonic()
            database_recreate(DATABASE_URL)
            setup_django(DATABASE_URL)
            buyers, site, manager = prepare(
                buyers=args.buyers, units=args.units, choices=args.choices, seed=args.seed
            )
            print(
                f"setup: {time.monotonic() - began:.0f} s (migrations, {len(buyers)} salespeople with their "
                f"registered buyers and tokens, {args.units} withheld units)",
                flush=True,
            )
            server = gunicorn_start(env, port=PORT, workers=args.workers, log=log)
            try:
                warm_up(PORT, f"/api/v1/sites/{site.pk}/units/", buyers[0].token, args.workers)
                print(f"the bell: the manager releases {release(site, manager)} units", flush=True)
                with ServerWatch(DATABASE_URL, server) as watch:
                    bell = rush(
                        buyers, port=PORT, connections=args.connections, seconds=args.seconds, seed=args.seed
                    )
            finally:
                gunicorn_stop(server)
            failures = judge(buyers, database_state(site.pk), bell=bell, units=args.units)
            watch.report(sum(len(buyer.taps) for buyer in buyers), args.seconds)
            failures += server_log(log)
    finally:
        shutil.rmtree(log.parent, ignore_errors=True)
        if args.keep:
            print(f"kept: {database_name(DATABASE_URL)}")
        else:
            from django.apps import apps

            if apps.ready:
                from django.db import connections

                connections.close_all()
            database_drop(DATABASE_URL)
    if failures:
        print("R10 NOT MET: " + "; ".join(failures))
        return 1
    print("R10 MET: no server error, no unit reserved twice, every loser a clear 409, p99 within 1 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
