"""R9 (quality.md QUAL-03): the backup-and-restore drill, under a write load.

    .venv/bin/python -m benchmarks.backup_drill [--scale 0.01] [--keep]

1. Builds a source database ``so_bench_drill_src`` with ``benchmarks.make_dataset --fresh``.
2. Serves it with gunicorn (production settings, as ``benchmarks.run_http``) and drives a write load
   over the API: per site a desk registering walk-ins, a salesperson taking small deposits (holds) and
   finance recording instalments.
3. Under that load, takes the backup with the documented command ``scripts/backup``. To know the
   source's figures at the backup's point in time, a session opens a REPEATABLE READ transaction, exports
   its snapshot (``pg_export_snapshot()``) and hands it to pg_dump (``--snapshot``); the same session
   computes the figures inside that snapshot while the dump runs and the load keeps writing.
4. Restores the archive into an empty database ``so_bench_drill_restored`` with the documented commands
   (``createdb``, ``pg_restore --no-owner --exit-on-error``).
5. Compares the restored figures with the snapshot's: the row count of every table, money records by kind
   and by site, deposits held, units and deals by status, and checksums of the money records, deposits,
   deals, customers' ownership and the numbering counters; checks that every id sequence is ahead of its
   table, so the restored app can insert.
6. Smoke test of the restored app: ``manage.py check --database default``, ``migrate --check``, gunicorn,
   /healthz, the login page and a real login, a counter lookup by a walk-in's phone registered before the
   snapshot (the right customer) and by one registered after it (not found), and a new registration.
7. Prints the table, drops both databases (``--keep`` keeps them) and exits 1 on any mismatch or failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import (
    ROOT,
    bench_environment,
    database_drop,
    database_name,
    database_url,
    gunicorn_start,
    gunicorn_stop,
    http_call,
    percentile,
    redis_scratch,
    session_login,
    setup_django,
)

SOURCE_URL = database_url("so_bench_drill_src")
RESTORED_URL = database_url("so_bench_drill_restored")
SOURCE_PORT = 8781
RESTORED_PORT = 8782
KEY_TABLES = (
    "core_user",
    "core_apitoken",
    "core_counter",
    "core_auditevent",
    "customers_customer",
    "customers_customerphone",
    "customers_registration",
    "customers_ownershipverdict",
    "customers_depositrecord",
    "deals_unit",
    "deals_unitstatuschange",
    "deals_deal",
    "deals_deposit",
    "deals_moneyrecord",
    "django_migrations",
)


# --- Figures ----------------------------------------------------------------------------------------


def figures(cursor: Any) -> dict[str, str]:
    """Record counts and money balances as text, read through ``cursor`` (in whatever snapshot its
    transaction holds)."""
    result: dict[str, str] = {}

    def rows(sql: str) -> list[tuple[Any, ...]]:
        cursor.execute(sql)
        return list(cursor.fetchall())

    for (table,) in rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"):
        (count,) = rows('SELECT count(*) FROM "' + table + '"')[0]
        result[f"rows {table}"] = f"{count:,}"
    for kind, count, total in rows(
        "SELECT kind, count(*), sum(amount) FROM deals_moneyrecord GROUP BY kind ORDER BY kind"
    ):
        result[f"money {kind}"] = f"{count:,} / {total:,.2f}"
    count, total = rows("SELECT count(*), coalesce(sum(amount), 0) FROM deals_moneyrecord")[0]
    result["money, all records"] = f"{count:,} / {total:,.2f}"
    for site, count, total in rows(
        "SELECT site_id, count(*), sum(amount) FROM deals_moneyrecord GROUP BY site_id ORDER BY site_id"
    ):
        result[f"money site {site}"] = f"{count:,} / {total:,.2f}"
    for kind, count, total in rows(
        "SELECT kind, count(*), sum(amount) FROM deals_deposit WHERE status = 'active' GROUP BY kind ORDER BY kind"
    ):
        result[f"deposits held {kind}"] = f"{count:,} / {total:,.2f}"
    for table in ("deals_unit", "deals_deal", "deals_deposit"):
        for status, count in rows(f"SELECT status, count(*) FROM {table} GROUP BY status ORDER BY status"):
            result[f"{table.split('_')[1]}s {status}"] = f"{count:,}"
    checksums = {
        "money records": "SELECT concat_ws(':', id, deal_id, deposit_id, kind, amount, receipt_number, at) "
        "AS r, id FROM deals_moneyrecord",
        "deposits": "SELECT concat_ws(':', id, unit_id, customer_id, kind, amount, status, hold_until) AS r, "
        "id FROM deals_deposit",
        "deals": "SELECT concat_ws(':', id, unit_id, customer_id, salesperson_id, status) AS r, id FROM deals_deal",
        "customers' owners": "SELECT concat_ws(':', id, owner_id, protected_until, status) AS r, id "
        "FROM customers_customer",
        "counters": "SELECT concat_ws(':', id, scope, value) AS r, id FROM core_counter",
    }
    for label, sql in checksums.items():
        digest = rows(f"SELECT md5(coalesce(string_agg(r, ',' ORDER BY id), '')) FROM ({sql}) AS t")[0][0]
        result[f"checksum {label}"] = digest[:12]
    return result


def sequences_behind(cursor: Any) -> list[str]:
    """Id sequences whose next value would collide with an existing row (a restore that forgot them)."""
    cursor.execute(
        """
        SELECT seq.relname, tab.relname, col.attname
        FROM pg_class seq
        JOIN pg_depend dep ON dep.objid = seq.oid AND dep.classid = 'pg_class'::regclass
             AND dep.refclassid = 'pg_class'::regclass
        JOIN pg_class tab ON tab.oid = dep.refobjid
        JOIN pg_attribute col ON col.attrelid = tab.oid AND col.attnum = dep.refobjsubid
        JOIN pg_namespace ns ON ns.oid = seq.relnamespace
        WHERE seq.relkind = 'S' AND ns.nspname = 'public'
        """
    )
    behind = []
    for sequence, table, column in cursor.fetchall():
        cursor.execute(f'SELECT last_value, is_called FROM "{sequence}"')
        last_value, is_called = cursor.fetchone()
        cursor.execute(f'SELECT max("{column}") FROM "{table}"')
        highest = cursor.fetchone()[0] or 0
        next_value = last_value + 1 if is_called else last_value
        if next_value <= highest:
            behind.append(f"{sequence} next {next_value} <= max({table}.{column}) {highest}")
    return behind


# --- The write load ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteLoad:
    index: int
    site_id: int
    code: str
    seller: str
    seller_token: str
    finance_token: str
    customers: list[int]
    units: list[int]
    deals: list[int]


@dataclass(frozen=True)
class Outcome:
    kind: str
    status: int
    started: float
    ended: float
    phone: str = ""
    detail: str = ""


@dataclass
class Load:
    """Per site three clients writing as fast as the server answers: walk-ins at a desk, small deposits
    on available units for the salesperson's own customers (until either runs out), and instalments by
    finance on the site's live deals."""

    sites: list[SiteLoad]
    port: int
    stop: threading.Event = field(default_factory=threading.Event)
    outcomes: list[Outcome] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for site in self.sites:
            for work in (self._desk, self._holds, self._payments):
                thread = threading.Thread(target=work, args=(site,), daemon=True)
                thread.start()
                self.threads.append(thread)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _record(self, kind: str, started: float, answer: Any, phone: str = "") -> None:
        detail = "" if 200 <= answer.status < 300 else str(answer.body)[:200]
        self.outcomes.append(Outcome(kind, answer.status, started, time.monotonic(), phone, detail))

    def _desk(self, site: SiteLoad) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            phone = f"171{site.index:02d}{number:06d}"
            body = {
                "kind": "visit", "contact_at": dt.datetime.now(dt.UTC).isoformat(), "name": "王先生",
                "gender": "male", "phones": [phone], "needs": {"layout": "3室2厅", "budget": "3000000"},
                "level": "B", "source": "walk_in", "informed": True,
            }  # fmt: skip
            started = time.monotonic()
            path = f"/api/v1/sites/{site.site_id}/registrations/"
            answer = http_call(self.port, "POST", path, token=site.seller_token, body=body)
            self._record("walk-in registration", started, answer, phone)

    def _holds(self, site: SiteLoad) -> None:
        for unit, customer in zip(site.units, site.customers, strict=False):
            if self.stop.is_set():
                return
            started = time.monotonic()
            body = {"customer": customer, "amount": "5000.00", "method": "wechat"}
            answer = http_call(
                self.port, "POST", f"/api/v1/units/{unit}/hold/", token=site.seller_token, body=body
            )
            self._record("small deposit (hold)", started, answer)

    def _payments(self, site: SiteLoad) -> None:
        number = 0
        while site.deals and not self.stop.is_set():
            deal = site.deals[number % len(site.deals)]
            number += 1
            body = {"kind": "instalment", "amount": "1000.00", "payer": "张三", "method": "transfer"}
            started = time.monotonic()
            answer = http_call(
                self.port, "POST", f"/api/v1/deals/{deal}/payments/", token=site.finance_token, body=body
            )
            self._record("instalment (payment)", started, answer)


def prepare(sites: int) -> list[SiteLoad]:
    """Write tokens of one salesperson and of finance per site, and what their clients work on."""
    from django.db import connection

    from customers.models import Customer
    from deals.models import Deal, Unit
    from salesoffice.core.models import Membership, Site
    from salesoffice.core.services import token_create

    loads = []
    for index, site in enumerate(Site.objects.order_by("pk")[:sites], start=1):
        members = Membership.objects.filter(site=site).select_related("user").order_by("user_id")
        seller = next(m.user for m in members if m.role == "salesperson")
        finance = next(m.user for m in members if m.role == "finance")
        _t, seller_token = token_create(user=seller, site=site, name="drill", scope="write", actor=seller)
        _t, finance_token = token_create(user=finance, site=site, name="drill", scope="write", actor=finance)
        customers = Customer.objects.filter(site=site, owner=seller, status__in=["new", "following"])
        loads.append(
            SiteLoad(
                index=index,
                site_id=site.pk,
                code=site.code,
                seller=seller.username,
                seller_token=seller_token,
                finance_token=finance_token,
                customers=list(customers.order_by("pk").values_list("pk", flat=True)),
                units=list(
                    Unit.objects.filter(site=site, status="available")
                    .order_by("pk")
                    .values_list("pk", flat=True)
                ),
                deals=list(
                    Deal.objects.filter(site=site, status__in=["reserved", "contracted"])
                    .order_by("pk")
                    .values_list("pk", flat=True)[:50]
                ),
            )
        )
    connection.close()
    return loads


# --- Commands ------------------------------------------------------------------------------------------


def run(
    command: list[str], env: dict[str, str] | None = None, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed command lines
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([str(ROOT / ".venv/bin/python"), "manage.py", *args], env)


def restore(url: str, archive: Path) -> tuple[bool, str]:
    """The documented restore: ``createdb`` then ``pg_restore --no-owner --exit-on-error``."""
    parts = urllib.parse.urlsplit(url)
    target = [f"--host={parts.hostname or '127.0.0.1'}", f"--port={parts.port or 5432}"]
    target += [f"--username={parts.username or 'postgres'}"]
    created = run(["createdb", *target, database_name(url)])
    if created.returncode:
        return False, created.stderr.strip()
    restored = run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={url}", str(archive)])
    return restored.returncode == 0, restored.stderr.strip()


# --- Smoke test of the restored app ----------------------------------------------------------------------


def login(port: int, username: str) -> bool:
    return session_login(f"http://127.0.0.1:{port}", username) is not None


def smoke(
    env: dict[str, str], port: int, site: SiteLoad, known: tuple[str, int], later: str | None
) -> list[tuple[str, bool, str]]:
    checks: list[tuple[str, bool, str]] = []
    done = manage(env, "check", "--database", "default")
    checks.append(("manage.py check --database default", done.returncode == 0, done.stdout.strip()[-80:]))
    done = manage(env, "migrate", "--check")
    checks.append(
        (
            "manage.py migrate --check",
            done.returncode == 0,
            "no unapplied migrations" if done.returncode == 0 else done.stdout[-200:],
        )
    )
    done = manage(env, "showmigrations", "--plan")
    pending = done.stdout.count("[ ]")
    checks.append(
        (
            "manage.py showmigrations --plan",
            done.returncode == 0 and pending == 0,
            f"{done.stdout.count('[X]')} applied, {pending} pending",
        )
    )
    server = gunicorn_start(env, port=port)
    try:
        health = http_call(port, "GET", "/healthz")
        checks.append(("GET /healthz", health.status == 200, f"{health.status} {health.body}"))
        page = http_call(port, "GET", "/accounts/login/", headers={"Accept": "text/html"})
        checks.append(("GET /accounts/login/", page.status == 200, str(page.status)))
        checks.append((f"login as {site.seller}", login(port, site.seller), "session cookie"))
        issued = manage(
            env, "token_issue", site.seller, site.code, "--scope", "write", "--name", "drill smoke"
        )
        token = issued.stdout.strip().splitlines()[-1] if issued.returncode == 0 else ""
        checks.append(("manage.py token_issue", bool(token), issued.stderr.strip()[-80:]))
        lookup = f"/api/v1/sites/{site.site_id}/customers/lookup/?q="
        phone, customer = known
        found = http_call(port, "GET", lookup + phone, token=token)
        ids = [row.get("customer_id") for row in found.body] if isinstance(found.body, list) else []
        checks.append(
            (
                f"lookup {phone} (registered before the snapshot)",
                found.status == 200 and ids == [customer],
                f"{found.status}, customers {ids}, expected [{customer}]",
            )
        )
        if later:
            found = http_call(port, "GET", lookup + later, token=token)
            ids = [row.get("customer_id") for row in found.body] if isinstance(found.body, list) else []
            checks.append(
                (
                    f"lookup {later} (registered after the snapshot)",
                    found.status == 200 and ids == [],
                    f"{found.status}, customers {ids}, expected none",
                )
            )
        body = {
            "kind": "visit", "contact_at": dt.datetime.now(dt.UTC).isoformat(), "name": "李女士",
            "gender": "female", "phones": ["17199999999"], "needs": {"layout": "3室2厅"}, "level": "B",
            "source": "walk_in", "informed": True,
        }  # fmt: skip
        written = http_call(
            port, "POST", f"/api/v1/sites/{site.site_id}/registrations/", token=token, body=body
        )
        checks.append(("POST a new walk-in registration", written.status == 201, f"{written.status}"))
    finally:
        gunicorn_stop(server)
    return checks


# --- The drill ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01, help="make_dataset scale of the source")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sites", type=int, default=3, help="sites the write load runs on")
    parser.add_argument("--warm-up", type=float, default=3.0, help="seconds of load before the backup")
    parser.add_argument("--after", type=float, default=2.0, help="seconds of load after the backup")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15", help="an empty Redis database")
    parser.add_argument("--keep", action="store_true", help="keep both databases and the archive")
    args = parser.parse_args(argv)
    print(
        f"R9 backup-and-restore drill: nproc {os.cpu_count()}, source {database_name(SOURCE_URL)}, restored "
        f"into {database_name(RESTORED_URL)}, load average before the run {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    env = {**bench_environment(SOURCE_URL), "ALLOWED_HOSTS": "127.0.0.1", "REDIS_URL": args.redis_url}
    restored_env = {**env, "DATABASE_URL": RESTORED_URL}
    work = Path(tempfile.mkdtemp(prefix="drill-"))
    archive = work / "salesoffice.dump"
    failures: list[str] = []
    try:
        with redis_scratch(args.redis_url):
            failures = drill(args, env, restored_env, archive)
    finally:
        if args.keep:
            print(f"kept: {database_name(SOURCE_URL)}, {database_name(RESTORED_URL)}, {archive}")
        else:
            database_drop(SOURCE_URL)
            database_drop(RESTORED_URL)
            archive.unlink(missing_ok=True)
            work.rmdir()
            print("dropped both drill databases")
    if failures:
        print("R9 NOT MET: " + "; ".join(failures))
        return 1
    print(
        "R9 MET: the restored app starts, passes the smoke test, and its counts and balances equal the "
        "source at the backup's point in time"
    )
    return 0


def drill(
    args: argparse.Namespace, env: dict[str, str], restored_env: dict[str, str], archive: Path
) -> list[str]:
    import psycopg2
    import psycopg2.extensions
    import redis

    failures: list[str] = []
    began = time.monotonic()
    built = run(
        [
            str(ROOT / ".venv/bin/python"), "-m", "benchmarks.make_dataset", "--fresh", "--scale", str(args.scale),
            "--seed", str(args.seed), "--database-url", SOURCE_URL,
        ]
    )  # fmt: skip
    if built.returncode:
        raise SystemExit(f"make_dataset failed:\n{built.stdout}\n{built.stderr}")
    database_drop(RESTORED_URL)
    summary = built.stdout.strip().splitlines()[-1]
    print(
        f"source built: make_dataset --scale {args.scale} ({time.monotonic() - began:.0f} s, {summary})",
        flush=True,
    )
    setup_django(SOURCE_URL)
    sites = prepare(args.sites)
    server = gunicorn_start(env, port=SOURCE_PORT)
    load = Load(sites=sites, port=SOURCE_PORT)
    try:
        load.start()
        time.sleep(args.warm_up)
        session = psycopg2.connect(SOURCE_URL)
        session.set_session(
            isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True
        )
        with session.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            snapshot_at = time.monotonic()
            backup = subprocess.Popen(  # noqa: S603 - the documented command
                [str(ROOT / "scripts/backup"), SOURCE_URL, str(archive), f"--snapshot={snapshot}"],
                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            at_snapshot = figures(cursor)
            # The load's walk-ins have 171 numbers, which the data set never uses.
            cursor.execute("SELECT e164, customer_id FROM customers_customerphone WHERE e164 LIKE '+86171%'")
            in_snapshot = {e164[3:]: customer for e164, customer in cursor.fetchall()}
            out, err = backup.communicate(timeout=900)
            dump_ended = time.monotonic()
        session.rollback()
        session.close()
        if backup.returncode:
            raise SystemExit(f"scripts/backup failed: {err}")
        print(f"backup under load: {out.strip()}, snapshot {snapshot}", flush=True)
        time.sleep(args.after)
    finally:
        load.finish()
        gunicorn_stop(server)
    with psycopg2.connect(SOURCE_URL) as conn, conn.cursor() as cursor:
        at_end = figures(cursor)
    conn.close()
    # The restored app starts on an empty Redis (cache, throttles, queue), as a server brought up on a
    # restored database would.
    redis.Redis.from_url(args.redis_url).flushdb()
    failures += report_load(load, snapshot_at, dump_ended, in_snapshot)

    began = time.monotonic()
    ok, errors = restore(RESTORED_URL, archive)
    outcome = "ok" if ok else f"FAILED {errors[:300]}"
    print(
        f"restore: createdb + pg_restore --no-owner --exit-on-error: {outcome} ({time.monotonic() - began:.1f} s)"
    )
    if not ok:
        return [*failures, "pg_restore failed"]
    with psycopg2.connect(RESTORED_URL) as conn, conn.cursor() as cursor:
        restored = figures(cursor)
        behind = sequences_behind(cursor)
    conn.close()
    failures += compare(at_snapshot, restored, at_end)
    print(f"id sequences ahead of their tables: {'all' if not behind else 'NOT ' + ', '.join(behind)}")
    if behind:
        failures.append("sequences behind")

    # The smoke test looks up walk-ins of the first site's desk: the last one inside the snapshot, and
    # one sent after it.
    first = sites[0]
    prefix = f"171{first.index:02d}"
    known = max(((p, c) for p, c in in_snapshot.items() if p.startswith(prefix)), default=None)
    later = next(
        (
            o.phone
            for o in load.outcomes
            if o.status == 201 and o.phone.startswith(prefix) and o.started > snapshot_at
        ),
        None,
    )
    if known is None:
        return [*failures, "no walk-in of the load was in the snapshot"]
    print("smoke test of the restored app:")
    for label, passed, detail in smoke(restored_env, RESTORED_PORT, first, known, later):
        print(f"  {'ok  ' if passed else 'FAIL'} {label:<58} {detail}")
        if not passed:
            failures.append(label)
    return failures


def report_load(load: Load, snapshot_at: float, dump_ended: float, in_snapshot: dict[str, int]) -> list[str]:
    failures = []
    print("write load (requests: total, during the dump, statuses):")
    kinds = sorted({o.kind for o in load.outcomes})
    for kind in kinds:
        rows = [o for o in load.outcomes if o.kind == kind]
        during = sum(1 for o in rows if o.ended >= snapshot_at and o.started <= dump_ended)
        statuses = Counter(o.status for o in rows)
        seconds = [o.ended - o.started for o in rows]
        print(
            f"  {kind:<24} {len(rows):>5}  {during:>5} during the dump  {dict(sorted(statuses.items()))}  "
            f"p50 {percentile(seconds, 0.5) * 1000:.0f} ms, p95 {percentile(seconds, 0.95) * 1000:.0f} ms"
        )
        for outcome in [o for o in rows if not 200 <= o.status < 300][:3]:
            print(f"    {outcome.status}: {outcome.detail}")
    bad = [o for o in load.outcomes if not 200 <= o.status < 300]
    if bad:
        failures.append(f"{len(bad)} load requests failed")
    if not any(
        o.ended >= snapshot_at and o.started <= dump_ended and o.status in (200, 201) for o in load.outcomes
    ):
        failures.append("no write overlapped the dump")
    # A walk-in answered 201 before the snapshot was committed before it: it must be in the snapshot;
    # one sent after the snapshot cannot be.
    before = [o.phone for o in load.outcomes if o.status == 201 and o.phone and o.ended < snapshot_at]
    after = [o.phone for o in load.outcomes if o.status == 201 and o.phone and o.started > snapshot_at]
    missing = [p for p in before if p not in in_snapshot]
    leaked = [p for p in after if p in in_snapshot]
    print(
        f"walk-ins answered before the snapshot: {len(before)}, in the snapshot: {len(before) - len(missing)}; "
        f"sent after it: {len(after)}, in the snapshot: {len(leaked)}"
    )
    if missing or leaked:
        failures.append("snapshot does not match the load's timeline")
    return failures


def compare(at_snapshot: dict[str, str], restored: dict[str, str], at_end: dict[str, str]) -> list[str]:
    keys = list(dict.fromkeys([*at_snapshot, *restored]))
    wrong = [key for key in keys if at_snapshot.get(key) != restored.get(key)]
    moved = [key for key in keys if at_snapshot.get(key) != at_end.get(key)]
    shown = [
        key for key in keys
        if not key.startswith(("rows ", "money site ")) or key.removeprefix("rows ") in KEY_TABLES or key in wrong
    ]  # fmt: skip
    print(
        f"{'figure (count / sum in yuan)':<36} {'source at snapshot':>22} {'restored':>22} {'source at end':>22}"
    )
    for key in shown:
        mark = "MISMATCH" if key in wrong else "ok"
        print(
            f"{key:<36} {at_snapshot.get(key, '-'):>22} {restored.get(key, '-'):>22} {at_end.get(key, '-'):>22}  {mark}"
        )
    tables = [key for key in keys if key.startswith("rows ")]
    site_keys = [key for key in keys if key.startswith("money site ")]
    print(
        f"{'row counts, every table':<36} {len(tables):>22} {len(tables) - sum(k in wrong for k in tables):>22} equal"
    )
    print(
        f"{'money per site':<36} {len(site_keys):>22} {len(site_keys) - sum(k in wrong for k in site_keys):>22} equal"
    )
    print(f"figures the load changed after the snapshot (source at end differs): {len(moved)}")
    failures = [f"{len(wrong)} figures differ from the snapshot"] if wrong else []
    if not moved:
        failures.append("the load wrote nothing after the snapshot; the comparison proves nothing")
    return failures


if __name__ == "__main__":
    sys.exit(main())
